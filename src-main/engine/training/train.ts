// The training loop of one run. Per epoch: SGD over the (optionally augmented, shuffled) training
// split, then evaluation on the test split (and on the held-out part of the training split where
// config.valSplit sets one aside); metrics reported, then the "last" checkpoint — and the "best" one
// when the accuracy that chooses it (held-out, else test) improves — written atomically. A run resumed from its last checkpoint
// continues exactly where it stopped: data order and augmentation are functions of (seed, epoch).
import * as tf from '../tf.ts';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CancelledError } from '../../../src-shared/errors.ts';
import type { TrainConfig } from '../../../src-shared/train-config.ts';
import { batches } from '../datasets/batches.ts';
import type { Dataset } from '../datasets/dataset.ts';
import { heldOutSplit } from '../datasets/held-out.ts';
import type { Model } from '../models/model.ts';
import type { Checkpoint, CheckpointOwner, EpochResult } from './checkpoint.ts';
import { writeCheckpoint } from './checkpoint.ts';
import { learningRate } from './schedule.ts';
import { Sgd, type SgdOptions } from './sgd.ts';
import { evalBatch } from './step.ts';
import { createStepRunner, type StepRunner } from './step-runner.ts';
import type { EnginePort } from '../remote/engine-protocol.ts';
import { connectRemoteRunner } from '../remote/remote-step-runner.ts';

export interface BatchProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  imagesPerSec: number;
}

export interface TrainOptions {
  model: Model;
  dataset: Dataset;
  config: TrainConfig;
  /** Where last.ckpt / best.ckpt go; null keeps nothing on disk. */
  checkpointDir: string | null;
  /** Continue from this checkpoint (its weights must already be in `model`). */
  resumeFrom?: Checkpoint;
  /** The run the checkpoints belong to (stored in them; resume refuses another run's). */
  owner?: CheckpointOwner;
  onEpoch?: (metrics: EpochResult, info: { numTensors: number; checkpoint: string | null }) => void | Promise<void>;
  onBatch?: (progress: BatchProgress) => void;
  signal?: AbortSignal;
  /** Threads for data-parallel steps (default 1). The result depends on it: BN sees per-shard statistics. */
  threads?: number;
  /**
   * Train on the network's copy at the other end of this port (the desktop app's GPU Worker,
   * engine-host.ts) instead of this process's backend; data, checkpoints and hooks stay here.
   */
  remote?: EnginePort;
  /** A sparsity regulariser's extra gradient (network slimming), see Sgd. */
  regularizer?: SgdOptions['regularizer'];
  /** Unstructured pruning masks kept through training, see Sgd. */
  masks?: SgdOptions['masks'];
  /** A method's own update for some parameters (SSS's block scales), see Sgd. */
  proximal?: SgdOptions['proximal'];
  /**
   * A pruning method's step at the end of every epoch, before evaluation and the checkpoint — and once
   * before the first epoch of a fresh run (Soft Filter Pruning zeroes filters there). Changes the model's
   * weights in place.
   */
  afterEpoch?: (model: Model) => void | Promise<void>;
}

export interface TrainResult {
  history: EpochResult[];
  best: { testAcc: number; epoch: number; valAcc?: number } | null;
}

