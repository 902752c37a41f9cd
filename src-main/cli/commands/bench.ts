// `pwb bench`: training and inference throughput of the benchmark models on this machine, per backend
// and thread count, beside the same models in PyTorch where a Python with torch is found. Random data
// with a fixed seed; progress on stderr, the table (or with --json one object) on stdout.
//
// Each (backend, thread count) is measured in a child process of its own: native TensorFlow fixes its
// thread pool when it loads, and one process holds only one native package. The parent runs the
// PyTorch reference per (model, thread count) after them, and does the whole again `--rounds` times:
// each ratio pairs figures of the same round (bench-rounds.ts).
import { execFile } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ValidationError } from '../../../src-shared/errors.ts';
import { parseBackendChoice, type BackendChoice } from '../../engine/backend/backend-choice.ts';
import { benchModel, benchModelIds, INFER_BATCH_SIZE, TRAIN_BATCH_SIZE, type BenchModel } from '../../engine/bench/bench-models.ts';
import { parsePositiveInt } from '../args.ts';
import { combineRounds, type Round, type TorchFigures } from './bench-rounds.ts';
import { printJson, table } from '../format.ts';

const SEED = 1;
const WINDOWS = 3;
const ROUNDS = 3;
/** Internal: set in the child processes the bench runs, one per (backend, thread count). */
const CHILD_ENV = 'PWB_BENCH_CHILD';
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

type BenchBackend = Exclude<BackendChoice, 'auto'>;

interface BenchOpts {
  models: string[];
  threads?: number[];
  backend?: BenchBackend[];
  steps?: number;
  warmup?: number;
  rounds: number;
  torch: boolean;
  json?: boolean;
}

export interface BenchRow {
  model: string;
  backend: string;
  threads: number;
  batchSize: number;
  inferBatchSize: number;
  /** null when training (inference) failed or did not run (`error` says why). */
  trainImagesPerSec: number | null;
  inferImagesPerSec: number | null;
  /** Threads inference ran on: one for wasm and cpu (no threads under Node), TensorFlow's own pool for native. */
  inferThreads: number;
  /** The backend's provider, device and why, as stored with runs. */
  backendReason: string;
  torchTrainImagesPerSec: number | null;
  torchInferImagesPerSec: number | null;
  /** pwb ÷ PyTorch: 1 means as fast as PyTorch. The median over rounds of the ratio within each round. */
  trainRatio: number | null;
  inferRatio: number | null;
  /** The lowest and highest per-round ratio. */
  trainRatioRange: [number, number] | null;
  inferRatioRange: [number, number] | null;
  /** Rounds the figures are medians over (each round: every backend, then PyTorch). */
  rounds: number;
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

function parseBackends(value: string): BenchBackend[] {
  const names = [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean))];
  if (names.length === 0) throw new ValidationError('--backend: expected a comma-separated list of webgpu, tensorflow, wasm, cpu');
  return names.map((n) => {
    const choice = parseBackendChoice(n);
    if (choice === 'auto') throw new ValidationError("--backend: name the backends (webgpu, tensorflow, wasm, cpu); leave it out for every installed one");
    return choice;
  });
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('measure training and inference images/s of the benchmark models, beside PyTorch where installed')
    .option('--models <ids>', `comma-separated: ${benchModelIds.join(', ')}`, parseModels, [...benchModelIds])
    .option('--threads <list>', 'comma-separated thread counts (default: 1 and all cores)', parseThreads)
    .option('--backend <list>', 'comma-separated: webgpu, tensorflow, wasm, cpu (default: webgpu on a real GPU, tensorflow where installed, and wasm)', parseBackends)
    .option('--steps <n>', 'timed steps per window (default: per model)', parsePositiveInt('--steps'))
    .option('--warmup <n>', 'untimed warm-up steps (default: per model)', parseNonNegativeInt)
    .option('--rounds <n>', `repeat the whole measurement, backends then PyTorch, n times: figures are medians over rounds, ratios pair each round's figures`, parsePositiveInt('--rounds'), ROUNDS)
    .option('--no-torch', 'skip the PyTorch reference')
    .option('--json', 'print one JSON object')
    .action(async (opts: BenchOpts) => {
      if (process.env[CHILD_ENV]) {
        printJson(await measureHere(opts));
        return;
      }
      await orchestrate(opts);
    });
}

