// The wasm Conv2DBackpropInput (polyphase forward convolutions through XNNPACK) against the cpu backend's
// kernel (the reference), on seeded random data. Error measure: max|wasm - cpu| / max(1, max|cpu|) ≤ 1e-4.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropInputConfig } from '../../../src-main/engine/kernels/Conv2DBackpropInput.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import {
  TOLERANCE,
  assertMatchesCpu,
  assertNoLeaks,
  assertRegisteredIdempotently,
  on,
  randomArray,
  relativeError,
  setUpBackends,
} from './compare-with-cpu.ts';
import type { ConvCase as Case } from './compare-with-cpu.ts';

const cases: Case[] = [
  { name: '3x3 s1 same', x: [2, 8, 8, 4], filter: [3, 3, 4, 5], strides: 1, pad: 'same' },
  { name: '3x3 s1 valid', x: [2, 8, 8, 4], filter: [3, 3, 4, 5], strides: 1, pad: 'valid' },
  { name: '3x3 s2 same, odd sizes', x: [3, 9, 7, 4], filter: [3, 3, 4, 6], strides: 2, pad: 'same' },
  { name: '3x3 s2 same, even sizes', x: [2, 8, 10, 4], filter: [3, 3, 4, 6], strides: 2, pad: 'same' },
  { name: '3x3 s2 valid, odd sizes', x: [3, 9, 7, 4], filter: [3, 3, 4, 6], strides: 2, pad: 'valid' },
  { name: '3x3 s2 valid, unused last row/col', x: [2, 10, 10, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { name: '3x3 s1 numeric pad 1', x: [2, 7, 9, 5], filter: [3, 3, 5, 3], strides: 1, pad: 1 },
  { name: '3x3 s1 numeric pad 4 (pads wider than the filter)', x: [2, 5, 6, 3], filter: [3, 3, 3, 4], strides: 1, pad: 4 },
  { name: '3x3 s2 numeric pad 2', x: [2, 11, 9, 4], filter: [3, 3, 4, 5], strides: 2, pad: 2 },
  { name: '3x3 s2 numeric pad 7 (whole phases in padding)', x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 7 },
  { name: '3x3 s2 numeric pad 0, ceil rounding', x: [2, 8, 8, 2], filter: [3, 3, 2, 3], strides: 2, pad: 0, dimRoundingMode: 'ceil' },
  { name: '3x3 explicit pad', x: [2, 8, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: [[0, 0], [1, 0], [2, 1], [0, 0]] },
  { name: '3x3 explicit pad, s2', x: [2, 9, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: [[0, 0], [0, 2], [1, 1], [0, 0]] },
  { name: '1x1 s1 valid (matmul path)', x: [3, 6, 5, 7], filter: [1, 1, 7, 4], strides: 1, pad: 'valid' },
  { name: '1x1 s1 same', x: [2, 6, 6, 8], filter: [1, 1, 8, 8], strides: 1, pad: 'same' },
  { name: '1x1 s2 same (downsample shortcut)', x: [2, 9, 9, 8], filter: [1, 1, 8, 16], strides: 2, pad: 'same' },
  { name: '1x1 s2 valid, even sizes', x: [2, 8, 8, 16], filter: [1, 1, 16, 8], strides: 2, pad: 'valid' },
  { name: '1x1 s1 numeric pad 1', x: [2, 5, 5, 3], filter: [1, 1, 3, 2], strides: 1, pad: 1 },
  { name: '5x5 s2 same, Cin 3', x: [2, 15, 15, 3], filter: [5, 5, 3, 8], strides: 2, pad: 'same' },
  { name: '5x5 s3 same', x: [2, 16, 15, 3], filter: [5, 5, 3, 8], strides: 3, pad: 'same' },
  { name: '7x7 s2 same, Cin 3 (ImageNet stem)', x: [2, 23, 23, 3], filter: [7, 7, 3, 8], strides: 2, pad: 'same' },
  { name: '7x7 s2 numeric pad 3, Cin 3', x: [1, 20, 20, 3], filter: [7, 7, 3, 4], strides: 2, pad: 3 },
  { name: 'batch 1, Cin 1', x: [1, 9, 9, 1], filter: [3, 3, 1, 4], strides: 1, pad: 'same' },
  { name: 'batch 1, Cin 1, Cout 1', x: [1, 6, 6, 1], filter: [3, 3, 1, 1], strides: 1, pad: 'valid' },
  { name: 'non-square filter, strides [1, 2]', x: [2, 8, 9, 3], filter: [3, 1, 3, 5], strides: [1, 2], pad: 'same' },
  { name: 'non-square filter, strides [2, 3], valid', x: [2, 15, 16, 3], filter: [3, 2, 3, 8], strides: [2, 3], pad: 'valid' },
  { name: 'filter covers the input', x: [2, 5, 5, 2], filter: [5, 5, 2, 3], strides: 1, pad: 'valid' },
  { name: 'training-sized, 3x3 s1 same', x: [8, 16, 16, 16], filter: [3, 3, 16, 32], strides: 1, pad: 'same' },
  { name: 'training-sized, 3x3 s2 same, 16 channels (copyWithin path)', x: [4, 16, 16, 16], filter: [3, 3, 16, 32], strides: 2, pad: 'same' },
];

describe('Conv2DBackpropInput on wasm', () => {
  before(setUpBackends);

  for (const c of cases) {
    test(`matches cpu: ${c.name}`, async () => {
      const rng = Rng.fromSeed(5, c.name);
      const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, c.dimRoundingMode);
      const dyShape = info.outShape;
      const dyValues = randomArray(rng, dyShape.reduce((a, b) => a * b));
      const wValues = randomArray(rng, c.filter.reduce((a, b) => a * b));
      const attrs = {
        strides: c.strides,
        pad: c.pad,
        dataFormat: 'NHWC',
        dimRoundingMode: c.dimRoundingMode,
        inputShape: c.x,
      } as unknown as tf.NamedAttrMap;
      const run = () =>
        tf.tidy(
          () =>
            tf.engine().runKernel(
              'Conv2DBackpropInput',
              { dy: tf.tensor4d(dyValues, dyShape), filter: tf.tensor4d(wValues, c.filter) },
              attrs,
            ) as tf.Tensor,
        );
      await assertMatchesCpu(run, c.x);
    });
  }

  test('matches cpu: NCHW (transposed around the NHWC kernel)', async () => {
    const rng = Rng.fromSeed(5, 'nchw');
    const inputShape = [2, 4, 9, 7]; // N, C, H, W
    const filterShape: [number, number, number, number] = [3, 3, 4, 6];
    const dyShape = [2, 6, 5, 4];
    const dyValues = randomArray(rng, 2 * 6 * 5 * 4);
    const wValues = randomArray(rng, 3 * 3 * 4 * 6);
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NCHW', inputShape } as unknown as tf.NamedAttrMap;
    const run = () =>
      tf.tidy(
        () =>
          tf.engine().runKernel(
            'Conv2DBackpropInput',
            { dy: tf.tensor(dyValues, dyShape), filter: tf.tensor4d(wValues, filterShape) },
            attrs,
          ) as tf.Tensor,
      );
    const expected = await on('cpu', run);
    const actual = await on('wasm', run);
    assert.deepEqual(actual.shape, inputShape);
    assert.ok(relativeError(actual.values, expected.values) <= TOLERANCE);
  });

  test('leaves no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const dy = tf.randomNormal([2, 5, 5, 4]);
    assertNoLeaks(() => {
      for (const [strides, pad, filter, inputShape] of [
        [1, 'same', [3, 3, 3, 4], [2, 5, 5, 3]],
        [2, 'same', [3, 3, 3, 4], [2, 9, 9, 3]],
        [2, 'valid', [1, 1, 3, 4], [2, 9, 9, 3]],
        [1, 'valid', [1, 1, 3, 4], [2, 5, 5, 3]],
        [1, 2, [3, 3, 3, 4], [2, 3, 3, 3]],
      ] as const) {
        const w = tf.randomNormal([...filter]);
        const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides, pad, dataFormat: 'NHWC', inputShape: [...inputShape] });
        (dx as tf.Tensor).dispose();
        w.dispose();
      }
    });
    dy.dispose();
  });

  test('rejects a dy of the wrong shape, with a message', async () => {
    await tf.setBackend('wasm');
    const dy = tf.zeros([1, 3, 3, 3]);
    const filter = tf.zeros([3, 3, 2, 3]);
    assert.throws(
      () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [1, 4, 4, 2] }),
      /dy has shape/,
    );
    tf.dispose([dy, filter]);
  });

  test('registerWasmKernels replaces the stock kernel, idempotently', () => {
    assertRegisteredIdempotently('Conv2DBackpropInput', conv2DBackpropInputConfig);
  });

  test('end to end: tf.grad w.r.t. the input of conv2d chains equals cpu, without leaks', async () => {
    const rng = Rng.fromSeed(13, 'e2e');
    const xShape: [number, number, number, number] = [3, 11, 12, 3];
    const xValues = randomArray(rng, 3 * 11 * 12 * 3);
    const w1Values = randomArray(rng, 3 * 3 * 3 * 8);
    const w2Values = randomArray(rng, 3 * 3 * 8 * 6);

    async function gradient(backend: string): Promise<Float32Array> {
      await tf.setBackend(backend);
      const x = tf.tensor4d(xValues, xShape);
      const w1 = tf.tensor4d(w1Values, [3, 3, 3, 8]);
      const w2 = tf.tensor4d(w2Values, [3, 3, 8, 6]);
      const tensorsBefore = tf.memory().numTensors;
      const dx = tf.tidy(() =>
        tf.grad((xx: tf.Tensor) =>
          tf.mean(tf.square(tf.conv2d(tf.relu(tf.conv2d(xx as tf.Tensor4D, w1, 1, 'same')), w2, 2, 'valid'))),
        )(x),
      );
      const out = dx.dataSync() as Float32Array;
      dx.dispose();
      assert.equal(tf.memory().numTensors, tensorsBefore, `tensors leaked on ${backend}`);
      tf.dispose([x, w1, w2]);
      return out;
    }

    const expected = await gradient('cpu');
    const actual = await gradient('wasm');
    assert.ok(relativeError(actual, expected) <= TOLERANCE);
  });
});
