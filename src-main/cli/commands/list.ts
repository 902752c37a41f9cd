// `pwb list`: the stored runs, newest first.
import type { Command } from 'commander';
import { RunStatusSchema, type RunStatus } from '../../../src-shared/store-schemas.ts';
import { parseOrThrow } from '../../../src-shared/validate.ts';
import { listRuns } from '../../store/runs.ts';
import { parsePositiveInt } from '../args.ts';
import { databaseExists, withDatabase } from '../db.ts';
import { percent, printJson, table } from '../format.ts';

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list stored runs, newest first')
    .option('--status <status>', 'queued | running | completed | failed | cancelled')
    .option('--limit <n>', 'at most n runs', parsePositiveInt('--limit'), 50)
    .option('--json', 'print a JSON array of runs')
    .action((opts: { status?: string; limit: number; json?: boolean }, cmd: Command) => {
      const status: RunStatus | undefined = opts.status === undefined ? undefined : parseOrThrow(RunStatusSchema, opts.status, '--status');
      // A listing never creates the database: with none there yet, there is nothing to list.
      const runs = databaseExists(cmd) ? withDatabase(cmd, (db) => listRuns(db, { status, limit: opts.limit })) : [];
      if (opts.json) return printJson(runs);
      if (runs.length === 0) return console.log('no runs yet: try `pwb train --arch vgg_mini --dataset fashion-mnist-mini`');
      console.log(
        table(
          ['id', 'status', 'regime', 'arch', 'dataset', 'epochs', 'test acc', 'best acc', 'backend', 'created'],
          runs.map((r) => [r.id, r.status, r.regime, r.archId ?? '-', r.datasetId, `${r.epochsDone}/${r.epochsPlanned}`, percent(r.testAcc), percent(r.bestTestAcc), r.backend ?? '-', r.createdAt]),
          ['r', 'l', 'l', 'l', 'l', 'r', 'r', 'r', 'l', 'l'],
        ),
      );
    });
}
