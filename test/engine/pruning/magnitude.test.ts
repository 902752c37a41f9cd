// Unstructured magnitude pruning: global threshold over conv weights only, masks round-trip, training
// helpers keep masked entries at zero, and Scratch's re-initialisation fan rule.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { collectParams } from '../../../src-main/engine/models/build.ts';
import { Model } from '../../../src-main/engine/models/model.ts';
import { resolveArch } from '../../../src-main/engine/models/register-all.ts';
import { decodeMask, encodeMask } from '../../../src-main/engine/pruning/masks.ts';
import { magnitude, maskFor, maskGradients, maskWeights, scratchInit } from '../../../src-main/engine/pruning/methods/magnitude.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { randomWeights } from './helpers.ts';

before(async () => {
  await selectBackend('wasm');
});

test('mask codec round-trips any length', () => {
  for (const n of [1, 7, 8, 9, 100]) {
    const bits = Uint8Array.from({ length: n }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
    assert.deepEqual(decodeMask(encodeMask(bits), n, 'x'), bits);
  }
  assert.throws(() => decodeMask(encodeMask([1, 0, 1]), 20, 'where'), /where: mask covers 8 values, the parameter has 20/);
});

test('one global threshold over conv weights: every kept |w| exceeds every removed |w|; dense layers untouched', () => {
  const spec = resolveArch('vgg_mini');
  const weights = randomWeights(spec, 2);
  const plan = magnitude.plan(spec, weights, { percent: 0.3 }, Rng.fromSeed(1));
  const masks = maskFor(plan);
  assert.deepEqual([...masks.keys()], ['features.0.weight', 'features.4.weight', 'features.8.weight']);
  let minKept = Infinity;
  let maxRemoved = 0;
  let removed = 0;
  let total = 0;
  for (const [name, mask] of masks) {
    const w = weights.get(name)!;
    mask.forEach((m, i) => (m ? (minKept = Math.min(minKept, Math.abs(w[i]!))) : ((maxRemoved = Math.max(maxRemoved, Math.abs(w[i]!))), removed++)));
    total += mask.length;
  }
  assert.ok(minKept > maxRemoved);
  assert.equal(removed, Math.floor(total * 0.3));
  assert.deepEqual(plan.pruned, plan.base);
  assert.equal(plan.notes, undefined, 'no layer emptied: nothing to note');
});

test('a layer the global threshold empties is noted in the plan (shown as a warning beside the results)', () => {
  const spec = resolveArch('vgg_mini');
  const weights = randomWeights(spec, 2);
  weights.get('features.0.weight')!.fill(1e-7);
  const plan = magnitude.plan(spec, weights, { percent: 0.1 }, Rng.fromSeed(1));
  assert.ok(!maskFor(plan).get('features.0.weight')!.includes(1));
  assert.deepEqual(plan.notes, ['magnitude at percent 0.1 removes every weight of features.0.weight: no signal passes that layer']);
});

test('maskGradients / maskWeights keep masked entries at zero', () => {
  const spec = resolveArch('vgg_mini');
  const plan = magnitude.plan(spec, randomWeights(spec, 2), { percent: 0.5 }, Rng.fromSeed(1));
  const model = Model.create(spec, Rng.fromSeed(4));
  const masks = new Map([...maskFor(plan)].map(([n, m]) => [n, tf.tensor(m, collectParams(spec).find((p) => p.name === n)!.shape)]));
  try {
    const params = model.trainable();
    maskWeights(params, masks);
    const grads: tf.NamedTensorMap = {};
    for (const [, v] of params) grads[v.name] = tf.onesLike(v);
    maskGradients(params, grads, masks);
    for (const [name, v] of params) {
      const m = masks.get(name);
      if (!m) continue;
      const mask = m.dataSync();
      const w = v.dataSync();
      const g = grads[v.name]!.dataSync();
      mask.forEach((k, i) => {
        if (!k) assert.ok(w[i] === 0 && g[i] === 0, `${name}[${i}]`);
      });
      assert.ok(g.some((x) => x === 1));
    }
    tf.dispose(Object.values(grads));
  } finally {
    model.dispose();
    tf.dispose([...masks.values()]);
  }
});

test('scratchInit: masked He normal with fan = non-zero weights / in_channels (RNP weight-level)', () => {
  const spec: ArchSpec = { family: 'vgg', input: [8, 8, 3], classes: 10, cfg: [32, 'M', 128, 'M', 128], pool: 'global_avg', fc: [] };
  const plan = magnitude.plan(spec, randomWeights(spec, 2), { percent: 0.9 }, Rng.fromSeed(1));
  const values = scratchInit(plan, Rng.fromSeed(7));
  const mask = maskFor(plan).get('features.8.weight')!; // [3, 3, 128, 128]
  const w = values.get('features.8.weight')!;
  let nonZero = 0;
  let sq = 0;
  mask.forEach((m, i) => {
    if (m) {
      nonZero++;
      sq += w[i]! ** 2;
    } else assert.equal(w[i], 0);
  });
  const std = Math.sqrt(sq / nonZero);
  const expected = Math.sqrt(2 / (nonZero / 128));
  assert.ok(Math.abs(std / expected - 1) < 0.02, `std ${std} vs ${expected}`);
  assert.equal(values.get('features.9.gamma')![0], 0.5, 'other parameters as the family initialises them');
});
