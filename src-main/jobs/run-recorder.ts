// Where a run's progress goes as it trains: the run's start (backend), each finished epoch, an
// evaluation (a model used as trained), heartbeats and the end. Locally that is the store; on a queue
// worker it is the coordinator holding the store (src-main/queue/coordinator-client.ts).
import type { FinalRunStatus } from '../../src-shared/store-schemas.ts';
import type { EpochResult } from '../engine/training/checkpoint.ts';
import type { Db } from '../store/db.ts';
import { listEpochMetrics, recordEpoch } from '../store/metrics.ts';
import { heartbeat, markRunFinished, markRunStarted, recordEvaluation, type RunStart } from '../store/runs.ts';

export interface Evaluation {
  testLoss: number;
  testAcc: number;
  testTop5?: number;
  valAcc?: number;
}

export interface RunRecorder {
  /** Epochs the store already holds (a checkpoint older than that is refused). */
  recordedEpochs(): number;
  started(start: RunStart): Promise<void>;
  epoch(m: EpochResult): Promise<void>;
  evaluation(e: Evaluation): Promise<void>;
  /** Best effort, never awaited: the run is alive. */
  heartbeat(): void;
  finished(status: FinalRunStatus, error?: string): Promise<void>;
}

/** The store's recorder for run `runId`. */
export function storeRecorder(db: Db, runId: number): RunRecorder {
  return {
    recordedEpochs: () => listEpochMetrics(db, runId).length,
    started: async (start) => void markRunStarted(db, runId, start),
    epoch: async (m) => void recordEpoch(db, runId, m),
    evaluation: async (e) => void recordEvaluation(db, runId, e),
    heartbeat: () => heartbeat(db, runId),
    finished: async (status, error) => void markRunFinished(db, runId, status, error === undefined ? {} : { error }),
  };
}
