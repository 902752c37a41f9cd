// The wasm Conv2DBackpropFilter against the cpu backend's kernel (the reference), on seeded random data.
// Error measure: max|wasm - cpu| / max(1, max|cpu|) ≤ 1e-4.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilterConfig } from '../../../src-main/engine/kernels/Conv2DBackpropFilter.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import {
  TOLERANCE,
  assertMatchesCpu,
  assertNoLeaks,
  assertRegisteredIdempotently,
  randomArray,
  relativeError,
  setUpBackends,
} from './compare-with-cpu.ts';
import type { ConvCase as Case } from './compare-with-cpu.ts';

const cases: Case[] = [
  { name: '3x3 s1 same', x: [2, 8, 8, 4], filter: [3, 3, 4, 5], strides: 1, pad: 'same' },
  { name: '3x3 s1 valid', x: [2, 8, 8, 4], filter: [3, 3, 4, 5], strides: 1, pad: 'valid' },
  { name: '3x3 s2 same, odd sizes', x: [3, 9, 7, 4], filter: [3, 3, 4, 6], strides: 2, pad: 'same' },
  { name: '3x3 s2 valid, odd sizes', x: [3, 9, 7, 4], filter: [3, 3, 4, 6], strides: 2, pad: 'valid' },
  { name: '3x3 s2 valid, unused last row/col', x: [2, 10, 10, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { name: '3x3 s1 numeric pad 1', x: [2, 7, 9, 5], filter: [3, 3, 5, 3], strides: 1, pad: 1 },
  { name: '3x3 s2 numeric pad 2', x: [2, 11, 9, 4], filter: [3, 3, 4, 5], strides: 2, pad: 2 },
  { name: '3x3 s2 numeric pad 0, ceil rounding', x: [2, 8, 8, 2], filter: [3, 3, 2, 3], strides: 2, pad: 0, dimRoundingMode: 'ceil' },
  { name: '3x3 explicit pad', x: [2, 8, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: [[0, 0], [1, 0], [2, 1], [0, 0]] },
  { name: '3x3 explicit pad, s2', x: [2, 9, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: [[0, 0], [0, 2], [1, 1], [0, 0]] },
  { name: '1x1 s1 valid (matmul path)', x: [3, 6, 5, 7], filter: [1, 1, 7, 4], strides: 1, pad: 'valid' },
  { name: '1x1 s1 same', x: [2, 6, 6, 8], filter: [1, 1, 8, 8], strides: 1, pad: 'same' },
  { name: '1x1 s2 same (downsample shortcut)', x: [2, 9, 9, 8], filter: [1, 1, 8, 16], strides: 2, pad: 'same' },
  { name: '1x1 s1 numeric pad 1', x: [2, 5, 5, 3], filter: [1, 1, 3, 2], strides: 1, pad: 1 },
  { name: '5x5 s2 same, Cin 3', x: [2, 15, 15, 3], filter: [5, 5, 3, 8], strides: 2, pad: 'same' },
  { name: '7x7 s2 same, Cin 3 (ImageNet stem)', x: [2, 23, 23, 3], filter: [7, 7, 3, 8], strides: 2, pad: 'same' },
  { name: '7x7 s2 numeric pad 3, Cin 3', x: [1, 20, 20, 3], filter: [7, 7, 3, 4], strides: 2, pad: 3 },
  { name: 'batch 1, Cin 1', x: [1, 9, 9, 1], filter: [3, 3, 1, 4], strides: 1, pad: 'same' },
  { name: 'batch 1, Cin 1, Cout 1', x: [1, 6, 6, 1], filter: [3, 3, 1, 1], strides: 1, pad: 'valid' },
  { name: 'non-square filter, strides [1, 2]', x: [2, 8, 9, 3], filter: [3, 1, 3, 5], strides: [1, 2], pad: 'same' },
  { name: 'filter covers the input', x: [2, 5, 5, 2], filter: [5, 5, 2, 3], strides: 1, pad: 'valid' },
  { name: 'training-sized, 3x3 s1 same', x: [8, 16, 16, 16], filter: [3, 3, 16, 32], strides: 1, pad: 'same' },
];

describe('Conv2DBackpropFilter on wasm', () => {
  before(setUpBackends);

  for (const c of cases) {
    test(`matches cpu: ${c.name}`, async () => {
      const rng = Rng.fromSeed(7, c.name);
      const xValues = randomArray(rng, c.x.reduce((a, b) => a * b));
      const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, c.dimRoundingMode);
      const dyShape = info.outShape;
      const dyValues = randomArray(rng, dyShape.reduce((a, b) => a * b));
      const attrs = {
        strides: c.strides,
        pad: c.pad,
        dataFormat: 'NHWC',
        dimRoundingMode: c.dimRoundingMode,
        filterShape: c.filter,
      } as unknown as tf.NamedAttrMap;
      const run = () =>
        tf.tidy(
          () =>
            tf.engine().runKernel(
              'Conv2DBackpropFilter',
              { x: tf.tensor4d(xValues, c.x), dy: tf.tensor4d(dyValues, dyShape) },
              attrs,
            ) as tf.Tensor,
        );
      await assertMatchesCpu(run, c.filter);
    });
  }

  test('leaves no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 9, 9, 3]);
    const dy = tf.randomNormal([2, 5, 5, 4]);
    assertNoLeaks(() => {
      for (const [strides, pad, filter] of [
        [2, 'same', [3, 3, 3, 4]],
        [2, 'valid', [1, 1, 3, 4]],
      ] as const) {
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides, pad, dataFormat: 'NHWC', filterShape: [...filter] });
        (dw as tf.Tensor).dispose();
      }
      const x1 = tf.randomNormal([2, 5, 5, 3]);
      const dw1 = tf.engine().runKernel('Conv2DBackpropFilter', { x: x1, dy }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [1, 1, 3, 4] });
      (dw1 as tf.Tensor).dispose();
      x1.dispose();
    });
    tf.dispose([x, dy]);
  });

  test('rejects what it does not implement, with a message', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 4, 4, 2]);
    const dy = tf.zeros([1, 4, 4, 3]);
    const attrs = { strides: 1, pad: 'same', filterShape: [3, 3, 2, 3] };
    assert.throws(
      () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, dataFormat: 'NCHW' }),
      /dataFormat 'NHWC' only/,
    );
    assert.throws(
      () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, dataFormat: 'NHWC', dilations: 2 }),
      /dilations 1 only/,
    );
    assert.throws(
      () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: tf.zeros([1, 3, 3, 3]) }, { ...attrs, dataFormat: 'NHWC' }),
      /dy has shape/,
    );
    tf.dispose([x, dy]);
  });

  test('registerWasmKernels is idempotent and lists the kernel', () => {
    assertRegisteredIdempotently('Conv2DBackpropFilter', conv2DBackpropFilterConfig);
  });

  test('end to end: gradients of conv2d -> relu -> mean equal cpu, without leaks', async () => {
    const rng = Rng.fromSeed(11, 'e2e');
    const xShape: [number, number, number, number] = [4, 12, 12, 3];
    const xValues = randomArray(rng, 4 * 12 * 12 * 3);
    const w1Values = randomArray(rng, 3 * 3 * 3 * 8);
    const w2Values = randomArray(rng, 3 * 3 * 8 * 6);

    async function gradients(backend: string): Promise<Float32Array[]> {
      await tf.setBackend(backend);
      const x = tf.tensor4d(xValues, xShape);
      const w1 = tf.variable(tf.tensor4d(w1Values, [3, 3, 3, 8]), true, `w1-${backend}`);
      const w2 = tf.variable(tf.tensor4d(w2Values, [3, 3, 8, 6]), true, `w2-${backend}`);
      const loss = () =>
        tf.mean(tf.relu(tf.conv2d(tf.relu(tf.conv2d(x, w1, 1, 'same')), w2, 2, 'valid'))) as tf.Scalar;

      const tensorsBefore = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(loss, [w1, w2]);
      const out = [grads[w1.name].dataSync() as Float32Array, grads[w2.name].dataSync() as Float32Array];
      tf.dispose([value, ...Object.values(grads)]);
      // tf.grad w.r.t. the input as well (Conv2DBackpropInput, native on wasm), all inside a tidy.
      const dx = tf.tidy(() => tf.grad((xx: tf.Tensor) => tf.mean(tf.relu(tf.conv2d(xx as tf.Tensor4D, w1, 2, 'same'))))(x));
      out.push(dx.dataSync() as Float32Array);
      dx.dispose();
      assert.equal(tf.memory().numTensors, tensorsBefore, `tensors leaked on ${backend}`);
      tf.dispose([x, w1, w2]);
      return out;
    }

    const expected = await gradients('cpu');
    const actual = await gradients('wasm');
    for (let i = 0; i < expected.length; i++) {
      const err = relativeError(actual[i], expected[i]);
      assert.ok(err <= TOLERANCE, `gradient ${i}: relative error ${err} > ${TOLERANCE}`);
    }
  });
});