async function orchestrate(opts: BenchOpts): Promise<void> {
  const started = performance.now();
  const cpus = os.availableParallelism();
  const threadCounts = opts.threads ?? [...new Set([1, cpus])];
  const models = opts.models.map(benchModel);
  const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
  const { isInstalled } = await import('../../engine/backend/select-backend.ts');
  const native = isInstalled('@tensorflow/tfjs-node') || isInstalled('@tensorflow/tfjs-node-gpu');
  const backends: BenchBackend[] = opts.backend ?? [...((await realGpuAdapter(log)) ? ['webgpu' as const] : []), ...(native ? ['tensorflow' as const] : []), 'wasm'];
  const { findTorch, runTorchBench } = await import('../../engine/bench/torch-reference.ts');
  const torch = opts.torch ? await findTorch() : { found: null, reason: 'skipped (--no-torch)' };
  log(torch.found ? `PyTorch ${torch.found.version} via ${torch.found.python}` : `PyTorch reference: ${torch.reason}`);

  const rounds: Round[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    if (opts.rounds > 1) log(`round ${round} of ${opts.rounds}`);
    const rows: BenchRow[] = [];
    for (const backend of backends) {
      // A GPU takes the whole batch: its row runs once, at the most threads (the PyTorch row it is compared with).
      for (const threads of backend === 'webgpu' ? [Math.max(...threadCounts)] : threadCounts) {
        log(`${backend}, ${threads} thread${threads > 1 ? 's' : ''}: ${opts.models.join(', ')} (child process)`);
        rows.push(...(await measureInChild(opts, backend, threads, log)));
      }
    }
    const reference = new Map<string, TorchFigures>();
    if (torch.found) {
      for (const m of models) {
        for (const threads of threadCounts) {
          log(`${m.id}: PyTorch, ${threads} thread${threads > 1 ? 's' : ''}`);
          try {
            const t = await runTorchBench(torch.found.python, {
              ...stepsFor(m, opts), model: m.id, batchSize: TRAIN_BATCH_SIZE, inferBatchSize: INFER_BATCH_SIZE, threads,
            });
            reference.set(`${m.id} ${threads}`, { train: t.trainImagesPerSec, infer: t.inferImagesPerSec });
          } catch (e) {
            reference.set(`${m.id} ${threads}`, { error: firstLine(e) });
            log(`${m.id}: PyTorch failed: ${firstLine(e)}`);
          }
        }
      }
    }
    rounds.push({ rows, torch: reference });
  }
  const rows = combineRounds(rounds, torch.found ? null : torch.reason);
  const totalSeconds = (performance.now() - started) / 1000;
  log(`done in ${totalSeconds.toFixed(0)} s`);

  if (opts.json) {
    printJson({
      machine: { cpus, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.versions.node },
      backends,
      torch: torch.found ? { python: torch.found.python, version: torch.found.version } : { unavailable: torch.reason },
      seed: SEED,
      windows: WINDOWS,
      rounds: opts.rounds,
      totalSeconds,
      rows,
    });
    return;
  }
  console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'}, ${cpus} cores, Node ${process.versions.node}; ` +
    `backends ${backends.join(', ')}; PyTorch ${torch.found ? torch.found.version : 'not run'}`);
  console.log(
    table(
      ['model', 'backend', 'threads', 'batch', 'train img/s', 'infer img/s', 'torch train img/s', 'torch infer img/s', 'train ratio', 'infer ratio'],
      rows.map((r) => [
        r.model, r.backend, r.threads, r.batchSize,
        r.trainImagesPerSec === null ? 'error' : rate(r.trainImagesPerSec), r.inferImagesPerSec === null ? 'error' : rate(r.inferImagesPerSec),
        rate(r.torchTrainImagesPerSec), rate(r.torchInferImagesPerSec), ratio(r.trainRatio, r.trainRatioRange), ratio(r.inferRatio, r.inferRatioRange),
      ]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  console.log(`training at batch ${TRAIN_BATCH_SIZE}; inference at batch ${INFER_BATCH_SIZE} (wasm and cpu infer on one thread, ` +
    `native TensorFlow and PyTorch on the row's threads); images/s: per round the median of ${WINDOWS} timed windows after ` +
    `warm-up, then the median over ${opts.rounds} round${opts.rounds > 1 ? 's' : ''} (each: every backend, then PyTorch); ratio = pwb ÷ PyTorch ` +
    'within a round, median (lowest–highest) over rounds.');
  for (const b of backends) {
    const r = rows.find((x) => x.backend === b && x.backendReason);
    if (r) console.log(`${b}: ${r.backendReason}`);
  }
  for (const r of rows) if (r.error) console.log(`${r.model}, ${r.backend}, ${r.threads} threads: ${r.error}`);
  if (!torch.found) console.log(`PyTorch: ${torch.reason}`);
  else for (const r of rows) if (r.torchError && r.backend === backends[0]) console.log(`${r.model}, ${r.threads} threads, PyTorch: ${r.torchError}`);
}

/** Whether WebGPU offers a real GPU here (asked in a child process): only then is it benched by default. */
async function realGpuAdapter(log: (line: string) => void): Promise<boolean> {
  const { describeAdapter, probeAdapterInChild } = await import('../../engine/backend/webgpu-adapter.ts');
  const probe = await probeAdapterInChild();
  if (!probe.ok) log(`webgpu left out: ${probe.why}`);
  else if (probe.software) log(`webgpu left out: software adapter (${describeAdapter(probe.adapter)}); --backend webgpu benches it anyway`);
  return probe.ok && !probe.software;
}

function stepsFor(m: BenchModel, opts: BenchOpts): { warmupSteps: number; timedSteps: number; windows: number; seed: number } {
  return { warmupSteps: opts.warmup ?? m.warmupSteps, timedSteps: opts.steps ?? m.timedSteps, windows: WINDOWS, seed: SEED };
}

/** Runs `pwb bench` for one backend and thread count in a child process: its rows, or rows saying why not. */
async function measureInChild(opts: BenchOpts, backend: BenchBackend, threads: number, log: (line: string) => void): Promise<BenchRow[]> {
  const args = [MAIN, 'bench', '--json', '--no-torch', '--backend', backend, '--threads', String(threads), '--models', opts.models.join(',')];
  if (opts.steps !== undefined) args.push('--steps', String(opts.steps));
  if (opts.warmup !== undefined) args.push('--warmup', String(opts.warmup));
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env: { ...process.env, [CHILD_ENV]: '1' }, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      for (const line of stderr.split('\n')) if (line.startsWith('bench: ')) log(`  ${line.slice('bench: '.length)}`);
      if (!err) {
        resolve(JSON.parse(stdout) as BenchRow[]);
        return;
      }
      const why = stderr.split('\n').find((l) => l.startsWith('pwb: '))?.replace(/^pwb: (error: )?/, '') ?? firstLine(err);
      log(`${backend}, ${threads} threads: ${why}`);
      resolve(opts.models.map((id) => ({ ...emptyRow(benchModel(id), backend, threads, stepsFor(benchModel(id), opts), 0, ''), error: why })));
    });
  });
}

