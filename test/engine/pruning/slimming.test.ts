// Network Slimming: the global |γ| threshold, the per-layer minimum that RNP lacked (issues #30, #50),
// strictMinimum's error, selections in PreResNet/DenseNet, and the s·sign(γ) regulariser.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { resolveArch } from '../../../src-main/engine/models/register-all.ts';
import { Model } from '../../../src-main/engine/models/model.ts';
import { getMethod } from '../../../src-main/engine/pruning/methods/register-all.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { TEST_SPECS, randomWeights } from './helpers.ts';

const slim = getMethod('network_slimming');

before(async () => {
  await selectBackend('wasm');
});

/** vgg_mini (16, 32, 64 channels) whose first BN has tiny |γ|: a global threshold would empty it. */
function collapsingWeights(): Map<string, Float32Array> {
  const weights = randomWeights(resolveArch('vgg_mini'), 9);
  weights.get('features.1.gamma')!.forEach((_, i, g) => (g[i] = 1e-3 * (i + 1)));
  return weights;
}

test('removes exactly ⌊total·percent⌋ channels, the smallest |γ| over all layers', () => {
  const spec = resolveArch('vgg_mini');
  const weights = randomWeights(spec, 5);
  const plan = slim.plan(spec, weights, { percent: 0.25 }, Rng.fromSeed(1));
  const widths = (plan.pruned as unknown as { cfg: Array<number | 'M'> }).cfg.filter((v) => v !== 'M') as number[];
  assert.equal(16 + 32 + 64 - widths.reduce((a, b) => a + b, 0), Math.floor(112 * 0.25));
  const all = ['features.1', 'features.5', 'features.9'].flatMap((bn, k) =>
    [...weights.get(`${bn}.gamma`)!].map((g, c) => ({ layer: ['features.0', 'features.4', 'features.8'][k]!, c, g: Math.abs(g) })),
  );
  const keptScores = all.filter((e) => (plan.keep[e.layer] ?? [...Array(200).keys()]).includes(e.c)).map((e) => e.g);
  const removedScores = all.filter((e) => !(plan.keep[e.layer] ?? [...Array(200).keys()]).includes(e.c)).map((e) => e.g);
  assert.ok(Math.min(...keptScores) >= Math.max(...removedScores));
  assert.deepEqual(plan.params, { percent: 0.25, sparsity: 1e-4, minChannels: 1, strictMinimum: false });
  assert.equal(plan.notes, undefined, 'exactly the asked percent: nothing to note');
});

test('a layer the threshold would empty keeps minChannels (its largest |γ|), never zero', () => {
  const spec = resolveArch('vgg_mini');
  const weights = collapsingWeights();
  const one = slim.plan(spec, weights, { percent: 0.2 }, Rng.fromSeed(1));
  assert.deepEqual(one.keep['features.0'], [15]);
  assert.equal((one.pruned as unknown as { cfg: unknown[] }).cfg[0], 1);
  // 22 of 112 asked; the restored channel makes it 21: the plan says so (a warning beside the results).
  assert.deepEqual(one.notes, ['network_slimming removed 21 of 112 prunable channels (18.8%), not the 22 asked (percent 0.2): 1 layer kept channels back to keep minChannels 1: features.0 (+1)']);
  const four = slim.plan(spec, weights, { percent: 0.2, minChannels: 4 }, Rng.fromSeed(1));
  assert.deepEqual(four.keep['features.0'], [12, 13, 14, 15]);
});

test('strictMinimum fails naming the layer, the percent and what to do', () => {
  const spec = resolveArch('vgg_mini');
  assert.throws(
    () => slim.plan(spec, collapsingWeights(), { percent: 0.2, strictMinimum: true }, Rng.fromSeed(1)),
    (e: unknown) => e instanceof ValidationError && /features\.1/.test(e.message) && /percent 0\.2/.test(e.message) && /minChannels 1/.test(e.message),
  );
});

test('PreResNet: selections carry the kept indices, conv1/conv2 outputs shrink, residual widths stay', () => {
  const { spec } = TEST_SPECS.preresnet[0]!;
  const plan = slim.plan(spec, randomWeights(spec, 3), { percent: 0.5 }, Rng.fromSeed(1));
  const pruned = plan.pruned as unknown as { cfg: number[]; select: number[][] };
  assert.equal(pruned.select.length, 7);
  pruned.select.forEach((s, k) => assert.equal(s.length, pruned.cfg[k < 6 ? 3 * k : 18]));
  assert.ok(Object.keys(plan.keep).every((l) => /conv[12]$/.test(l)), Object.keys(plan.keep).join());
  assert.ok(!Object.keys(plan.keep).some((l) => /conv3|downsample/.test(l)));
});

test('DenseNet: only selections change; conv outputs keep the growth rate', () => {
  const { spec } = TEST_SPECS.densenet[0]!;
  const plan = slim.plan(spec, randomWeights(spec, 3), { percent: 0.4 }, Rng.fromSeed(1));
  assert.deepEqual(plan.keep, {});
  const pruned = plan.pruned as unknown as { growth: number; select: number[][]; cfg: number[] };
  assert.equal(pruned.growth, 4);
  assert.ok(pruned.select.some((s, k) => s.length < (spec as unknown as { cfg: number[] }).cfg[k]!));
});

test('regulariser: s·sign(γ) on every BN γ only, on arrays and on tfjs gradients', () => {
  const reg = slim.training!.regularizer!({ sparsity: 1e-4 })!;
  assert.deepEqual([...reg.extraGradient('features.1.gamma', Float32Array.of(-2, 0, 3))!], [-1e-4, 0, 1e-4].map(Math.fround));
  assert.equal(reg.extraGradient('features.1.beta', Float32Array.of(1)), null);
  assert.equal(reg.extraGradient('features.0.weight', Float32Array.of(1)), null);
  assert.equal(slim.training!.regularizer!({ sparsity: 0 }), null);

  const model = Model.create(resolveArch('vgg_mini'), Rng.fromSeed(1));
  try {
    const params = model.trainable();
    const grads: tf.NamedTensorMap = {};
    for (const [, v] of params) grads[v.name] = tf.onesLike(v);
    const before = tf.memory().numTensors;
    reg.addToGradients(params, grads);
    assert.equal(tf.memory().numTensors, before, 'old gradients disposed');
    for (const [name, v] of params) {
      const expected = name.endsWith('.gamma') ? 1 + 1e-4 : 1; // γ starts at 0.5 > 0
      assert.ok(Math.abs(grads[v.name]!.dataSync()[0]! - expected) < 1e-7, name);
    }
    tf.dispose(Object.values(grads));
  } finally {
    model.dispose();
  }
});
