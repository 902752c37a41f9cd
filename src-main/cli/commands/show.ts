// `pwb show <run-id>`: one run with its configuration and per-epoch metrics.
import type { Command } from 'commander';
import { NotFoundError } from '../../../src-shared/errors.ts';
import { getArchSpec } from '../../store/arch-specs.ts';
import { listEpochMetrics } from '../../store/metrics.ts';
import { getRun } from '../../store/runs.ts';
import { parsePositiveInt } from '../args.ts';
import { withDatabase } from '../db.ts';
import { fixed, percent, printJson, si, table } from '../format.ts';

export function registerShow(program: Command): void {
  program
    .command('show')
    .description('show one run: configuration, architecture, per-epoch metrics')
    .argument('<run-id>', 'run id (see `pwb list`)', parsePositiveInt('<run-id>'))
    .option('--json', 'print one JSON object {run, spec, epochs}')
    .action((runId: number, opts: { json?: boolean }, cmd: Command) => {
      withDatabase(cmd, (db) => {
        const run = getRun(db, runId);
        const spec = getArchSpec(db, run.archSpecId).spec;
        const epochs = listEpochMetrics(db, runId);
        if (opts.json) return printJson({ run, spec, epochs });
        console.log(`run ${run.id}  ${run.status}  ${run.regime}  ${run.archId ?? spec.family} on ${run.datasetId}  seed ${run.seed}`);
        console.log(`backend: ${run.backend ?? '-'} (${run.backendReason ?? '-'})`);
        console.log(`params ${si(run.params ?? 0)}  FLOPs ${si(run.flops ?? 0)}  epochs ${run.epochsDone}/${run.epochsPlanned}  checkpoints ${run.checkpointDir ?? '-'}`);
        console.log(`config: ${JSON.stringify(run.config)}`);
        if (run.error) console.log(`error: ${run.error}`);
        console.log(
          table(
            ['epoch', 'lr', 'train loss', 'train acc', 'test loss', 'test acc', 'img/s', 'wall s'],
            epochs.map((e) => [e.epoch, e.lr.toPrecision(3), fixed(e.trainLoss), percent(e.trainAcc), fixed(e.testLoss), percent(e.testAcc), e.imagesPerSec?.toFixed(0) ?? '-', e.wallS.toFixed(1)]),
            ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
          ),
        );
      }, { ifMissing: (path) => new NotFoundError(`run ${runId} not found (no database at ${path} yet)`) });
    });
}
