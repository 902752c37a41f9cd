// `pwb run <preset|spec.json>`: the comparison — baseline, prune, fine-tuned / Scratch-E / Scratch-B
// over seeds — with progress, the results table, and everything stored. Validated before any training.
import type { Command } from 'commander';
import { ValidationError } from '../../../src-shared/errors.ts';
import { parseBackendChoice, type BackendChoice } from '../../engine/backend/backend-choice.ts';
import { readJsonFile, parseNumber, parsePositiveInt } from '../args.ts';
import { withDatabaseAsync } from '../db.ts';
import { printJson } from '../format.ts';

interface RunOpts {
  scale?: number;
  seeds?: number;
  data?: string;
  valSplit?: number;
  backend: BackendChoice;
  threads?: number;
  parallelRuns?: number;
  json?: boolean;
  progress: boolean;
  queue?: string;
  listen?: string;
  allowRemote?: boolean;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run an experiment: train, prune, then fine-tuned vs Scratch-E vs Scratch-B over seeds')
    .argument('<experiment>', 'a preset id (see `pwb presets`) or an ExperimentSpec JSON file')
    .option('--scale <f>', 'fraction of the epochs and of the training data, 0 < f ≤ 1', parseNumber('--scale'))
    .option('--seeds <n>', 'use seeds 1..n instead of the spec\'s', parsePositiveInt('--seeds'))
    .option('--data <dataset>', 'dataset id or folder to use instead of the spec\'s (e.g. cifar10:/data/cifar-10-batches-bin)')
    .option('--val-split <f>', 'hold out this fraction of the training images (the same for every run) and choose best epochs on them, not on the test set', parseNumber('--val-split'))
    .option('--backend <name>', 'auto | webgpu | tensorflow | wasm | cpu', parseBackendChoice, 'auto')
    .option('--threads <n>', 'threads: TensorFlow intra-op threads, or data-parallel workers on wasm/cpu (default: every core, but no shard under 32 images)', parsePositiveInt('--threads'))
    .option('--parallel-runs <n>', 'runs training at once on webgpu (1–8; default: 1, or on a real GPU as many as the model\'s size leaves room for, up to 4)', parsePositiveInt('--parallel-runs'))
    .option('--json', 'print one JSON object {experiment, summary, runs} on stdout')
    .option('--no-progress', 'no progress output on stderr')
    .option('--queue <url>', 'train the runs on `pwb worker`s of this Redis queue (redis://HOST:PORT, rediss:// for TLS) instead of here')
    .option('--listen <host:port>', 'with --queue: where the workers reach this process (default 127.0.0.1, any free port)')
    .option('--allow-remote', 'with --listen: accept workers on other machines (a non-loopback host)')
    .action(async (arg: string, opts: RunOpts, cmd: Command) => {
      if (opts.queue && opts.parallelRuns !== undefined) throw new ValidationError('--parallel-runs: with --queue the workers train the runs, each its own; drop one of the two');
      await (await import('../run-queue.ts')).checkQueueOptions(opts);
      const { loadPreset } = await import('../../queries/presets.ts');
      const base = arg.endsWith('.json') || arg.includes('/') ? readJsonFile(arg) : loadPreset(arg);
      if (typeof base !== 'object' || base === null || Array.isArray(base)) throw new ValidationError(`${arg}: an ExperimentSpec must be a JSON object`);
      const raw: Record<string, unknown> = { ...base };
      if (opts.scale !== undefined) raw.scale = opts.scale;
      if (opts.seeds !== undefined) raw.seeds = Array.from({ length: opts.seeds }, (_, i) => i + 1);
      if (opts.data !== undefined) raw.dataset = opts.data;
      if (opts.valSplit !== undefined) raw.valSplit = opts.valSplit;
      await startExperiment(raw, arg, opts, cmd);
    });
}

async function startExperiment(raw: Record<string, unknown>, where: string, opts: RunOpts, cmd: Command): Promise<void> {
  const { setUpExperiment } = await import('../../jobs/experiment-setup.ts');
  const { namesPatternSource, withPatternResolved } = await import('../../queries/pattern-source.ts');
  // A guided spec may name the experiment its widths come from (method.params.pattern): read from the database, which must exist.
  const spec = namesPatternSource(raw)
    ? await withDatabaseAsync(cmd, async (db) => withPatternResolved(db, raw, where), {
      ifMissing: (path) => new ValidationError(`${where}: field 'method.params.pattern' names an experiment to read the widths from, and there is no database at ${path}; run that experiment first (or pass --db)`),
    })
    : raw;
  const { prepared, exec } = await setUpExperiment(spec, where, { backend: opts.backend, threads: opts.threads, parallelRuns: opts.parallelRuns });
  await withDatabaseAsync(cmd, async (db, dbPath) => {
    const { createExperimentRecord } = await import('../../jobs/experiment-runner.ts');
    const { runExperimentWithProgress } = await import('../run-experiment.ts');
    const { printResults } = await import('../experiment-report.ts');
    const experiment = createExperimentRecord(db, dbPath, prepared);
    const { withRunQueue } = await import('../run-queue.ts');
    const results = await withRunQueue(db, dbPath, exec, opts, (queued) => runExperimentWithProgress(db, dbPath, experiment.id, prepared, queued, { progress: opts.progress }));
    if (opts.json) printJson({ experiment: results.experiment, summary: results.summary, runs: results.runs });
    else printResults(results);
  });
}
