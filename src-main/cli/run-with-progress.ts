// Executes a prepared run in the foreground: progress on stderr, Ctrl-C cancels after the current
// batch (the last checkpoint stays, so `pwb resume <id>` continues), final metrics on stdout.
import type { Run } from '../../src-shared/store-schemas.ts';
import type { Db } from '../store/db.ts';
import { executeRun, type PreparedRun } from '../jobs/train-run.ts';
import { cancelOnSigint } from './cancel-on-sigint.ts';
import { fixed, percent, printJson } from './format.ts';
import { createProgress } from './progress.ts';

export async function runWithProgress(db: Db, runId: number, prepared: PreparedRun, opts: { json: boolean; progress: boolean }): Promise<Run> {
  const progress = createProgress(opts.progress);
  const cancel = cancelOnSigint();
  const { backend, spec, dataset, config } = prepared;
  if (opts.progress) {
    process.stderr.write(
      `run ${runId}: ${spec.id ?? spec.family} on ${dataset.name} (${sizeNote(config.trainLimit, dataset.train.size)} train / ` +
        `${sizeNote(config.testLimit, dataset.test.size)} test), ` +
        `${config.epochs} epochs, batch ${config.batchSize}, seed ${config.seed}\n` +
        `backend: ${backend.name} via ${backend.provider} — ${backend.reason}\n`,
    );
  }
  try {
    const run = await executeRun(db, runId, prepared, {
      signal: cancel.signal,
      onBatch: (p) => progress.batch(p),
      onEpoch: (m) =>
        progress.epochDone(
          `epoch ${m.epoch}/${config.epochs}  lr ${m.lr.toPrecision(3)}  train loss ${fixed(m.trainLoss)} acc ${percent(m.trainAcc)}  ` +
            `test loss ${fixed(m.testLoss)} acc ${percent(m.testAcc)}${m.testTop5 !== undefined ? ` top-5 ${percent(m.testTop5)}` : ''}  ` +
            (typeof m.valAcc === 'number' ? `held-out loss ${fixed(m.valLoss ?? null)} acc ${percent(m.valAcc)}  ` : '') +
            `${m.imagesPerSec.toFixed(0)} img/s  ${m.wallS.toFixed(1)} s`,
        ),
    });
    progress.stop();
    if (opts.json) printJson(run);
    else {
      console.log(
        `run ${run.id} ${run.status}: test accuracy ${percent(run.testAcc)}${run.testTop5 !== null ? ` (top-5 ${percent(run.testTop5)})` : ''} (best ${percent(run.bestTestAcc)} at epoch ${run.bestEpoch}` +
          `${run.bestValAcc !== null ? `, chosen on held-out images: ${percent(run.bestValAcc)}` : ''}), ` +
          `test loss ${fixed(run.testLoss)}, ${run.epochsDone} epochs, ${run.imagesPerSec?.toFixed(0) ?? '-'} img/s on ${run.backend}`,
      );
    }
    return run;
  } finally {
    progress.stop();
    cancel.release();
  }
}

function sizeNote(limit: number | null, size: number): string {
  return limit !== null && limit < size ? `${limit} of ${size}` : String(size);
}
