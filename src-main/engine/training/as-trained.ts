// A run of no epochs: its starting weights — an imported, already trained model — evaluated on the test
// split (and on the held-out part of the training split where the config sets one aside) and kept as
// the run's last and best checkpoint, so what follows it (pruning, fine-tuning) reads them as it reads a
// trained run's. Nothing is trained: BN statistics stay the imported ones.
import { join } from 'node:path';
import type { TrainConfig } from '../../../src-shared/train-config.ts';
import type { Dataset } from '../datasets/dataset.ts';
import { heldOutSplit } from '../datasets/held-out.ts';
import type { Model } from '../models/model.ts';
import { writeCheckpoint, type Checkpoint, type CheckpointOwner } from './checkpoint.ts';
import { BEST_CHECKPOINT, LAST_CHECKPOINT, evaluate } from './train.ts';

export interface AsTrainedResult {
  testLoss: number;
  testAcc: number;
  testTop5?: number;
  valAcc?: number;
}

export async function evaluateAsTrained(opts: {
  model: Model;
  dataset: Dataset;
  config: TrainConfig;
  checkpointDir: string | null;
  owner?: CheckpointOwner;
}): Promise<AsTrainedResult> {
  const { model, dataset, config } = opts;
  const test = await evaluate(model, dataset, config);
  const heldOut = config.valSplit ? heldOutSplit(dataset.train.labels, config.valSplit) : null;
  const val = heldOut ? await evaluate(model, dataset, config, undefined, heldOut.val) : null;
  if (opts.checkpointDir) {
    const ckpt: Checkpoint = {
      spec: model.spec, config, owner: opts.owner ?? null, epochsDone: 0, rng: { seed: config.seed, nextEpoch: 0 },
      best: { testAcc: test.accuracy, epoch: 0, ...(val ? { valAcc: val.accuracy } : {}) },
      history: [], weights: await model.exportWeights(), momentum: new Map(),
    };
    writeCheckpoint(join(opts.checkpointDir, LAST_CHECKPOINT), ckpt);
    writeCheckpoint(join(opts.checkpointDir, BEST_CHECKPOINT), ckpt);
  }
  return { testLoss: test.loss, testAcc: test.accuracy, ...(test.top5 !== undefined ? { testTop5: test.top5 } : {}), ...(val ? { valAcc: val.accuracy } : {}) };
}
