// `pwb resume <experiment-id>`: continues an interrupted experiment (finished runs are kept, a
// half-finished run continues from its checkpoint). `pwb resume --run <run-id>`: one training run.
import type { Command } from 'commander';
import { NotFoundError, ValidationError } from '../../../src-shared/errors.ts';
import { parseBackendChoice, type BackendChoice } from '../../engine/backend/backend-choice.ts';
import { parsePositiveInt } from '../args.ts';
import { withDatabaseAsync } from '../db.ts';
import { printJson } from '../format.ts';

interface ResumeOpts {
  run?: boolean;
  backend: BackendChoice;
  threads?: number;
  parallelRuns?: number;
  json?: boolean;
  progress: boolean;
  queue?: string;
  listen?: string;
  allowRemote?: boolean;
}

export function registerResume(program: Command): void {
  program
    .command('resume')
    .description('continue an interrupted experiment (or, with --run, a single run) from its last checkpoints')
    .argument('<id>', 'experiment id (see `pwb experiments`), or run id with --run (see `pwb list`)', parsePositiveInt('<id>'))
    .option('--run', 'the id is a run id: resume that training run only')
    .option('--backend <name>', 'auto | webgpu | tensorflow | wasm | cpu', parseBackendChoice, 'auto')
    .option('--threads <n>', 'threads: TensorFlow intra-op threads, or data-parallel workers on wasm/cpu (default: every core, but no shard under 32 images)', parsePositiveInt('--threads'))
    .option('--parallel-runs <n>', 'runs training at once on webgpu (1–8; default: 1, or on a real GPU as many as the model\'s size leaves room for, up to 4)', parsePositiveInt('--parallel-runs'))
    .option('--json', 'print one JSON object on stdout (the run, or {experiment, summary, runs})')
    .option('--no-progress', 'no progress output on stderr')
    .option('--queue <url>', 'an experiment: train its remaining runs on `pwb worker`s of this Redis queue (redis://HOST:PORT, rediss:// for TLS)')
    .option('--listen <host:port>', 'with --queue: where the workers reach this process (default 127.0.0.1, any free port)')
    .option('--allow-remote', 'with --listen: accept workers on other machines (a non-loopback host)')
    .action(async (id: number, opts: ResumeOpts, cmd: Command) => {
      if (opts.run && opts.queue) throw new ValidationError('--queue: resumes an experiment on workers; a single run (--run) resumes here');
      if (opts.run && opts.parallelRuns !== undefined) throw new ValidationError('--parallel-runs: a single run (--run) trains alone; drop it');
      if (opts.queue && opts.parallelRuns !== undefined) throw new ValidationError('--parallel-runs: with --queue the workers train the runs, each its own; drop one of the two');
      await (await import('../run-queue.ts')).checkQueueOptions(opts);
      const what = opts.run ? `run ${id}` : `experiment ${id}`;
      await withDatabaseAsync(
        cmd,
        async (db, dbPath) => {
          if (opts.run) {
            const { prepareResume } = await import('../../jobs/train-run.ts');
            const { runWithProgress } = await import('../run-with-progress.ts');
            const prepared = await prepareResume(db, id, opts.backend, opts.threads);
            await runWithProgress(db, id, prepared, { json: opts.json ?? false, progress: opts.progress });
            return;
          }
          const { getExperiment } = await import('../../store/experiments.ts');
          const { setUpExperiment } = await import('../../jobs/experiment-setup.ts');
          const { runExperimentWithProgress } = await import('../run-experiment.ts');
          const { printResults } = await import('../experiment-report.ts');
          const experiment = getExperiment(db, id);
          const { prepared, exec } = await setUpExperiment(experiment.spec, `experiment ${id}`, { backend: opts.backend, threads: opts.threads, parallelRuns: opts.parallelRuns });
          const { withRunQueue } = await import('../run-queue.ts');
          const results = await withRunQueue(db, dbPath, exec, opts, (queued) => runExperimentWithProgress(db, dbPath, id, prepared, queued, { progress: opts.progress }));
          if (opts.json) printJson({ experiment: results.experiment, summary: results.summary, runs: results.runs });
          else printResults(results);
        },
        { ifMissing: (path) => new NotFoundError(`${what} not found (no database at ${path} yet)`) },
      );
    });
}
