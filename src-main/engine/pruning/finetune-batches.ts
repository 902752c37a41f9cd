// A short fine-tuning inside a planning (ThiNet's fine-tuning after each pruned layer, Luo et al. §3.3):
// `batches` SGD steps on the planning data's training batches, continuing their stream where the last call
// stopped (epoch, batch), fresh momentum each call. Stops within a step when the data's signal aborts.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { CancelledError, ValidationError } from '../../../src-shared/errors.ts';
import { Model } from '../models/model.ts';
import { Sgd } from '../training/sgd.ts';
import { trainStep } from '../training/step.ts';
import type { PlanningData } from './method.ts';

export interface BatchFinetune {
  batches: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
}

/** Where in the planning data's batch stream the next step reads. */
export interface StreamPosition {
  epoch: number;
  batch: number;
}

/** `spec` with `weights` after `schedule.batches` steps; `at` moves on past the batches used. */
export async function finetuneBatches(
  spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>, schedule: BatchFinetune, data: PlanningData, at: StreamPosition, what: string,
): Promise<{ weights: Map<string, Float32Array>; loss: number }> {
  if (!data.trainBatches) throw new ValidationError(`${what} fine-tunes between layers: it needs labelled training batches (run it in an experiment, or give 'pwb prune' --dataset <id>)`);
  const model = Model.fromWeights(spec, weights);
  const params = model.trainable();
  const sgd = new Sgd({ momentum: schedule.momentum, nesterov: false, weightDecay: schedule.weightDecay });
  let done = 0;
  let loss = NaN;
  try {
    while (done < schedule.batches) {
      let b = 0;
      for await (const batch of data.trainBatches(at.epoch, schedule.batchSize)) {
        if (b++ < at.batch) continue;
        await nextTurn();
        if (data.signal?.aborted) throw new CancelledError(`cancelled while ${what} fine-tuned between layers`);
        ({ loss } = await trainStep(model, sgd, params, batch.x, batch.y, batch.n, schedule.lr));
        at.batch = b;
        if (++done >= schedule.batches) break;
      }
      if (b === 0) throw new ValidationError(`${what} fine-tunes between layers, and the training data gave no batch of ${schedule.batchSize}`);
      if (done < schedule.batches) {
        at.epoch++;
        at.batch = 0;
      }
    }
    return { weights: await model.exportWeights(), loss };
  } finally {
    sgd.dispose();
    model.dispose();
  }
}