export const LAST_CHECKPOINT = 'last.ckpt';
export const BEST_CHECKPOINT = 'best.ckpt';

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { model, dataset, config, signal } = opts;
  const params = model.trainable();
  const sgdOptions: SgdOptions = {
    momentum: config.momentum, nesterov: config.nesterov, weightDecay: config.weightDecay, regularizer: opts.regularizer, masks: opts.masks, proximal: opts.proximal,
  };
  const sgd = new Sgd(sgdOptions);
  const history: EpochResult[] = [...(opts.resumeFrom?.history ?? [])];
  let best = opts.resumeFrom?.best ?? null;
  if (opts.resumeFrom) sgd.importState(params, opts.resumeFrom.momentum);
  const augment = config.augment ?? dataset.augmentByDefault;
  const runner = opts.remote
    ? await connectRemoteRunner(opts.remote, model, sgd, sgdOptions)
    : await createStepRunner(model, sgd, { threads: opts.threads ?? 1 });
  const heldOut = config.valSplit ? heldOutSplit(dataset.train.labels, config.valSplit) : null;
  const trainSize = Math.min(heldOut?.train.length ?? dataset.train.size, config.trainLimit ?? Infinity);
  const batchesPerEpoch = Math.ceil(trainSize / config.batchSize);
  const epochHook = async (): Promise<void> => {
    if (!opts.afterEpoch) return;
    await opts.afterEpoch(model);
    await runner.syncWeights();
  };

  try {
    if (!opts.resumeFrom) await epochHook();
    for (let epoch = opts.resumeFrom?.epochsDone ?? 0; epoch < config.epochs; epoch++) {
      const lr = learningRate(config, epoch);
      const started = performance.now();
      let seen = 0;
      let lossSum = 0;
      let correct = 0;
      let batchIndex = 0;
      const trainStream = batches(dataset, 'train', {
        batchSize: config.batchSize, seed: config.seed, epoch, shuffle: true, augment, limit: config.trainLimit ?? undefined,
        indices: heldOut?.train,
      });
      for await (const batch of trainStream) {
        // A turn of the event loop per batch: a single-threaded backend (native TensorFlow, one wasm
        // thread) never awaits anything but microtasks, so a cancel message would wait for the run's end.
        await nextTurn();
        if (signal?.aborted) throw new CancelledError(`cancelled during epoch ${epoch + 1}`);
        // Random draws (dropout) keyed by seed, epoch and batch, like the data order: a resumed run repeats them.
        const { loss, hits } = await runner.step(batch.x, batch.y, batch.n, lr, `${config.seed}/${epoch}/${batchIndex}`);
        lossSum += loss * batch.n;
        correct += hits;
        seen += batch.n;
        batchIndex++;
        opts.onBatch?.({
          epoch: epoch + 1, epochs: config.epochs, batch: batchIndex, batches: batchesPerEpoch,
          loss: lossSum / seen, imagesPerSec: seen / ((performance.now() - started) / 1000),
        });
      }
      const trainSeconds = (performance.now() - started) / 1000;
      await runner.pull?.();
      await epochHook();
      const test = await evaluate(model, dataset, config, runner);
      const val = heldOut ? await evaluate(model, dataset, config, runner, heldOut.val) : null;
      const metrics: EpochResult = {
        epoch: epoch + 1,
        trainLoss: lossSum / seen,
        trainAcc: correct / seen,
        testLoss: test.loss,
        testAcc: test.accuracy,
        ...(test.top5 !== undefined ? { testTop5: test.top5 } : {}),
        lr,
        imagesPerSec: seen / trainSeconds,
        wallS: (performance.now() - started) / 1000,
        ...(val ? { valLoss: val.loss, valAcc: val.accuracy } : {}),
      };
      history.push(metrics);
      const improved = val
        ? best === null || best.valAcc === undefined || val.accuracy > best.valAcc
        : best === null || metrics.testAcc > best.testAcc;
      if (improved) best = { testAcc: metrics.testAcc, epoch: metrics.epoch, ...(val ? { valAcc: val.accuracy } : {}) };
      let checkpoint: string | null = null;
      if (opts.checkpointDir) {
        const ckpt: Checkpoint = {
          spec: model.spec, config, owner: opts.owner ?? null, epochsDone: epoch + 1, rng: { seed: config.seed, nextEpoch: epoch + 1 },
          best, history, weights: await model.exportWeights(), momentum: await sgd.exportState(),
        };
        checkpoint = join(opts.checkpointDir, LAST_CHECKPOINT);
        writeCheckpoint(checkpoint, ckpt);
        if (improved) writeCheckpoint(join(opts.checkpointDir, BEST_CHECKPOINT), ckpt);
      }
      await opts.onEpoch?.(metrics, { numTensors: tf.memory().numTensors, checkpoint });
    }
  } finally {
    await runner.dispose();
    sgd.dispose();
  }
  return { history, best };
}

/**
 * Test loss and accuracy with the current weights — or, given `heldOut` (indices into the training
 * split), the held-out images' (un-augmented, no test limit). Through `runner` the batches are sharded
 * across its threads.
 */
export async function evaluate(
  model: Model, dataset: Dataset, config: Pick<TrainConfig, 'testBatchSize' | 'testLimit' | 'seed'>, runner?: StepRunner,
  heldOut?: Int32Array,
): Promise<{ loss: number; accuracy: number; top5?: number }> {
  let lossSum = 0;
  let correct = 0;
  let correct5 = 0;
  let seen = 0;
  const top5 = dataset.reportsTop5 === true;
  const stream = heldOut
    ? batches(dataset, 'train', { batchSize: config.testBatchSize, seed: config.seed, epoch: 0, shuffle: false, augment: false, indices: heldOut })
    : batches(dataset, 'test', {
      batchSize: config.testBatchSize, seed: config.seed, epoch: 0, shuffle: false, augment: false, limit: config.testLimit ?? undefined,
    });
  for await (const batch of stream) {
    await nextTurn(); // let messages (cancel, progress requests) in between batches, as in training
    const r = runner ? await runner.evaluate(batch.x, batch.y, batch.n, top5) : await evalBatch(model, batch.x, batch.y, batch.n, top5);
    lossSum += r.lossSum;
    correct += r.hits;
    correct5 += r.hits5 ?? 0;
    seen += batch.n;
  }
  return { loss: lossSum / seen, accuracy: correct / seen, ...(top5 ? { top5: correct5 / seen } : {}) };
}
