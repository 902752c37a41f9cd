// Experiments of fake completed runs (final accuracies given, no training) for the tests of the tables
// built from stored runs.
import type { TestContext } from 'node:test';
import type { RunRegime } from '../../src-shared/store-schemas.ts';
import { putArchSpec } from '../../src-main/store/arch-specs.ts';
import type { Db } from '../../src-main/store/db.ts';
import { createExperiment } from '../../src-main/store/experiments.ts';
import { recordEpoch } from '../../src-main/store/metrics.ts';
import { createRun, markRunFinished, markRunStarted } from '../../src-main/store/runs.ts';
import { memoryDb, smallVgg } from '../store/helpers.ts';

export interface Fake {
  regime: RunRegime;
  seed: number;
  acc: number;
  params?: number;
  epochs?: number;
  reason?: string;
}

/** An experiment of completed runs with these final accuracies, in `db` (or a fresh in-memory one). */
export function experimentWith(t: TestContext, runs: Fake[], spec: Record<string, unknown> = {}, into?: Db): { db: Db; id: number } {
  const db = into ?? memoryDb(t);
  const experiment = createExperiment(db, { name: typeof spec.name === 'string' ? spec.name : 'e', spec: { scale: 1, ...spec } });
  const base = putArchSpec(db, smallVgg, { params: 1000, flops: 10_000 });
  for (const r of runs) {
    const archSpecId = r.params ? putArchSpec(db, { ...smallVgg, cfg: [r.params % 97, 'M', 16] }, { params: r.params, flops: r.params * 10 }) : base;
    const epochs = r.epochs ?? 2;
    const run = createRun(db, {
      experimentId: experiment.id, regime: r.regime, seed: r.seed, archSpecId, datasetId: 'd', config: { epochs, batchSize: 64 }, epochsPlanned: epochs,
    });
    markRunStarted(db, run.id, { backend: 'wasm', backendReason: r.reason ?? 'wasm: WebAssembly; 1 thread' });
    for (let e = 1; e <= epochs; e++) recordEpoch(db, run.id, { epoch: e, trainLoss: 1, trainAcc: 0.5, testLoss: 1, testAcc: e === epochs ? r.acc : 0.1, lr: 0.1, wallS: 1 });
    markRunFinished(db, run.id, 'completed');
  }
  return { db, id: experiment.id };
}

/** One seed's baseline → fine-tuned, Scratch-E, Scratch-B (Scratch-B trains 4 epochs, the rest 2). */
export const chain = (seed: number, ft: number, se: number, sb: number, params?: number, extra: Partial<Fake> = {}): Fake[] => [
  { regime: 'baseline', seed, acc: 0.93, ...extra },
  { regime: 'finetune', seed, acc: ft, params, ...extra },
  { regime: 'scratch-e', seed, acc: se, params, ...extra },
  { regime: 'scratch-b', seed, acc: sb, params, epochs: 4, ...extra },
];

