// One SGD training step and the loss/accuracy ops shared by training, evaluation and the benchmark.
import type { Model } from '../models/model.ts';
import * as tf from '../tf.ts';
import type { Sgd } from './sgd.ts';

/** One SGD step on a batch; returns the mean loss and the number of correct predictions. */
export function trainStep(
  model: Model, sgd: Sgd, params: Array<[string, tf.Variable]>, xData: Float32Array, yData: Int32Array, n: number,
  [h, w, c]: [number, number, number], lr: number,
): { loss: number; hits: number } {
  const x = tf.tensor4d(xData, [n, h, w, c]);
  const y = tf.tensor1d(yData, 'int32');
  let hitsTensor: tf.Tensor | null = null;
  let ops: ReturnType<Model['forward']>['ops'] | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const out = model.forward(x, true);
    ops = out.ops;
    hitsTensor = tf.keep(countHits(out.logits, y));
    return crossEntropy(out.logits, y, model.spec.classes);
  }, params.map(([, v]) => v));
  model.updateRunningStats(ops!);
  sgd.step(params, grads, lr);
  const loss = value.dataSync()[0]!;
  const hits = hitsTensor!.dataSync()[0]!;
  tf.dispose([x, y, value, hitsTensor!, ...Object.values(grads)]);
  return { loss, hits };
}

/** Mean softmax cross-entropy of logits [n, classes] against integer labels [n]. */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, classes: number): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels as tf.Tensor1D, classes), tf.logSoftmax(logits)), -1))) as tf.Scalar);
}

export function countHits(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'int32')));
}