/** The child's work: every model on one backend at one thread count. */
async function measureHere(opts: BenchOpts): Promise<BenchRow[]> {
  const threads = opts.threads?.[0] ?? 1;
  const { selectBackend } = await import('../../engine/backend/select-backend.ts');
  const { measureInference, measureTraining } = await import('../../engine/bench/measure.ts');
  const backend = await selectBackend(opts.backend?.[0] ?? 'wasm', { threads });
  const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
  log(`${backend.name}: ${backend.reason}`);
  const rows: BenchRow[] = [];
  for (const m of opts.models.map(benchModel)) {
    const steps = stepsFor(m, opts);
    const row = emptyRow(m, backend.name, threads, steps, backend.nativeThreads ?? 1, `${backend.provider}: ${backend.reason}`);
    try {
      log(`${m.id}: inference, batch ${INFER_BATCH_SIZE}`);
      row.inferImagesPerSec = (await measureInference(m.spec, { ...steps, batchSize: INFER_BATCH_SIZE })).imagesPerSec;
      log(`${m.id}: training, batch ${TRAIN_BATCH_SIZE}`);
      row.trainImagesPerSec = (await measureTraining(m.spec, { ...steps, batchSize: TRAIN_BATCH_SIZE, threads })).imagesPerSec;
    } catch (e) {
      row.error = firstLine(e);
      log(`${m.id}: failed: ${row.error}`);
    }
    rows.push(row);
  }
  return rows;
}

function emptyRow(
  m: BenchModel, backend: string, threads: number, steps: { warmupSteps: number; timedSteps: number }, inferThreads: number, backendReason: string,
): BenchRow {
  return {
    model: m.id, backend, threads, batchSize: TRAIN_BATCH_SIZE, inferBatchSize: INFER_BATCH_SIZE,
    trainImagesPerSec: null, inferImagesPerSec: null, inferThreads, backendReason,
    torchTrainImagesPerSec: null, torchInferImagesPerSec: null, trainRatio: null, inferRatio: null,
    trainRatioRange: null, inferRatioRange: null, rounds: 1,
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

function ratio(v: number | null, spread: [number, number] | null): string {
  if (v === null) return '-';
  return spread && spread[0] !== spread[1] ? `${v.toFixed(3)} (${spread[0].toFixed(2)}–${spread[1].toFixed(2)})` : v.toFixed(3);
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);
}
