// The wasm MaxPoolGrad against the cpu backend's kernel (the reference), on seeded random data, including
// all-negative inputs (where the stock wasm kernel is wrong), ties, padding and -Infinity/NaN windows.
// Error measure: max|wasm - cpu| / max(1, max|cpu|) ≤ 1e-4.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { maxPoolGradConfig } from '../../../src-main/engine/kernels/MaxPoolGrad.ts';
import { registerWasmKernels } from '../../../src-main/engine/kernels/register-all.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { TOLERANCE, assertNoLeaks, assertRegisteredIdempotently, randomArray, relativeError } from './compare-with-cpu.ts';

interface Case {
  name: string;
  x: [number, number, number, number];
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  /** Added to every (standard normal) input value. */
  shift?: number;
  /** Quantize inputs to this many levels (creates ties). */
  levels?: number;
}

const cases: Case[] = [
  { name: '2x2 s2 same', x: [2, 8, 8, 3], filterSize: 2, strides: 2, pad: 'same' },
  { name: '2x2 s2 same, all negative', x: [2, 8, 8, 3], filterSize: 2, strides: 2, pad: 'same', shift: -6 },
  { name: '2x2 s2 same, odd sizes, negative (padded windows)', x: [3, 9, 7, 5], filterSize: 2, strides: 2, pad: 'same', shift: -6 },
  { name: '2x2 s2 valid, odd sizes', x: [2, 9, 7, 4], filterSize: 2, strides: 2, pad: 'valid', shift: -1 },
  { name: '2x2 s2, ties (quantized, ReLU-like zeros)', x: [2, 8, 8, 16], filterSize: 2, strides: 2, pad: 'same', levels: 1, shift: -1 },
  { name: '3x3 s2 same (overlapping windows), negative', x: [2, 9, 9, 5], filterSize: 3, strides: 2, pad: 'same', shift: -4 },
  { name: '3x3 s2 valid, ties', x: [2, 10, 9, 4], filterSize: 3, strides: 2, pad: 'valid', levels: 2 },
  { name: '3x3 s1 same, negative', x: [1, 7, 8, 3], filterSize: 3, strides: 1, pad: 'same', shift: -3 },
  { name: 'numeric pad 1, 3x3 s2, negative', x: [2, 8, 8, 3], filterSize: 3, strides: 2, pad: 1, shift: -5 },
  { name: 'non-square window and strides', x: [2, 10, 9, 3], filterSize: [3, 2], strides: [2, 1], pad: 'same', shift: -2 },
  { name: 'ceil rounding', x: [2, 9, 9, 2], filterSize: 2, strides: 2, pad: 0, dimRoundingMode: 'ceil', shift: -2 },
  { name: 'batch 1, 1 channel', x: [1, 5, 5, 1], filterSize: 2, strides: 2, pad: 'same', shift: -1 },
  { name: 'window covers the input', x: [2, 4, 4, 6], filterSize: 4, strides: 4, pad: 'valid', shift: -3 },
  { name: 'training-sized 2x2 s2', x: [8, 16, 16, 32], filterSize: 2, strides: 2, pad: 'same' },
];

/** MaxPoolGrad on `backend` for x values `xValues` and dy values `dyValues`; `output` is the cpu forward. */
async function maxPoolGradOn(backend: string, c: Case, xValues: Float32Array, dyValues: Float32Array, kernel?: tf.KernelConfig): Promise<Float32Array> {
  const info = tf.backend_util.computePool2DInfo(c.x, c.filterSize, c.strides, 1, c.pad, c.dimRoundingMode);
  await tf.setBackend('cpu');
  const y = tf.tidy(() => tf.maxPool(tf.tensor4d(xValues, c.x), c.filterSize, c.strides, c.pad, c.dimRoundingMode));
  const yValues = y.dataSync();
  y.dispose();
  await tf.setBackend(backend);
  const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad, dimRoundingMode: c.dimRoundingMode } as unknown as tf.NamedAttrMap;
  const dx = tf.tidy(() => {
    const inputs = { dy: tf.tensor4d(dyValues, info.outShape), input: tf.tensor4d(xValues, c.x), output: tf.tensor4d(yValues, info.outShape) };
    if (kernel === undefined) return tf.engine().runKernel('MaxPoolGrad', inputs, attrs) as tf.Tensor;
    const out = kernel.kernelFunc({ inputs, attrs, backend: tf.engine().backend }) as tf.TensorInfo;
    return tf.engine().makeTensorFromTensorInfo(out);
  });
  assert.deepEqual(dx.shape, c.x);
  const values = dx.dataSync() as Float32Array;
  dx.dispose();
  return values;
}

