// One SGD training step and the loss/accuracy ops shared by training, evaluation, the data-parallel
// runner and the benchmark.
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
export function computeGradients(
  model: Model, params: Array<[string, tf.Variable]>, xData: Float32Array, yData: Int32Array, n: number,
): ShardGradients {
  const x = tf.tensor4d(xData, [n, ...model.spec.input]);
  const y = tf.tensor1d(yData, 'int32');
  let hitsTensor: tf.Tensor | null = null;
  let batchStats: BatchStats[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const out = model.forward(x, true);
    batchStats = out.ops.batchStats;
    hitsTensor = tf.keep(countHits(out.logits, y));
    return crossEntropy(out.logits, y, model.spec.classes);
  }, params.map(([, v]) => v));
  const loss = value.dataSync()[0]!;
  const hits = hitsTensor!.dataSync()[0]!;
  tf.dispose([x, y, value, hitsTensor!]);
  return { grads, batchStats, loss, hits };
}

/** One SGD step on a batch; returns the mean loss and the number of correct predictions. */
export function trainStep(
  model: Model, sgd: Sgd, params: Array<[string, tf.Variable]>, xData: Float32Array, yData: Int32Array, n: number, lr: number,
): { loss: number; hits: number } {
  const { grads, batchStats, loss, hits } = computeGradients(model, params, xData, yData, n);
  model.applyBatchStats(batchStats);
  sgd.step(params, grads, lr);
  tf.dispose(Object.values(grads));
  return { loss, hits };
}

/** Eval-mode forward of one (shard of a) test batch: summed loss and correct predictions. */
export function evalBatch(model: Model, xData: Float32Array, yData: Int32Array, n: number): { lossSum: number; hits: number } {
  const [loss, hits] = tf.tidy(() => {
    const x = tf.tensor4d(xData, [n, ...model.spec.input]);
    const y = tf.tensor1d(yData, 'int32');
    const { logits } = model.forward(x, false);
    return [crossEntropy(logits, y, model.spec.classes), countHits(logits, y)];
  });
  const result = { lossSum: loss.dataSync()[0]! * n, hits: hits.dataSync()[0]! };
  tf.dispose([loss, hits]);
  return result;
}

/** Mean softmax cross-entropy of logits [n, classes] against integer labels [n]. */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, classes: number): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels as tf.Tensor1D, classes), tf.logSoftmax(logits)), -1))) as tf.Scalar);
}

export function countHits(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'int32')));
}
