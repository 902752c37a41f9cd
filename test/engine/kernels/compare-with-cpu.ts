// Shared harness for the wasm kernel tests in this folder: each runs one of our wasm kernels and the cpu
// backend's kernel (the reference) on the same seeded random inputs and compares the two.
// Error measure: max|wasm - cpu| / max(1, max|cpu|) ≤ TOLERANCE. Also the common leak and registration checks.

import assert from 'node:assert/strict';
import * as tf from '../../../src-main/engine/tf.ts';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels, wasmKernels } from '../../../src-main/engine/kernels/register-all.ts';
import type { Rng } from '../../../src-main/engine/random.ts';

export const TOLERANCE = 1e-4;

/** A conv2d padding, as tf.conv2d and its gradient kernels take it (NHWC explicit padding included). */
export type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];

/** One conv2d geometry (NHWC input `x`, HWIO `filter`) for the Conv2DBackprop* tests. */
export interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * `size` standard normal values from `rng`, optionally quantized to `levels` levels (to create ties) and
 * then shifted by `shift`.
 */
export function randomArray(rng: Rng, size: number, shift = 0, levels = 0): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const v = rng.normal();
    out[i] = (levels > 0 ? Math.round(v * levels) / levels : v) + shift;
  }
  return out;
}

/** max|actual - expected| / max(1, max|expected|); asserts the lengths agree. */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  assert.equal(actual.length, expected.length);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxDiff / Math.max(1, maxRef);
}

/** Runs `f` with `backend` active and returns its result's values and shape (the tensor is disposed). */
export async function on(backend: string, f: () => tf.Tensor): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const t = f();
  const values = t.dataSync() as Float32Array;
  const shape = t.shape;
  t.dispose();
  return { values, shape };
}

/**
 * Runs `run` on cpu then on wasm; asserts both results have shape `shape` and that their relative error
 * is within TOLERANCE.
 */
export async function assertMatchesCpu(run: () => tf.Tensor, shape: number[]): Promise<void> {
  const expected = await on('cpu', run);
  const actual = await on('wasm', run);
  assert.deepEqual(actual.shape, shape);
  assert.deepEqual(expected.shape, shape);
  const err = relativeError(actual.values, expected.values);
  assert.ok(err <= TOLERANCE, `relative error ${err} > ${TOLERANCE}`);
}

/** For `before`: registers our wasm kernels, initializes the wasm backend, and leaves cpu active. */
export async function setUpBackends(): Promise<void> {
  registerWasmKernels();
  await tf.setBackend('wasm');
  await tf.setBackend('cpu');
}

/** Runs `body` and asserts it leaves the tensor count and the active backend's buffer count unchanged. */
export function assertNoLeaks(body: () => void): void {
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = tf.engine().backend.numDataIds();
  body();
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(tf.engine().backend.numDataIds(), buffersBefore);
}

/** Asserts registerWasmKernels can run twice and leaves `config` listed and registered for `kernelName` on wasm. */
export function assertRegisteredIdempotently(kernelName: string, config: tf.KernelConfig): void {
  registerWasmKernels();
  registerWasmKernels();
  assert.ok(wasmKernels.includes(config));
  assert.equal(tf.getKernel(kernelName, 'wasm'), config);
}
