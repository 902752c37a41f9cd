// The tfjs interpreter's non-trivial ops, on cpu and on wasm: training-mode BatchNorm (hand-written
// gradient) against tfjs autodiff of the plain formula, the running statistics against PyTorch's rule,
// eval-mode BN, selectChannels against tf.gather, padShortcut against RNP's downsample_basic_block, and
// dropout (keyed masks, PyTorch's inverted scaling, its gradient).
// Error measure: max|actual - expected| / max|expected| ≤ 1e-4.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { backendsUnderTest, skipReason } from '../backends.ts';
import { Model } from '../../../src-main/engine/models/model.ts';
import { resolveArch } from '../../../src-main/engine/models/register-all.ts';
import { BN_EPSILON, TfOps } from '../../../src-main/engine/models/tf-ops.ts';
import { Rng } from '../../../src-main/engine/random.ts';

const TOLERANCE = 1e-4;

function randomArray(rng: Rng, size: number, scale = 1, shift = 0): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = shift + scale * rng.normal();
  return out;
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'length');
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Number.isFinite(actual[i]!), `non-finite value at ${i}`);
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  return maxDiff / Math.max(maxRef, 1e-12);
}

async function assertClose(actual: tf.Tensor | ArrayLike<number>, expected: tf.Tensor | ArrayLike<number>, what: string): Promise<void> {
  if (actual instanceof tf.Tensor && expected instanceof tf.Tensor) assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual instanceof tf.Tensor ? await actual.data() : actual;
  const e = expected instanceof tf.Tensor ? await expected.data() : expected;
  const err = relativeError(a, e);
  assert.ok(err <= TOLERANCE, `${what}: relative error ${err} > ${TOLERANCE}`);
}

/** Per-channel (last axis) mean and biased variance, in float64. */
function channelStats(x: Float32Array, channels: number): { mean: number[]; variance: number[]; count: number } {
  const count = x.length / channels;
  const mean = new Array<number>(channels).fill(0);
  const variance = new Array<number>(channels).fill(0);
  for (let i = 0; i < x.length; i++) mean[i % channels]! += x[i]! / count;
  for (let i = 0; i < x.length; i++) variance[i % channels]! += (x[i]! - mean[i % channels]!) ** 2 / count;
  return { mean, variance, count };
}

/** The plain BN formula, differentiated by tfjs. */
function referenceBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const { mean, variance } = tf.moments(x, axes);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, BN_EPSILON))), gamma), beta);
}