describe('MaxPoolGrad on wasm', () => {
  let stock: tf.KernelConfig | undefined;
  before(async () => {
    // Keep the stock kernel (initialized by the backend's start-up) to show what it gets wrong.
    stock = tf.getKernel('MaxPoolGrad', 'wasm');
    await tf.setBackend('wasm');
    registerWasmKernels();
    await tf.setBackend('cpu');
  });

  for (const c of cases) {
    test(`matches cpu: ${c.name}`, async () => {
      const rng = Rng.fromSeed(3, c.name);
      const info = tf.backend_util.computePool2DInfo(c.x, c.filterSize, c.strides, 1, c.pad, c.dimRoundingMode);
      const xValues = randomArray(rng, c.x.reduce((a, b) => a * b), c.shift, c.levels);
      const dyValues = randomArray(rng, info.outShape.reduce((a, b) => a * b));
      const expected = await maxPoolGradOn('cpu', c, xValues, dyValues);
      const actual = await maxPoolGradOn('wasm', c, xValues, dyValues);
      const err = relativeError(actual, expected);
      assert.ok(err <= TOLERANCE, `relative error ${err} > ${TOLERANCE}`);
    });
  }

  test('the stock wasm kernel is wrong on negative inputs (why this one replaces it)', async () => {
    assert.ok(stock !== undefined && stock !== maxPoolGradConfig);
    const c = cases[1];
    const rng = Rng.fromSeed(3, c.name);
    const info = tf.backend_util.computePool2DInfo(c.x, c.filterSize, c.strides, 1, c.pad);
    const xValues = randomArray(rng, c.x.reduce((a, b) => a * b), c.shift);
    const dyValues = randomArray(rng, info.outShape.reduce((a, b) => a * b));
    const expected = await maxPoolGradOn('cpu', c, xValues, dyValues);
    const stockValues = await maxPoolGradOn('wasm', c, xValues, dyValues, stock);
    const ours = await maxPoolGradOn('wasm', c, xValues, dyValues);
    assert.ok(relativeError(stockValues, expected) > 0.1, 'the stock kernel now matches cpu: is it fixed upstream?');
    assert.ok(relativeError(ours, expected) <= TOLERANCE);
  });

  test('-Infinity and NaN windows: no gradient, NaN never wins (as cpu)', async () => {
    const c: Case = { name: 'inf/nan', x: [1, 4, 4, 1], filterSize: 2, strides: 2, pad: 'valid' };
    const xValues = new Float32Array([
      -Infinity, -Infinity, NaN, -2,
      -Infinity, -Infinity, -3, NaN,
      NaN, NaN, 0, 0,
      NaN, NaN, 0, 0,
    ]);
    const dyValues = new Float32Array([1, 2, 3, 4]);
    const expected = await maxPoolGradOn('cpu', c, xValues, dyValues);
    const actual = await maxPoolGradOn('wasm', c, xValues, dyValues);
    assert.deepEqual(Array.from(actual), Array.from(expected));
    assert.deepEqual(Array.from(actual), [0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0]);
  });

  test('leaves no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 6, 6, 3]);
    const y = tf.maxPool(x as tf.Tensor4D, 2, 2, 'same');
    const dy = tf.randomNormal(y.shape);
    assertNoLeaks(() => {
      const dx = tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: 2, strides: 2, pad: 'same' });
      (dx as tf.Tensor).dispose();
    });
    tf.dispose([x, y, dy]);
  });

  test('registerWasmKernels replaces the stock kernel, idempotently', () => {
    assertRegisteredIdempotently('MaxPoolGrad', maxPoolGradConfig);
  });

  test('end to end: gradient through BN-like shift -> maxPool on wasm equals cpu', async () => {
    const rng = Rng.fromSeed(17, 'e2e');
    const xValues = randomArray(rng, 4 * 8 * 8 * 6, -2);
    async function gradient(backend: string): Promise<Float32Array> {
      await tf.setBackend(backend);
      const x = tf.tensor4d(xValues, [4, 8, 8, 6]);
      const dx = tf.tidy(() => tf.grad((xx: tf.Tensor) => tf.sum(tf.square(tf.maxPool(xx as tf.Tensor4D, 2, 2, 'same'))))(x));
      const out = dx.dataSync() as Float32Array;
      tf.dispose([x, dx]);
      return out;
    }
    const expected = await gradient('cpu');
    const actual = await gradient('wasm');
    assert.ok(relativeError(actual, expected) <= TOLERANCE);
  });
});
