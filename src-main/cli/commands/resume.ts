// `pwb resume <run-id>`: continues an interrupted run from its last checkpoint.
import type { Command } from 'commander';
import { NotFoundError } from '../../../src-shared/errors.ts';
import { parseBackendChoice, type BackendChoice } from '../../engine/backend/backend-choice.ts';
import { parsePositiveInt } from '../args.ts';
import { withDatabaseAsync } from '../db.ts';

export function registerResume(program: Command): void {
  program
    .command('resume')
    .description('continue an interrupted run from its last checkpoint (finished epochs are kept)')
    .argument('<run-id>', 'run id (see `pwb list`)', parsePositiveInt('<run-id>'))
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', parseBackendChoice, 'auto')
    .option('--threads <n>', 'data-parallel threads on wasm/cpu (default: every core)', parsePositiveInt('--threads'))
    .option('--json', 'print one JSON object (the stored run) on stdout')
    .option('--no-progress', 'no progress output on stderr')
    .action(async (runId: number, opts: { backend: BackendChoice; threads?: number; json?: boolean; progress: boolean }, cmd: Command) => {
      await withDatabaseAsync(cmd, async (db) => {
        const { prepareResume } = await import('../../jobs/train-run.ts');
        const { runWithProgress } = await import('../run-with-progress.ts');
        const prepared = await prepareResume(db, runId, opts.backend, opts.threads);
        await runWithProgress(db, runId, prepared, { json: opts.json ?? false, progress: opts.progress });
      }, { ifMissing: (path) => new NotFoundError(`run ${runId} not found (no database at ${path} yet)`) });
    });
}