for (const backend of backendsUnderTest) {
  describe(`TfOps on ${backend}`, { skip: skipReason(backend) }, () => {
    before(async () => {
      const info = await selectBackend(backend);
      assert.equal(info.name, backend);
      assert.equal(tf.getBackend(), backend);
    });

    for (const shape of [[4, 3, 5, 6], [3, 2, 2, 4], [6, 7]] as const) {
      test(`training BN [${shape}]: value and gradients w.r.t. x, γ, β match autodiff of the formula`, async () => {
        const rng = Rng.fromSeed(11, `bn-${shape}`);
        const c = shape.at(-1)!;
        // Off-centre, non-unit inputs so mean and variance both matter.
        const x = tf.tensor(randomArray(rng, sizeOf(shape), 2.5, 0.7), [...shape]);
        const gamma = tf.tensor1d(randomArray(rng, c, 0.5, 1));
        const beta = tf.tensor1d(randomArray(rng, c));
        // A random upstream gradient: with dy = 1 the BN gradient w.r.t. x is identically 0.
        const dy = tf.tensor(randomArray(rng, sizeOf(shape)), [...shape]);
        const before = tf.memory().numTensors;

        let ops: TfOps | null = null;
        const ours = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          ops = new TfOps(new Map([['bn.gamma', g], ['bn.beta', b]]), true);
          return ops.batchNorm('bn', xi);
        });
        const ref = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => referenceBatchNorm(xi, g, b));
        const ourValue = new TfOps(new Map([['bn.gamma', gamma], ['bn.beta', beta]]), true);
        const y = ourValue.batchNorm('bn', x);
        const yRef = tf.tidy(() => referenceBatchNorm(x, gamma, beta));
        await assertClose(y, yRef, 'value');
        const [dx, dGamma, dBeta] = ours([x, gamma, beta], dy);
        const [dxRef, dGammaRef, dBetaRef] = ref([x, gamma, beta], dy);
        await assertClose(dx!, dxRef!, 'dx');
        await assertClose(dGamma!, dGammaRef!, 'dγ');
        await assertClose(dBeta!, dBetaRef!, 'dβ');
        // dx is not trivially zero (it would be for dy = 1), so the comparison means something.
        assert.ok(Math.max(...(await dxRef!.data()).map(Math.abs)) > 1e-2);

        // Also against float64 by hand: y = (x − μ)/√(σ² + ε)·γ + β.
        const xv = (await x.data()) as Float32Array;
        const { mean, variance } = channelStats(xv, c);
        const g = (await gamma.data());
        const b = (await beta.data());
        await assertClose((await y.data()), Array.from(xv, (v, i) => ((v - mean[i % c]!) / Math.sqrt(variance[i % c]! + BN_EPSILON)) * g[i % c]! + b[i % c]!), 'value vs float64');

        for (const o of [ops!, ourValue]) for (const s of o.batchStats) tf.dispose([s.mean, s.variance]);
        tf.dispose([y, yRef, dx!, dGamma!, dBeta!, dxRef!, dGammaRef!, dBetaRef!]);
        assert.equal(tf.memory().numTensors, before, 'tensors leaked by the BN gradient');
        tf.dispose([x, gamma, beta, dy]);
      });
    }

    test('dropout: the identity in eval mode; in training a keyed mask (the same for the same key), kept values ×1/(1 − rate), and its gradient', async () => {
      const rate = 0.3;
      const x = tf.tensor2d(Float32Array.from({ length: 4000 }, (_, i) => 1 + (i % 7)), [8, 500]);
      const before = tf.memory().numTensors;
      const evalY = new TfOps(new Map(), false, 'k').dropout(x, rate);
      assert.equal(evalY, x, 'eval mode returns its input');
      const draw = async (key: string | undefined): Promise<Float32Array> => {
        const y = new TfOps(new Map(), true, key).dropout(x, rate);
        const v = (await y.data()) as Float32Array;
        y.dispose();
        return v;
      };
      const [a, b, c] = [await draw('7/0/3'), await draw('7/0/3'), await draw('7/0/4')];
      assert.deepEqual(a, b, 'the same key draws the same mask');
      assert.notDeepEqual(a, c, 'another key another mask');
      const xv = (await x.data()) as Float32Array;
      let dropped = 0;
      a.forEach((v, i) => {
        if (v === 0) dropped++;
        else assert.ok(Math.abs(v - xv[i]! / (1 - rate)) <= 1e-5 * v, `kept value ${i}: ${v} vs ${xv[i]! / (1 - rate)}`);
      });
      assert.ok(Math.abs(dropped / a.length - rate) < 0.03, `dropped ${dropped} of ${a.length}`);
      // Two dropout layers in one forward draw different masks.
      const ops = new TfOps(new Map(), true, '7/0/3');
      const [first, second] = [ops.dropout(x, rate), ops.dropout(x, rate)];
      assert.notDeepEqual(await first.data(), await second.data());
      tf.dispose([first, second]);
      const dx = tf.grad((xi: tf.Tensor) => new TfOps(new Map(), true, '7/0/3').dropout(xi, rate))(x);
      const g = (await dx.data()) as Float32Array;
      g.forEach((v, i) => assert.ok(Math.abs(v - (a[i] === 0 ? 0 : 1 / (1 - rate))) <= 1e-5, `gradient ${i}: ${v}`));
      dx.dispose();
      assert.equal(tf.memory().numTensors, before, 'tensors leaked by dropout');
      x.dispose();
    });

    test('batch statistics at ImageNet size (2×224×224×64, mean 3) against float64', async () => {
      const [n, h, w, c] = [2, 224, 224, 64];
      const xv = randomArray(Rng.fromSeed(3), n * h * w * c, 2, 3);
      const mean64 = new Float64Array(c);
      const var64 = new Float64Array(c);
      for (let i = 0; i < xv.length; i++) mean64[i % c] += xv[i]!;
      for (let k = 0; k < c; k++) mean64[k]! /= n * h * w;
      for (let i = 0; i < xv.length; i++) var64[i % c] += (xv[i]! - mean64[i % c]!) ** 2;
      for (let k = 0; k < c; k++) var64[k]! /= n * h * w;
      const vars = new Map<string, tf.Variable>([
        ['bn.gamma', tf.variable(tf.ones([c]))], ['bn.beta', tf.variable(tf.zeros([c]))],
        ['bn.running_mean', tf.variable(tf.zeros([c]))], ['bn.running_var', tf.variable(tf.ones([c]))],
      ]);
      const x = tf.tensor4d(xv, [n, h, w, c]);
      const ops = new TfOps(vars, true);
      tf.tidy(() => {
        ops.batchNorm('bn', x);
      });
      const s = ops.batchStats[0]!;
      const worst = (a: ArrayLike<number>, b: Float64Array): number => Math.max(...Array.from(b, (v, k) => Math.abs(a[k]! - v) / Math.abs(v)));
      const [em, ev] = [worst(await s.mean.data(), mean64), worst(await s.variance.data(), var64)];
      // Our composite reduces one axis at a time (≈ 1e-7; one float32 sum over 100k values drifts to
      // ≈ 1e-5); native TensorFlow runs its own fused kernel, whose float32 sums show that drift.
      const bound = backend === 'tensorflow' ? 5e-5 : 2e-6;
      assert.ok(em <= bound && ev <= bound, `mean ${em.toExponential(2)}, variance ${ev.toExponential(2)} relative error (bound ${bound})`);
      tf.dispose([x, s.mean, s.variance, ...vars.values()]);
    });

    test('training BN records the batch mean and biased variance; updateRunningStats follows PyTorch', async () => {
      const model = Model.create(resolveArch('vgg_mini'), Rng.fromSeed(1));
      try {
        const layer = 'features.1'; // vgg_mini's first BN, 16 channels
        const c = 16;
        const rng = Rng.fromSeed(5);
        const rm0 = randomArray(rng, c);
        const rv0 = Float32Array.from(randomArray(rng, c), (v) => 0.5 + Math.abs(v));
        model.variables.get(`${layer}.running_mean`)!.assign(tf.tensor1d(rm0));
        model.variables.get(`${layer}.running_var`)!.assign(tf.tensor1d(rv0));
        const shape = [2, 3, 3, c];
        const xv = randomArray(rng, sizeOf(shape), 3, -1);
        const x = tf.tensor4d(xv, shape as [number, number, number, number]);
        const before = tf.memory().numTensors;

        const ops = new TfOps(model.variables, true);
        tf.tidy(() => {
          ops.batchNorm(layer, x);
        });
        assert.equal(ops.batchStats.length, 1);
        const s = ops.batchStats[0]!;
        const { mean, variance, count } = channelStats(xv, c);
        assert.equal(s.layer, layer);
        assert.equal(s.count, 18);
        assert.equal(count, 18);
        await assertClose((await s.mean.data()), mean, 'batch mean');
        await assertClose((await s.variance.data()), variance, 'batch variance (biased)');

        model.updateRunningStats(ops);
        assert.equal(ops.batchStats.length, 0, 'batch stats consumed');
        assert.equal(tf.memory().numTensors, before, 'batch stats disposed');
        // torch: running_mean = 0.9·rm + 0.1·μ; running_var = 0.9·rv + 0.1·σ²·n/(n−1)
        const rm1 = mean.map((m, i) => 0.9 * rm0[i]! + 0.1 * m);
        const rv1 = variance.map((v, i) => 0.9 * rv0[i]! + 0.1 * v * (18 / 17));
        await assertClose((await model.variables.get(`${layer}.running_mean`)!.data()), rm1, 'running mean');
        await assertClose((await model.variables.get(`${layer}.running_var`)!.data()), rv1, 'running var (unbiased)');
        // The biased variance would give a different answer: the test can tell them apart.
        const biased = variance.map((v, i) => 0.9 * rv0[i]! + 0.1 * v);
        assert.ok(relativeError((await model.variables.get(`${layer}.running_var`)!.data()), biased) > 10 * TOLERANCE);
        x.dispose();
      } finally {
        model.dispose();
      }
    });

    test('a training forward records every BN layer once, in call order, with count batch·h·w', async () => {
      const model = Model.create(resolveArch('vgg_mini'), Rng.fromSeed(2));
      try {
        const x = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 4);
        const { logits, ops } = model.forward(x, true);
        const bnLayers = [...new Set(model.paramSpecs.filter((p) => p.layerKind === 'bn').map((p) => p.layer))];
        assert.deepEqual(ops.batchStats.map((s) => s.layer), bnLayers);
        assert.deepEqual(bnLayers, ['features.1', 'features.5', 'features.9']);
        assert.deepEqual(ops.batchStats.map((s) => s.count), [3 * 28 * 28, 3 * 14 * 14, 3 * 7 * 7]);
        // Every layer's statistics are folded in at once (one vector end to end): each with its own n.
        const counts = ops.batchStats.map((s) => s.count);
        const before = await Promise.all(bnLayers.map(async (l) => ({
          mean: (await model.variables.get(`${l}.running_mean`)!.data()).slice(),
          variance: (await model.variables.get(`${l}.running_var`)!.data()).slice(),
        })));
        const batch = await Promise.all(ops.batchStats.map(async (s) => ({ mean: (await s.mean.data()).slice(), variance: (await s.variance.data()).slice() })));
        model.updateRunningStats(ops);
        for (const [i, l] of bnLayers.entries()) {
          const n = counts[i]!;
          await assertClose((await model.variables.get(`${l}.running_mean`)!.data()),
            Array.from(before[i]!.mean, (r, j) => 0.9 * r + 0.1 * batch[i]!.mean[j]!), `${l} running mean`);
          await assertClose((await model.variables.get(`${l}.running_var`)!.data()),
            Array.from(before[i]!.variance, (r, j) => 0.9 * r + 0.1 * batch[i]!.variance[j]! * (n / (n - 1))), `${l} running var`);
        }
        tf.dispose([x, logits]);
      } finally {
        model.dispose();
      }
    });

    test('eval-mode BN uses the running statistics, records nothing and is per-example', async () => {
      const rng = Rng.fromSeed(9);
      const c = 5;
      const gamma = randomArray(rng, c, 0.3, 1);
      const beta = randomArray(rng, c);
      const rm = randomArray(rng, c);
      const rv = Float32Array.from(randomArray(rng, c), (v) => 0.2 + v * v);
      const params = new Map<string, tf.Tensor>([
        ['bn.gamma', tf.tensor1d(gamma)], ['bn.beta', tf.tensor1d(beta)],
        ['bn.running_mean', tf.tensor1d(rm)], ['bn.running_var', tf.tensor1d(rv)],
      ]);
      const shape: [number, number, number, number] = [3, 2, 2, c];
      const xv = randomArray(rng, sizeOf(shape), 2);
      const x = tf.tensor4d(xv, shape);
      const ops = new TfOps(params, false);
      const y = ops.batchNorm('bn', x);
      assert.equal(ops.batchStats.length, 0);
      await assertClose((await y.data()), Array.from(xv, (v, i) => ((v - rm[i % c]!) / Math.sqrt(rv[i % c]! + BN_EPSILON)) * gamma[i % c]! + beta[i % c]!), 'eval BN');
      // One example alone gives the same output as inside the batch (no batch statistics involved).
      const first = tf.slice(x, [1, 0, 0, 0], [1, 2, 2, c]);
      const yFirst = ops.batchNorm('bn', first);
      await assertClose((await yFirst.data()), (await y.data()).slice(4 * c, 8 * c), 'eval BN of one example');
      // and training mode on the same batch differs (it normalises with the batch's own statistics)
      const train = new TfOps(params, true);
      const yTrain = train.batchNorm('bn', x);
      assert.ok(relativeError((await yTrain.data()), (await y.data())) > 1e-2);
      for (const s of train.batchStats) tf.dispose([s.mean, s.variance]);
      tf.dispose([x, y, first, yFirst, yTrain, ...params.values()]);
    });

    test('selectChannels with non-contiguous indices equals tf.gather on the channel axis, and has a gradient', async () => {
      const rng = Rng.fromSeed(13);
      const shape: [number, number, number, number] = [2, 3, 4, 10];
      const x = tf.tensor4d(randomArray(rng, sizeOf(shape)), shape);
      const ops = new TfOps(new Map(), true);
      const before = tf.memory().numTensors;
      for (const indices of [[0, 2, 3, 4, 7, 9], [1], [5, 6, 7], [0, 1, 2, 3, 4, 5, 6, 7, 8]]) {
        // (outside a tidy the slices it joins would stay behind; the model's forward always runs in one)
        const y = tf.tidy(() => ops.selectChannels(x, indices));
        const idx = tf.tensor1d(indices, 'int32');
        const expected = tf.gather(x, idx, 3);
        assert.deepEqual(y.shape, [2, 3, 4, indices.length]);
        assert.deepEqual(Array.from((await y.data())), Array.from((await expected.data())), `values for [${indices}]`);

        // d/dx Σ w·select(x) = w scattered back to the kept channels, 0 elsewhere.
        const w = tf.tensor4d(randomArray(rng, sizeOf(y.shape)), y.shape as [number, number, number, number]);
        const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(ops.selectChannels(xi, indices), w)))(x);
        const wv = (await w.data());
        const expectedDx = new Float32Array(x.size);
        for (let p = 0; p < x.size / 10; p++) indices.forEach((ch, k) => (expectedDx[p * 10 + ch] = wv[p * indices.length + k]!));
        assert.deepEqual(dx.shape, shape);
        await assertClose((await dx.data()), expectedDx, `gradient for [${indices}]`);
        tf.dispose([y, idx, expected, w, dx]);
      }
      assert.equal(tf.memory().numTensors, before);
      // All channels in order: the input itself.
      assert.equal(ops.selectChannels(x, Array.from({ length: 10 }, (_, i) => i)), x);
      x.dispose();
    });

    for (const pool of [{ size: 2 }, { size: 3, stride: 2, pad: 1 }]) {
      test(`reluMaxPool ${JSON.stringify(pool)} equals maxPool(relu(x)), gradient included, with ties and negative windows`, async () => {
        // Values on a coarse grid, so windows hold equal maxima (positive and zero) and all-negative windows.
        const rng = Rng.fromSeed(17);
        const shape: [number, number, number, number] = [2, 6, 6, 3];
        const values = randomArray(rng, sizeOf(shape)).map((v) => Math.round(v * 1.5) / 2);
        const x = tf.tensor4d(values, shape);
        const ops = new TfOps(new Map(), true);
        const fused = tf.tidy(() => ops.reluMaxPool(x, pool));
        const plain = tf.tidy(() => ops.maxPool(ops.relu(x), pool));
        const plus0 = async (t: tf.Tensor): Promise<number[]> => Array.from(await t.data(), (v) => v + 0); // −0 and 0 alike
        assert.deepEqual(await plus0(fused), await plus0(plain), 'values');
        const w = tf.tensor4d(randomArray(rng, fused.size), fused.shape as [number, number, number, number]);
        const dFused = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(ops.reluMaxPool(xi, pool), w)))(x);
        const dPlain = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(ops.maxPool(ops.relu(xi), pool), w)))(x);
        assert.deepEqual(await plus0(dFused), await plus0(dPlain), 'gradient');
        assert.ok((await dPlain.data()).some((v) => v !== 0), 'the gradient is not all zero');
        tf.dispose([x, fused, plain, w, dFused, dPlain]);
      });
    }

    test('selectChannels on [n, features] (after flatten)', async () => {
      const x = tf.tensor2d([[0, 1, 2, 3, 4], [10, 11, 12, 13, 14]]);
      const y = new TfOps(new Map(), false).selectChannels(x, [0, 3, 4]);
      assert.deepEqual((await y.array()), [[0, 3, 4], [10, 13, 14]]);
      tf.dispose([x, y]);
    });

    for (const [h, w] of [[4, 6], [5, 5]] as const) {
      test(`padShortcut(x, c2, 2) on ${h}×${w}: 2×2 average pool, then zero channels after; gradient 1/4 per pooled cell`, async () => {
        const rng = Rng.fromSeed(17, `${h}x${w}`);
        const [n, c, c2] = [2, 3, 8];
        const xv = randomArray(rng, n * h * w * c);
        const x = tf.tensor4d(xv, [n, h, w, c]);
        const ops = new TfOps(new Map(), true);
        const y = ops.padShortcut(x, c2, 2);
        const [ho, wo] = [Math.floor(h / 2), Math.floor(w / 2)];
        assert.deepEqual(y.shape, [n, ho, wo, c2]);
        const at = (b: number, i: number, j: number, k: number): number => xv[((b * h + i) * w + j) * c + k]!;
        const expected = new Float32Array(n * ho * wo * c2);
        for (let b = 0; b < n; b++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) for (let k = 0; k < c; k++) {
          expected[((b * ho + i) * wo + j) * c2 + k] =
            (at(b, 2 * i, 2 * j, k) + at(b, 2 * i + 1, 2 * j, k) + at(b, 2 * i, 2 * j + 1, k) + at(b, 2 * i + 1, 2 * j + 1, k)) / 4;
        }
        await assertClose((await y.data()), expected, 'padShortcut value');
        const yv = (await y.data());
        for (let p = 0; p < n * ho * wo; p++) for (let k = c; k < c2; k++) assert.equal(yv[p * c2 + k], 0, 'appended channels are zero');

        const up = tf.tensor4d(randomArray(rng, y.size), y.shape as [number, number, number, number]);
        const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(ops.padShortcut(xi, c2, 2), up)))(x);
        const uv = (await up.data());
        const expectedDx = new Float32Array(x.size);
        for (let b = 0; b < n; b++) for (let i = 0; i < 2 * ho; i++) for (let j = 0; j < 2 * wo; j++) for (let k = 0; k < c; k++) {
          expectedDx[((b * h + i) * w + j) * c + k] = uv[((b * ho + (i >> 1)) * wo + (j >> 1)) * c2 + k]! / 4;
        }
        assert.deepEqual(dx.shape, [n, h, w, c]);
        await assertClose((await dx.data()), expectedDx, 'padShortcut gradient');
        tf.dispose([x, y, up, dx]);
      });
    }

    test('padShortcut at stride 1 only pads channels; fewer channels is a ValidationError', async () => {
      const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
      const ops = new TfOps(new Map(), false);
      const y = ops.padShortcut(x, 3, 1);
      assert.deepEqual((await y.array()), [[[[1, 0, 0], [2, 0, 0]], [[3, 0, 0], [4, 0, 0]]]]);
      assert.equal(ops.padShortcut(x, 1, 1), x);
      assert.throws(() => ops.padShortcut(tf.zeros([1, 2, 2, 4]), 2, 2), ValidationError);
      tf.dispose([x, y]);
    });
  });
}
