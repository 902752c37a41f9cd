// Runs: one training job each. Created 'queued'; a worker marks it started, records epochs, beats
// a heartbeat, and marks it finished. The summary columns (epochs_done, last and best metrics,
// mean throughput) are always derived from the run's epoch_metrics rows, in the same transaction.
import { NotFoundError, ValidationError } from '../../src-shared/errors.ts';
import {
  type FinalRunStatus,
  FinalRunStatusSchema,
  type NewRun,
  NewRunSchema,
  type Run,
  RunSchema,
  type RunStatus,
} from '../../src-shared/store-schemas.ts';
import { parseOrThrow } from '../../src-shared/validate.ts';
import type { Db } from './db.ts';
import { finiteOrNull, parseRow, type SqlRow } from './row.ts';
import { nowIso, writeTransaction } from './tx.ts';

/** A queued run; params and FLOPs are copied from its arch spec unless the caller gives effective ones. */
export function createRun(db: Db, fields: NewRun): Run {
  const r = parseOrThrow(NewRunSchema, fields, 'new run');
  return writeTransaction(db, () => {
    // Checked here so the error names what is missing (a foreign-key failure would not).
    const arch = db.prepare('SELECT params, flops FROM arch_specs WHERE id = ?').get(r.archSpecId) as
      | { params: number; flops: number }
      | undefined;
    if (arch === undefined) throw new NotFoundError(`arch spec ${r.archSpecId} not found`);
    if (r.experimentId !== null && !exists(db, 'experiments', r.experimentId)) {
      throw new NotFoundError(`experiment ${r.experimentId} not found`);
    }
    if (r.parentRunId !== null && !exists(db, 'runs', r.parentRunId)) {
      throw new NotFoundError(`parent run ${r.parentRunId} not found`);
    }
    const { lastInsertRowid } = db
      .prepare(
        `INSERT INTO runs (experiment_id, parent_run_id, regime, seed, chain_lr, arch_spec_id, arch_id, dataset_id,
           dataset_source, config_json, status, epochs_planned, params, flops, checkpoint_dir, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
      )
      .run(
        r.experimentId,
        r.parentRunId,
        r.regime,
        r.seed,
        r.chainLr,
        r.archSpecId,
        r.archId,
        r.datasetId,
        r.datasetSource,
        JSON.stringify(r.config),
        r.epochsPlanned,
        r.params ?? arch.params,
        r.flops ?? arch.flops,
        r.checkpointDir,
        nowIso(),
      );
    return getRun(db, Number(lastInsertRowid));
  });
}

export function getRun(db: Db, id: number): Run {
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as SqlRow | undefined;
  if (row === undefined) throw new NotFoundError(`run ${id} not found`);
  return parseRow(RunSchema, row, `runs ${id}`);
}

export interface RunQuery {
  experimentId?: number;
  parentRunId?: number;
  status?: RunStatus;
  limit?: number;
}

/** Newest first. */
export function listRuns(db: Db, query: RunQuery = {}): Run[] {
  const where: string[] = [];
  const args: unknown[] = [];
  for (const [column, value] of [
    ['experiment_id', query.experimentId],
    ['parent_run_id', query.parentRunId],
    ['status', query.status],
  ] as const) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    args.push(value);
  }
  const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...args, query.limit ?? -1) as SqlRow[];
  return rows.map((row) => parseRow(RunSchema, row, `runs ${row.id}`));
}

/** The completed runs of these experiments whose final test accuracy is known, experiment by experiment, oldest first. */
export function completedRuns(db: Db, experimentIds: readonly number[]): Run[] {
  return experimentIds.flatMap((id) => listRuns(db, { experimentId: id, status: 'completed' }).reverse().filter((r) => r.testAcc !== null));
}

export interface RunStart {
  backend: string;
  /** Why this backend was chosen (shown with the run). */
  backendReason: string;
}

/**
 * Marks a run 'running' on `backend`. Also used to resume a failed, cancelled or interrupted run:
 * started_at keeps the first start; finished_at and error are cleared. A completed run is refused.
 */
export function markRunStarted(db: Db, id: number, start: RunStart): Run {
  return writeTransaction(db, () => {
    const run = getRun(db, id);
    if (run.status === 'completed') throw new ValidationError(`run ${id} is completed and cannot be started again`);
    const now = nowIso();
    db.prepare(
      `UPDATE runs SET status = 'running', backend = ?, backend_reason = ?, started_at = coalesce(started_at, ?),
         heartbeat_at = ?, finished_at = NULL, error = NULL WHERE id = ?`,
    ).run(start.backend, start.backendReason, now, now, id);
    return getRun(db, id);
  });
}

/** Ends a run as completed, failed or cancelled, with an optional error message. */
export function markRunFinished(db: Db, id: number, status: FinalRunStatus, opts: { error?: string } = {}): Run {
  const final = parseOrThrow(FinalRunStatusSchema, status, `run ${id} final status`);
  return writeTransaction(db, () => {
    const { changes } = db
      .prepare('UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE id = ?')
      .run(final, opts.error ?? null, nowIso(), id);
    if (changes === 0) throw new NotFoundError(`run ${id} not found`);
    return getRun(db, id);
  });
}

/**
 * A run that trains no epoch (an imported model used as trained): its evaluation as the run's test and
 * best metrics. It has no epoch rows, so epochs_done stays 0 and the best epoch null.
 */
export function recordEvaluation(db: Db, id: number, result: { testLoss: number; testAcc: number; testTop5?: number; valAcc?: number }): Run {
  return writeTransaction(db, () => {
    const top5 = result.testTop5 ?? null;
    const { changes } = db
      .prepare('UPDATE runs SET test_loss = ?, test_acc = ?, best_test_acc = ?, test_top5 = ?, best_test_top5 = ?, best_val_acc = ?, best_epoch = NULL WHERE id = ?')
      .run(finiteOrNull(result.testLoss), result.testAcc, result.testAcc, top5, top5, result.valAcc ?? null, id);
    if (changes === 0) throw new NotFoundError(`run ${id} not found`);
    return getRun(db, id);
  });
}

/** Records that the worker training run `id` is alive; a stale heartbeat on a 'running' run means it died. */
export function heartbeat(db: Db, id: number): void {
  const { changes } = db.prepare('UPDATE runs SET heartbeat_at = ? WHERE id = ?').run(nowIso(), id);
  if (changes === 0) throw new NotFoundError(`run ${id} not found`);
}

/** Where the run keeps its checkpoints; often known only once the run has an id. */
export function setRunCheckpointDir(db: Db, id: number, dir: string): Run {
  return writeTransaction(db, () => {
    const { changes } = db.prepare('UPDATE runs SET checkpoint_dir = ? WHERE id = ?').run(dir, id);
    if (changes === 0) throw new NotFoundError(`run ${id} not found`);
    return getRun(db, id);
  });
}

/**
 * Recomputes a run's summary from its epoch_metrics rows: epochs_done and train metrics from the
 * last epoch, test metrics from the last evaluated epoch, the best epoch (highest held-out accuracy
 * where the run held images out, else highest test accuracy; earliest on a tie) with its test and
 * held-out accuracy, and mean throughput. Called by metrics.recordEpoch inside its transaction.
 */
export function refreshRunSummary(db: Db, runId: number): void {
  db.prepare(
    `WITH best AS (
       SELECT epoch, test_acc, test_top5, val_acc FROM epoch_metrics WHERE run_id = :id AND coalesce(val_acc, test_acc) IS NOT NULL
       ORDER BY (val_acc IS NULL), coalesce(val_acc, test_acc) DESC, epoch ASC LIMIT 1
     )
     UPDATE runs SET
       epochs_done = coalesce((SELECT max(epoch) FROM epoch_metrics WHERE run_id = :id), 0),
       train_loss = (SELECT train_loss FROM epoch_metrics WHERE run_id = :id ORDER BY epoch DESC LIMIT 1),
       train_acc = (SELECT train_acc FROM epoch_metrics WHERE run_id = :id ORDER BY epoch DESC LIMIT 1),
       test_loss = (SELECT test_loss FROM epoch_metrics WHERE run_id = :id AND test_acc IS NOT NULL ORDER BY epoch DESC LIMIT 1),
       test_acc = (SELECT test_acc FROM epoch_metrics WHERE run_id = :id AND test_acc IS NOT NULL ORDER BY epoch DESC LIMIT 1),
       test_top5 = (SELECT test_top5 FROM epoch_metrics WHERE run_id = :id AND test_acc IS NOT NULL ORDER BY epoch DESC LIMIT 1),
       best_test_acc = (SELECT test_acc FROM best),
       best_test_top5 = (SELECT test_top5 FROM best),
       best_epoch = (SELECT epoch FROM best),
       best_val_acc = (SELECT val_acc FROM best),
       images_per_sec = (SELECT avg(images_per_sec) FROM epoch_metrics WHERE run_id = :id)
     WHERE id = :id`,
  ).run({ id: runId });
}

function exists(db: Db, table: 'experiments' | 'runs', id: number): boolean {
  return db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(id) !== undefined;
}

/** Per experiment: its runs, how many completed, and the best completed test accuracy. `ids` null: every experiment. */
export function runCountsByExperiment(db: Db, ids: number[] | null): Map<number, { runs: number; completed: number; bestAcc: number | null }> {
  const sql = `SELECT experiment_id AS id, count(*) AS runs, sum(status = 'completed') AS completed,
                 max(CASE WHEN status = 'completed' THEN test_acc END) AS bestAcc
               FROM runs WHERE experiment_id IS NOT NULL ${ids ? `AND experiment_id IN (${ids.map(() => '?').join(', ')})` : ''}
               GROUP BY experiment_id`;
  const rows = db.prepare(sql).all(...(ids ?? [])) as Array<{ id: number; runs: number; completed: number; bestAcc: number | null }>;
  return new Map(rows.map((r) => [r.id, { runs: r.runs, completed: r.completed, bestAcc: r.bestAcc }]));
}
