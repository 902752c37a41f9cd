// `pwb bench`: training and inference throughput of the benchmark models on this machine, per backend
// and thread count, beside the same models in PyTorch where a Python with torch is found. Random data
// with a fixed seed; progress on stderr, the table (or with --json one object) on stdout.
import os from 'node:os';
import type { Command } from 'commander';
import { ValidationError } from '../../../src-shared/errors.ts';
import { parseBackendChoice, type BackendChoice } from '../../engine/backend/backend-choice.ts';
import { benchModel, benchModelIds, INFER_BATCH_SIZE, TRAIN_BATCH_SIZE, type BenchModel } from '../../engine/bench/bench-models.ts';
import { parsePositiveInt } from '../args.ts';
import { printJson, table } from '../format.ts';

const SEED = 1;
const WINDOWS = 3;

interface BenchOpts {
  models: string[];
  threads?: number[];
  backend: BackendChoice;
  steps?: number;
  warmup?: number;
  torch: boolean;
  json?: boolean;
}

export interface BenchRow {
  model: string;
  backend: string;
  threads: number;
  batchSize: number;
  inferBatchSize: number;
  /** null when training failed (`error` says why). */
  trainImagesPerSec: number | null;
  inferImagesPerSec: number | null;
  /** Threads inference ran on: one for wasm and cpu (no threads under Node), TensorFlow's own pool for native. */
  inferThreads: number;
  torchTrainImagesPerSec: number | null;
  torchInferImagesPerSec: number | null;
  /** pwb ÷ PyTorch: 1 means as fast as PyTorch. */
  trainRatio: number | null;
  inferRatio: number | null;
  warmupSteps: number;
  timedSteps: number;
  error: string | null;
  torchError: string | null;
}

function parseModels(value: string): string[] {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) throw new ValidationError(`--models: expected a comma-separated list of ${benchModelIds.join(', ')}`);
  for (const id of ids) benchModel(id); // unknown id → error listing the valid ones
  return ids;
}

