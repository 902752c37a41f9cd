// The wasm DepthwiseConv2dNativeBackpropFilter / ...Input (per-tap slices, products and sums) against the
// cpu backend's kernels (the reference), on seeded random data; error max|wasm - cpu| / max(1, max|cpu|) ≤ 1e-4.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import { depthwiseConv2dNativeBackpropFilterConfig } from '../../../src-main/engine/kernels/DepthwiseConv2dNativeBackpropFilter.ts';
import { depthwiseConv2dNativeBackpropInputConfig } from '../../../src-main/engine/kernels/DepthwiseConv2dNativeBackpropInput.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { assertMatchesCpu, assertNoLeaks, assertRegisteredIdempotently, randomArray, setUpBackends, type ConvCase } from './compare-with-cpu.ts';

const cases: ConvCase[] = [
  { name: '3x3 s1 same', x: [2, 8, 8, 4], filter: [3, 3, 4, 1], strides: 1, pad: 'same' },
  { name: '3x3 s1 valid', x: [2, 7, 9, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'valid' },
  { name: '3x3 s2 valid, even sizes (after an explicit pad)', x: [2, 10, 10, 5], filter: [3, 3, 5, 1], strides: 2, pad: 'valid' },
  { name: '3x3 s2 valid, odd sizes', x: [3, 9, 7, 4], filter: [3, 3, 4, 1], strides: 2, pad: 'valid' },
  { name: '3x3 s2 same, odd sizes', x: [2, 9, 9, 6], filter: [3, 3, 6, 1], strides: 2, pad: 'same' },
  { name: '3x3 s1 numeric pad 1', x: [2, 6, 5, 3], filter: [3, 3, 3, 1], strides: 1, pad: 1 },
  { name: '5x5 s2 numeric pad 2', x: [2, 11, 12, 4], filter: [5, 5, 4, 1], strides: 2, pad: 2 },
  { name: 'training-sized 3x3 s1 same, 96 channels', x: [8, 16, 16, 96], filter: [3, 3, 96, 1], strides: 1, pad: 'same' },
];

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

describe('depthwise conv gradients on wasm', () => {
  before(setUpBackends);

  for (const c of cases) {
    const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, c.dimRoundingMode, true);
    const rng = Rng.fromSeed(6, c.name);
    const x = randomArray(rng, size(c.x));
    const w = randomArray(rng, size(c.filter));
    const dy = randomArray(rng, size(info.outShape));
    const attrs = { strides: c.strides, pad: c.pad, dilations: 1, dimRoundingMode: c.dimRoundingMode } as const;

    test(`filter gradient matches cpu: ${c.name}`, async () => {
      const run = () => tf.tidy(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter',
        { x: tf.tensor4d(x, c.x), dy: tf.tensor4d(dy, info.outShape) }, { ...attrs, filterShape: c.filter } as unknown as tf.NamedAttrMap) as tf.Tensor);
      await assertMatchesCpu(run, [...c.filter]);
    });

    test(`input gradient matches cpu: ${c.name}`, async () => {
      const run = () => tf.tidy(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput',
        { dy: tf.tensor4d(dy, info.outShape), filter: tf.tensor4d(w, c.filter) }, { ...attrs, inputShape: c.x } as unknown as tf.NamedAttrMap) as tf.Tensor);
      await assertMatchesCpu(run, [...c.x]);
    });
  }

  test('tf.grad of depthwiseConv2d (the path training takes) matches cpu, both gradients', async () => {
    const rng = Rng.fromSeed(6, 'grad');
    const xs = randomArray(rng, 2 * 9 * 9 * 4);
    const ws = randomArray(rng, 3 * 3 * 4);
    for (const which of [0, 1]) {
      const run = () => tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'valid')));
        return tf.grads(f)([tf.tensor4d(xs, [2, 9, 9, 4]), tf.tensor4d(ws, [3, 3, 4, 1])])[which]!;
      });
      await assertMatchesCpu(run, which === 0 ? [2, 9, 9, 4] : [3, 3, 4, 1]);
    }
  });

  test('leave no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    assertNoLeaks(() => {
      for (const c of cases.slice(0, 6)) {
        const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, undefined, true);
        const attrs = { strides: c.strides, pad: c.pad, dilations: 1 };
        tf.tidy(() => {
          const dy = tf.ones(info.outShape);
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: tf.ones(c.x), dy }, { ...attrs, filterShape: c.filter });
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: tf.ones(c.filter) }, { ...attrs, inputShape: c.x });
        });
      }
    });
  });

  test('reject a dy of the wrong shape, with a message', async () => {
    await tf.setBackend('wasm');
    const dy = tf.zeros([1, 3, 3, 2]);
    assert.throws(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: tf.zeros([3, 3, 2, 1]) },
      { strides: 1, pad: 'same', dilations: 1, inputShape: [1, 4, 4, 2] }), /dy has shape/);
    tf.dispose(dy);
  });

  test('registerWasmKernels adds both, idempotently', () => {
    assertRegisteredIdempotently('DepthwiseConv2dNativeBackpropFilter', depthwiseConv2dNativeBackpropFilterConfig);
    assertRegisteredIdempotently('DepthwiseConv2dNativeBackpropInput', depthwiseConv2dNativeBackpropInputConfig);
  });
});
