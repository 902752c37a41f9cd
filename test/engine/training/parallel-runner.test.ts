// The data-parallel runner must equal, up to float rounding, one SGD step whose gradient is the
// shard-size-weighted sum of single-threaded shard gradients, with BN running statistics updated from
// the pooled batch moments.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { Model } from '../../../src-main/engine/models/model.ts';
import { resolveArch, withData } from '../../../src-main/engine/models/register-all.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { poolStats, shardSizes } from '../../../src-main/engine/training/parallel-runner.ts';
import { Sgd } from '../../../src-main/engine/training/sgd.ts';
import { computeGradients, evalBatch } from '../../../src-main/engine/training/step.ts';
import { createStepRunner } from '../../../src-main/engine/training/step-runner.ts';
import * as tf from '../../../src-main/engine/tf.ts';

before(async () => {
  await selectBackend('wasm');
});

const spec = withData(resolveArch('vgg_mini'), [12, 12, 1], 4);

function batch(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const rng = Rng.fromSeed(seed, 'data');
  return {
    x: Float32Array.from({ length: n * 144 }, () => rng.normal()),
    y: Int32Array.from({ length: n }, () => rng.int(4)),
  };
}

test('shardSizes splits a batch into near-equal shards, larger first', () => {
  assert.deepEqual(shardSizes(64, 2), [32, 32]);
  assert.deepEqual(shardSizes(7, 3), [3, 2, 2]);
  assert.deepEqual(shardSizes(1, 2), [1, 0]);
});

test('poolStats gives the moments of the whole batch', () => {
  const rng = Rng.fromSeed(3);
  const a = Float32Array.from({ length: 30 }, () => rng.normal() * 2 + 1);
  const b = Float32Array.from({ length: 10 }, () => rng.normal() - 3);
  const moments = (v: Float32Array): [number, number] => {
    const m = v.reduce((s, x) => s + x, 0) / v.length;
    return [m, v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length];
  };
  const [ma, va] = moments(a);
  const [mb, vb] = moments(b);
  const [m, v] = moments(Float32Array.from([...a, ...b]));
  const [pooled] = poolStats([
    [{ layer: 'bn', mean: Float32Array.of(ma), variance: Float32Array.of(va), count: 30 }],
    [{ layer: 'bn', mean: Float32Array.of(mb), variance: Float32Array.of(vb), count: 10 }],
  ]);
  assert.equal(pooled!.count, 40);
  assert.ok(Math.abs(pooled!.mean.dataSync()[0]! - m) < 1e-5);
  assert.ok(Math.abs(pooled!.variance.dataSync()[0]! - v) < 1e-4);
  tf.dispose([pooled!.mean, pooled!.variance]);
});

test('two threads: same update as the weighted sum of single-threaded shard gradients; no leaks', async () => {
  const n = 10;
  const { x, y } = batch(n, 5);
  const lr = 0.05;
  const opts = { momentum: 0.9, nesterov: true, weightDecay: 1e-4 };

  // Reference: shards computed one after the other on one thread.
  const ref = Model.create(spec, Rng.fromSeed(1, 'init'));
  const refParams = ref.trainable();
  const refSgd = new Sgd(opts);
  const [n0, n1] = shardSizes(n, 2) as [number, number];
  const g0 = await computeGradients(ref, refParams, x.subarray(0, n0 * 144), y.subarray(0, n0), n0);
  const g1 = await computeGradients(ref, refParams, x.subarray(n0 * 144), y.subarray(n0), n1);
  const summed: tf.NamedTensorMap = {};
  for (const [, v] of refParams) summed[v.name] = tf.add(tf.mul(g0.grads[v.name]!, n0 / n), tf.mul(g1.grads[v.name]!, n1 / n));
  const toArrays = (s: typeof g0.batchStats) => s.map((t) => ({ layer: t.layer, mean: t.mean.dataSync() as Float32Array, variance: t.variance.dataSync() as Float32Array, count: t.count }));
  ref.applyBatchStats(poolStats([toArrays(g0.batchStats), toArrays(g1.batchStats)]));
  tf.dispose([...Object.values(g0.grads), ...Object.values(g1.grads), ...g0.batchStats.flatMap((s) => [s.mean, s.variance]), ...g1.batchStats.flatMap((s) => [s.mean, s.variance])]);
  refSgd.step(refParams, summed, lr);
  tf.dispose(Object.values(summed));
  const expectedLoss = (g0.loss * n0 + g1.loss * n1) / n;

  // Data-parallel runner.
  const model = Model.create(spec, Rng.fromSeed(1, 'init'));
  const sgd = new Sgd(opts);
  const runner = await createStepRunner(model, sgd, { threads: 2 });
  assert.equal(runner.threads, 2);
  const tensorsBefore = tf.memory().numTensors;
  const result = await runner.step(x, y, n, lr);
  assert.ok(Math.abs(result.loss - expectedLoss) < 1e-5, `loss ${result.loss} vs ${expectedLoss}`);

  const got = await model.exportWeights();
  const want = await ref.exportWeights();
  for (const [name, w] of want) {
    const g = got.get(name)!;
    const err = Math.max(...w.map((v, i) => Math.abs(v - g[i]!)));
    assert.ok(err < 1e-5, `${name}: max difference ${err}`);
  }
  // Evaluation sharded over the threads sees the updated weights and running statistics.
  const test = batch(9, 11);
  const sharded = await runner.evaluate(test.x, test.y, 9);
  const whole = await evalBatch(ref, test.x, test.y, 9);
  assert.equal(sharded.hits, whole.hits);
  assert.ok(Math.abs(sharded.lossSum - whole.lossSum) < 1e-4 * Math.max(1, Math.abs(whole.lossSum)), `eval loss ${sharded.lossSum} vs ${whole.lossSum}`);
  // Top-5 (asked by the ImageNet protocol) summed over the shards as top-1 is.
  const sharded5 = await runner.evaluate(test.x, test.y, 9, true);
  const whole5 = await evalBatch(ref, test.x, test.y, 9, true);
  assert.equal(sharded5.hits5, whole5.hits5);
  assert.ok(whole5.hits5! >= whole5.hits && sharded.hits5 === undefined);

  // A second step keeps working and leaks nothing beyond the momentum buffers created by the first.
  const afterFirst = tf.memory().numTensors;
  await runner.step(x, y, n, lr);
  assert.equal(tf.memory().numTensors, afterFirst);
  assert.ok(afterFirst - tensorsBefore <= refParams.length, 'only momentum buffers may appear');
  await runner.dispose();
  for (const m of [model, ref]) m.dispose();
  sgd.dispose();
  refSgd.dispose();
});
