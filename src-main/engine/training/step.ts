// One SGD training step and the loss/accuracy ops shared by training, evaluation, the data-parallel
// runner and the benchmark. Every read is `await data()`, never a synchronous one: on the webgpu
// backend a synchronous read throws (Node) or returns zeros (Chromium).
import type { Model } from '../models/model.ts';
import type { BatchStats } from '../models/tf-ops.ts';
import * as tf from '../tf.ts';
import type { Sgd } from './sgd.ts';

export interface ShardGradients {
  /** Gradient of the shard's mean loss, by tfjs variable name. */
  grads: tf.NamedTensorMap;
  /** BN batch statistics of the shard's forward pass (kept tensors; the caller disposes them). */
  batchStats: BatchStats[];
  loss: number;
  hits: number;
}

/** Forward + backward on one (shard of a) batch, without touching the weights. */
export async function computeGradients(
  model: Model, params: Array<[string, tf.Variable]>, xData: Float32Array, yData: Int32Array, n: number, noise?: string,
): Promise<ShardGradients> {
  const pending = gradientsPending(model, params, xData, yData, n, noise);
  const [loss, hits] = await pending.read();
  return { grads: pending.grads, batchStats: pending.batchStats, loss, hits };
}

/** The step's tensors, queued; `read` waits for its loss and hits (and disposes them). */
function gradientsPending(
  model: Model, params: Array<[string, tf.Variable]>, xData: Float32Array, yData: Int32Array, n: number, noise?: string,
): { grads: tf.NamedTensorMap; batchStats: BatchStats[]; read(): Promise<[number, number]> } {
  const x = tf.tensor4d(xData, [n, ...model.spec.input]);
  const y = tf.tensor1d(yData, 'int32');
  let hitsTensor: tf.Tensor | null = null;
  let batchStats: BatchStats[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const out = model.forward(x, true, noise);
    batchStats = out.ops.batchStats;
    hitsTensor = tf.keep(countHits(out.logits, y));
    return crossEntropy(out.logits, y, model.spec.classes);
  }, params.map(([, v]) => v));
  tf.dispose([x, y]);
  const hitsValue = hitsTensor!;
  return { grads, batchStats, read: () => readScalars(value, hitsValue) };
}

/**
 * One SGD step on a batch; returns the mean loss and the number of correct predictions. The update is
 * queued before the loss is read, so a GPU runs the whole step before the one wait.
 */
export async function trainStep(
  model: Model, sgd: Sgd, params: Array<[string, tf.Variable]>, xData: Float32Array, yData: Int32Array, n: number, lr: number, noise?: string,
): Promise<{ loss: number; hits: number }> {
  const { grads, batchStats, read } = gradientsPending(model, params, xData, yData, n, noise);
  model.applyBatchStats(batchStats);
  sgd.step(params, grads, lr);
  tf.dispose(Object.values(grads));
  const [loss, hits] = await read();
  return { loss, hits };
}

/** Eval-mode forward of one (shard of a) test batch: summed loss and correct predictions (and top-5 ones, asked). */
export async function evalBatch(
  model: Model, xData: Float32Array, yData: Int32Array, n: number, top5 = false,
): Promise<{ lossSum: number; hits: number; hits5?: number }> {
  const [loss, hits, hits5] = tf.tidy(() => {
    const x = tf.tensor4d(xData, [n, ...model.spec.input]);
    const y = tf.tensor1d(yData, 'int32');
    const { logits } = model.forward(x, false);
    return [crossEntropy(logits, y, model.spec.classes), countHits(logits, y), ...(top5 ? [countTopK(logits, y, 5)] : [])];
  });
  const [lossMean, hitCount] = await readScalars(loss, hits);
  if (!hits5) return { lossSum: lossMean * n, hits: hitCount };
  try {
    return { lossSum: lossMean * n, hits: hitCount, hits5: (await hits5.data())[0]! };
  } finally {
    hits5.dispose();
  }
}

/** Two scalars' values, read together; disposes both. */
async function readScalars(a: tf.Tensor, b: tf.Tensor): Promise<[number, number]> {
  try {
    const [va, vb] = await Promise.all([a.data(), b.data()]);
    return [va[0]!, vb[0]!];
  } finally {
    tf.dispose([a, b]);
  }
}

/** Mean softmax cross-entropy of logits [n, classes] against integer labels [n]. */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, classes: number): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels as tf.Tensor1D, classes), tf.logSoftmax(logits)), -1))) as tf.Scalar);
}

/** Examples whose label is among the k largest logits (all of them where there are no more than k classes). */
export function countTopK(logits: tf.Tensor, labels: tf.Tensor, k: number): tf.Scalar {
  return tf.tidy(() => {
    const { indices } = tf.topk(logits, Math.min(k, logits.shape[logits.rank - 1]!));
    return tf.sum(tf.cast(tf.any(tf.equal(indices, tf.expandDims(labels, -1)), -1), 'int32')) as tf.Scalar;
  });
}

export function countHits(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'int32')));
}
