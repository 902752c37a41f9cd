// Soft Filter Pruning: the smallest-L2 filters are zeroed at each epoch's end but keep training (and can
// come back); the plan masks the last selection; scratch starts from a fresh draw, masked.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { defaultTrainConfig } from '../../../src-shared/train-config.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { openDataset } from '../../../src-main/engine/datasets/registry.ts';
import { initialWeights } from '../../../src-main/engine/models/build.ts';
import { Model } from '../../../src-main/engine/models/model.ts';
import { resolveArch, withData } from '../../../src-main/engine/models/register-all.ts';
import { decodeMasks } from '../../../src-main/engine/pruning/masks.ts';
import { filterMask, softFilter } from '../../../src-main/engine/pruning/methods/soft-filter.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { train } from '../../../src-main/engine/training/train.ts';

before(async () => {
  assert.equal((await selectBackend('wasm')).name, 'wasm');
});

test('the ⌊out·(1 − rate)⌋ smallest-norm filters go, the earlier one first on a tie', () => {
  assert.deepEqual([...filterMask([3, 1, 2, 0.5], 0.5)], [1, 0, 1, 0]);
  assert.deepEqual([...filterMask([1, 1, 1], 0.7)], [1, 1, 1], '⌊3·0.3⌋ = 0 filters');
  assert.deepEqual([...filterMask([2, 2, 2, 2, 2], 0.5)], [0, 0, 1, 1, 1]);
});

/** Output filters of a [k, k, in, out] weight that are all zero. */
const zeroFilters = (w: Float32Array, out: number): number[] => {
  const nonZero = new Uint8Array(out);
  w.forEach((v, i) => { if (v !== 0) nonZero[i % out] = 1; });
  return [...nonZero.keys()].filter((c) => !nonZero[c]);
};

test('soft: zeroed filters keep training and come back; each epoch ends with the fraction zeroed again', async () => {
  const dataset = await openDataset('fashion-mnist-mini');
  const spec = withData(resolveArch('vgg_mini'), dataset.inputShape, 10);
  const model = Model.fromWeights(spec, initialWeights(spec, 1));
  const config = { ...defaultTrainConfig, epochs: 1, lr: 0.05, trainLimit: 256, testLimit: 64 };
  await train({ model, dataset, config, checkpointDir: null }); // BN shifts β away from 0
  const hook = softFilter.training!.afterEpoch!({ rate: 0.75 })!;
  hook.apply(model);
  const zeroed = zeroFilters(model.variables.get('features.4.weight')!.dataSync() as Float32Array, 32);
  assert.equal(zeroed.length, 8, '⌊32·0.25⌋ filters zeroed');
  // A zero filter's BN output is its β; where β > 0 the ReLU passes gradient (β ≤ 0: a dead unit, in
  // PyTorch as here). One epoch without the hook: those filters are trained back from zero.
  const beta = model.variables.get('features.5.beta')!.dataSync();
  const live = zeroed.filter((c) => beta[c]! > 0);
  assert.ok(live.length > 0, `no zeroed filter with β > 0 to watch (β ${zeroed.map((c) => beta[c]!.toFixed(3))})`);
  await train({ model, dataset, config, checkpointDir: null });
  const after = zeroFilters(model.variables.get('features.4.weight')!.dataSync() as Float32Array, 32);
  assert.deepEqual(live.filter((c) => after.includes(c)), [], 'soft pruning: zeroed filters with a live unit recover');
  // With the hook (as the baseline trains): every epoch ends with 8 zero filters in that conv.
  const seen: number[] = [];
  await train({ model, dataset, config: { ...config, epochs: 2 }, checkpointDir: null, afterEpoch: (m) => hook.apply(m), onEpoch: () => {
    seen.push(zeroFilters(model.variables.get('features.4.weight')!.dataSync() as Float32Array, 32).length);
  } });
  assert.deepEqual(seen, [8, 8]);
  // The plan masks exactly the filters the last epoch zeroed.
  const weights = await model.exportWeights();
  const plan = softFilter.plan(spec, weights, { rate: 0.75 }, Rng.fromSeed(1));
  const mask = decodeMasks(plan).get('features.4.weight')!;
  const w2 = weights.get('features.4.weight')!;
  assert.deepEqual(zeroFilters(Float32Array.from(mask), 32), zeroFilters(w2, 32));
  // Scratch: a fresh draw (not the baseline's start), masked.
  const scratch = softFilter.training!.scratchInit!(plan, 1).get('features.4.weight')!;
  assert.deepEqual(zeroFilters(scratch, 32), zeroFilters(w2, 32));
  const start = initialWeights(spec, 1).get('features.4.weight')!;
  assert.ok(scratch.some((v, i) => v !== 0 && v !== start[i]), 'scratch is not the baseline\'s initial weights');
  model.dispose();
});
