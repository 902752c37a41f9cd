// Per-epoch metrics. Epochs are 1-based; (run, epoch) is unique, so a resumed run that repeats an
// epoch replaces its row instead of adding a second one.
import {
  type EpochMetric,
  EpochMetricSchema,
  type NewEpochMetric,
  NewEpochMetricSchema,
} from '../../src-shared/store-schemas.ts';
import { parseOrThrow } from '../../src-shared/validate.ts';
import type { Db } from './db.ts';
import { finiteOrNull, parseRow, type SqlRow } from './row.ts';
import { getRun, refreshRunSummary } from './runs.ts';
import { writeTransaction } from './tx.ts';

/**
 * Stores epoch `metric.epoch` of run `runId` and updates the run's summary (epochs_done, last and
 * best metrics), in one transaction. Rows after this epoch are deleted: they belong to the attempt
 * that a resume from an earlier checkpoint abandoned, and a run's history is one trajectory.
 * A diverged (non-finite) loss is stored as null.
 */
export function recordEpoch(db: Db, runId: number, metric: NewEpochMetric): EpochMetric {
  const m = parseOrThrow(
    NewEpochMetricSchema,
    { ...metric, trainLoss: finiteOrNull(metric.trainLoss), testLoss: finiteOrNull(metric.testLoss), valLoss: finiteOrNull(metric.valLoss ?? null) },
    `run ${runId} epoch ${metric.epoch}`,
  );
  return writeTransaction(db, () => {
    getRun(db, runId); // a NotFoundError naming the run, rather than a foreign-key failure
    db.prepare('DELETE FROM epoch_metrics WHERE run_id = ? AND epoch > ?').run(runId, m.epoch);
    db.prepare(
      `INSERT OR REPLACE INTO epoch_metrics
         (run_id, epoch, train_loss, train_acc, test_loss, test_acc, test_top5, lr, images_per_sec, wall_s, val_loss, val_acc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(runId, m.epoch, m.trainLoss, m.trainAcc, m.testLoss, m.testAcc, m.testTop5, m.lr, m.imagesPerSec, m.wallS, m.valLoss, m.valAcc);
    refreshRunSummary(db, runId);
    return { runId, ...m };
  });
}

/** A run's epochs in order. */
export function listEpochMetrics(db: Db, runId: number): EpochMetric[] {
  const rows = db.prepare('SELECT * FROM epoch_metrics WHERE run_id = ? ORDER BY epoch').all(runId) as SqlRow[];
  return rows.map((row) => parseRow(EpochMetricSchema, row, `epoch_metrics run ${runId} epoch ${row.epoch}`));
}
