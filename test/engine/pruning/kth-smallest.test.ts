import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kthSmallestInPlace } from '../../../src-main/engine/pruning/kth-smallest.ts';
import { Rng } from '../../../src-main/engine/random.ts';

test('the k-th smallest equals the sorted array at k − 1: random values, many ties, sorted, reversed, every k of small arrays', () => {
  const rng = Rng.fromSeed(1, 'kth');
  const arrays: Float32Array[] = [
    Float32Array.from({ length: 5001 }, () => rng.normal()),
    Float32Array.from({ length: 4000 }, () => Math.floor(rng.uniform() * 7)),
    Float32Array.from({ length: 1000 }, (_, i) => i),
    Float32Array.from({ length: 1000 }, (_, i) => -i),
    new Float32Array(300).fill(0.5),
  ];
  for (const values of arrays) {
    const sorted = values.slice().sort();
    for (const k of [1, 2, Math.floor(values.length / 3), Math.floor(values.length / 2), values.length - 1, values.length]) {
      assert.equal(kthSmallestInPlace(values.slice(), k), sorted[k - 1], `k = ${k} of ${values.length}`);
    }
  }
  for (let n = 1; n <= 9; n++) {
    const values = Float32Array.from({ length: n }, () => Math.floor(rng.uniform() * 4));
    const sorted = values.slice().sort();
    for (let k = 1; k <= n; k++) assert.equal(kthSmallestInPlace(values.slice(), k), sorted[k - 1]);
  }
});

test('k outside 1..n is refused', () => {
  assert.throws(() => kthSmallestInPlace(new Float32Array(3), 0), RangeError);
  assert.throws(() => kthSmallestInPlace(new Float32Array(3), 4), RangeError);
});