function parseThreads(value: string): number[] {
  return [...new Set(value.split(',').map((s) => parsePositiveInt('--threads')(s.trim())))];
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('measure training and inference images/s of the benchmark models, beside PyTorch where installed')
    .option('--models <ids>', `comma-separated: ${benchModelIds.join(', ')}`, parseModels, [...benchModelIds])
    .option('--threads <list>', 'comma-separated thread counts (default: 1 and all cores)', parseThreads)
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', parseBackendChoice, 'auto')
    .option('--steps <n>', 'timed steps per window (default: per model)', parsePositiveInt('--steps'))
    .option('--warmup <n>', 'untimed warm-up steps (default: per model)', parseNonNegativeInt)
    .option('--no-torch', 'skip the PyTorch reference')
    .option('--json', 'print one JSON object')
    .action(async (opts: BenchOpts) => {
      const started = performance.now();
      const cpus = os.availableParallelism();
      const threadCounts = opts.threads ?? [...new Set([1, cpus])];
      const models = opts.models.map(benchModel);
      // Loaded on demand: TensorFlow.js and the torch runner are only needed to measure.
      const { selectBackend } = await import('../../engine/backend/select-backend.ts');
      const { measureInference, measureTraining } = await import('../../engine/bench/measure.ts');
      const { findTorch, runTorchBench } = await import('../../engine/bench/torch-reference.ts');
      const backend = await selectBackend(opts.backend);
      const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
      log(`backend ${backend.name}: ${backend.reason}`);
      const torch = opts.torch ? await findTorch() : { found: null, reason: 'skipped (--no-torch)' };
      log(torch.found ? `PyTorch ${torch.found.version} via ${torch.found.python}` : `PyTorch reference: ${torch.reason}`);

      const inferThreads = backend.name === 'tensorflow' ? cpus : 1;
      const rows: BenchRow[] = [];
      for (const m of models) {
        const steps = { warmupSteps: opts.warmup ?? m.warmupSteps, timedSteps: opts.steps ?? m.timedSteps, windows: WINDOWS, seed: SEED };
        log(`${m.id}: inference, batch ${INFER_BATCH_SIZE}`);
        const infer = await measureInference(m.spec, { ...steps, batchSize: INFER_BATCH_SIZE });
        for (const threads of threadCounts) {
          const row = emptyRow(m, backend.name, threads, steps, infer.imagesPerSec, inferThreads);
          log(`${m.id}: training, batch ${TRAIN_BATCH_SIZE}, ${threads} thread${threads > 1 ? 's' : ''}`);
          try {
            row.trainImagesPerSec = (await measureTraining(m.spec, { ...steps, batchSize: TRAIN_BATCH_SIZE, threads })).imagesPerSec;
          } catch (e) {
            row.error = firstLine(e);
            log(`${m.id}: training with ${threads} threads failed: ${row.error}`);
          }
          if (torch.found) {
            log(`${m.id}: PyTorch, ${threads} thread${threads > 1 ? 's' : ''}`);
            try {
              const t = await runTorchBench(torch.found.python, {
                ...steps, model: m.id, batchSize: TRAIN_BATCH_SIZE, inferBatchSize: INFER_BATCH_SIZE, threads,
              });
              row.torchTrainImagesPerSec = t.trainImagesPerSec;
              row.torchInferImagesPerSec = t.inferImagesPerSec;
              row.trainRatio = row.trainImagesPerSec === null ? null : row.trainImagesPerSec / t.trainImagesPerSec;
              row.inferRatio = infer.imagesPerSec / t.inferImagesPerSec;
            } catch (e) {
              row.torchError = firstLine(e);
              log(`${m.id}: PyTorch failed: ${row.torchError}`);
            }
          } else {
            row.torchError = torch.reason;
          }
          rows.push(row);
        }
      }
      const totalSeconds = (performance.now() - started) / 1000;
      log(`done in ${totalSeconds.toFixed(0)} s`);

      if (opts.json) {
        printJson({
          machine: { cpus, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.versions.node },
          backend: backend.name,
          backendReason: backend.reason,
          torch: torch.found ? { python: torch.found.python, version: torch.found.version } : { unavailable: torch.reason },
          seed: SEED,
          windows: WINDOWS,
          totalSeconds,
          rows,
        });
        return;
      }
      console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'}, ${cpus} cores, Node ${process.versions.node}; ` +
        `backend ${backend.name}; PyTorch ${torch.found ? torch.found.version : 'not run'}`);
      console.log(
        table(
          ['model', 'backend', 'threads', 'batch', 'train img/s', 'infer img/s', 'torch train img/s', 'torch infer img/s', 'train ratio', 'infer ratio'],
          rows.map((r) => [
            r.model, r.backend, r.threads, r.batchSize,
            r.trainImagesPerSec === null ? 'error' : rate(r.trainImagesPerSec), rate(r.inferImagesPerSec),
            rate(r.torchTrainImagesPerSec), rate(r.torchInferImagesPerSec), ratio(r.trainRatio), ratio(r.inferRatio),
          ]),
          ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
        ),
      );
      console.log(`training at batch ${TRAIN_BATCH_SIZE}; inference at batch ${INFER_BATCH_SIZE}, measured once per model on ` +
        `${inferThreads === 1 ? 'one thread' : `TensorFlow's ${inferThreads} threads`} (PyTorch's at each thread count); ` +
        `ratio = pwb ÷ PyTorch; images/s are medians of ${WINDOWS} timed windows after warm-up.`);
      for (const r of rows) if (r.error) console.log(`${r.model}, ${r.threads} threads: ${r.error}`);
      if (!torch.found) console.log(`PyTorch: ${torch.reason}`);
      else for (const r of rows) if (r.torchError) console.log(`${r.model}, ${r.threads} threads, PyTorch: ${r.torchError}`);
    });
}

function emptyRow(
  m: BenchModel, backend: string, threads: number, steps: { warmupSteps: number; timedSteps: number }, infer: number, inferThreads: number,
): BenchRow {
  return {
    model: m.id, backend, threads, batchSize: TRAIN_BATCH_SIZE, inferBatchSize: INFER_BATCH_SIZE,
    trainImagesPerSec: null, inferImagesPerSec: infer, inferThreads,
    torchTrainImagesPerSec: null, torchInferImagesPerSec: null, trainRatio: null, inferRatio: null,
    warmupSteps: steps.warmupSteps, timedSteps: steps.timedSteps, error: null, torchError: null,
  };
}

function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ValidationError(`--warmup: expected a non-negative integer, got '${value}'`);
  return n;
}

function rate(v: number | null): string {
  return v === null ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

function ratio(v: number | null): string {
  return v === null ? '-' : v.toFixed(3);
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);
}
