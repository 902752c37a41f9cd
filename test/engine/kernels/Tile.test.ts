// The wasm Tile (block copies inside the heap) against the cpu backend's kernel, exactly (it only copies).

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { tileConfig } from '../../../src-main/engine/kernels/Tile.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { assertNoLeaks, assertRegisteredIdempotently, setUpBackends } from './compare-with-cpu.ts';

interface Case {
  name: string;
  shape: number[];
  reps: number[];
  dtype?: 'float32' | 'int32' | 'bool';
}

const cases: Case[] = [
  { name: 'BN gradient: [1,1,1,C] -> [N,H,W,C]', shape: [1, 1, 1, 16], reps: [4, 8, 8, 1] },
  { name: 'BN gradient, odd sizes', shape: [1, 1, 1, 5], reps: [3, 7, 5, 1] },
  { name: 'every axis', shape: [2, 3, 4, 5], reps: [2, 3, 1, 2] },
  { name: 'innermost axis, short blocks', shape: [3, 2], reps: [2, 7] },
  { name: 'innermost axis, long blocks', shape: [3, 20], reps: [1, 3] },
  { name: 'rank 1', shape: [7], reps: [5] },
  { name: 'rank 1, long', shape: [33], reps: [9] },
  { name: 'reps all 1', shape: [2, 3, 4], reps: [1, 1, 1] },
  { name: 'rank 5', shape: [2, 1, 3, 1, 9], reps: [1, 4, 2, 3, 2] },
  { name: 'rank 0', shape: [], reps: [] },
  { name: 'zero reps', shape: [2, 3], reps: [0, 2] },
  { name: 'int32', shape: [2, 1, 10], reps: [2, 3, 2], dtype: 'int32' },
  { name: 'bool', shape: [3, 1, 9], reps: [2, 5, 3], dtype: 'bool' },
];

describe('Tile on wasm', () => {
  before(setUpBackends);

  for (const c of cases) {
    test(`equals cpu: ${c.name}`, async () => {
      const rng = Rng.fromSeed(1, c.name);
      const size = c.shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: size }, () => {
        const v = rng.normal();
        return c.dtype === 'bool' ? (v > 0 ? 1 : 0) : c.dtype === 'int32' ? Math.round(v * 100) : v;
      });
      const results: { values: number[]; shape: number[] }[] = [];
      for (const backend of ['cpu', 'wasm']) {
        await tf.setBackend(backend);
        const t = tf.tidy(() => tf.engine().runKernel('Tile', { x: tf.tensor(values, c.shape, c.dtype ?? 'float32') }, { reps: c.reps }) as tf.Tensor);
        results.push({ values: Array.from(t.dataSync() as ArrayLike<number>), shape: t.shape });
        t.dispose();
      }
      assert.deepEqual(results[1].shape, results[0].shape);
      assert.deepEqual(results[1].values, results[0].values);
    });
  }

  test('leaves no tensors or wasm buffers behind; replaces the stock kernel idempotently', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([1, 1, 1, 8]);
    assertNoLeaks(() => {
      (tf.engine().runKernel('Tile', { x }, { reps: [2, 3, 3, 1] }) as tf.Tensor).dispose();
    });
    x.dispose();
    assertRegisteredIdempotently('Tile', tileConfig);
  });
});
