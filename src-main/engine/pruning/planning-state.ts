// A long planning's state file (Fisher's loop, ThiNet fine-tuned between layers): the checkpoint format, its
// `planning` header the method's own; the run fields say only what the planning trains with (the data's seed
// is the planning data's own).
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { DataError } from '../../../src-shared/errors.ts';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from '../training/checkpoint.ts';

export interface PlanningSgd {
  lr: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
}

export function writePlanningState(
  path: string, spec: ArchSpec, sgd: PlanningSgd, epoch: number, planning: Record<string, unknown>,
  weights: Map<string, Float32Array>, momentum: Map<string, Float32Array> = new Map(),
): void {
  writeCheckpoint(path, {
    spec, owner: null, epochsDone: 0, rng: { seed: 0, nextEpoch: epoch }, best: null, history: [],
    config: {
      epochs: 1, batchSize: sgd.batchSize, testBatchSize: sgd.batchSize, lr: sgd.lr, momentum: sgd.momentum, nesterov: false,
      weightDecay: sgd.weightDecay, schedule: 'constant', milestones: [], gamma: 1, seed: 0, augment: null, trainLimit: null, testLimit: null, valSplit: null,
    },
    planning, weights, momentum,
  });
}

/** The state file's checkpoint, or null where there is none yet. */
export function readPlanningState(path: string): Checkpoint | null {
  try {
    return readCheckpoint(path);
  } catch (e) {
    if (e instanceof DataError && / cannot read checkpoint \(ENOENT\)/.test(e.message)) return null;
    throw e;
  }
}
