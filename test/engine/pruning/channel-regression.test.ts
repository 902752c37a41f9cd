// The regression method's LASSO on problems whose answer is known.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Contributions } from '../../../src-main/engine/pruning/contributions.ts';
import { lassoDescent, lassoSelect } from '../../../src-main/engine/pruning/lasso.ts';
import { ridgeSolve } from '../../../src-main/engine/pruning/least-squares.ts';
import { Rng } from '../../../src-main/engine/random.ts';

const normals = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.normal());

test('LASSO keeps the two channels that carry the output; channels that cancel in pairs go, whatever their size', () => {
  // y = Σ_c x̂_c = 3a − 2b: channels 0/1, 3/4, 5/6, 8/9 are ±u pairs (each large, summing to 0).
  const rng = Rng.fromSeed(21);
  const rows = 200;
  const [a, b, u, v, w, z] = Array.from({ length: 6 }, () => normals(rng, rows));
  const contrib = new Contributions(10, rows);
  for (let r = 0; r < rows; r++) {
    contrib.push([5 * u![r]!, -5 * u![r]!, 3 * a![r]!, 4 * v![r]!, -4 * v![r]!, 2 * w![r]!, -2 * w![r]!, -2 * b![r]!, 6 * z![r]!, -6 * z![r]!]);
  }
  assert.deepEqual(lassoSelect(contrib, 2), [2, 7]);
  assert.deepEqual(lassoSelect(contrib, 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Fewer sampled rows than channels (the residual form of the descent): two carrying channels, the rest faint.
  const few = new Contributions(10, 8);
  for (let r = 0; r < 8; r++) few.push(Array.from({ length: 10 }, (_, c) => (c === 2 ? 3 * a![r]! : c === 7 ? -2 * b![r]! : 0.01 * u![(r * 10 + c) % rows]!)));
  assert.deepEqual(lassoSelect(few, 2), [2, 7]);
  // Channels no sample activates (zero columns) are never kept over one that carries the output, in either form.
  for (const rows of [8, 40]) {
    const sparse = new Contributions(12, rows);
    for (let r = 0; r < rows; r++) sparse.push(Array.from({ length: 12 }, (_, c) => (c === 9 ? a![r]! : c === 11 ? b![r]! : 0)));
    assert.deepEqual(lassoSelect(sparse, 2), [9, 11], `${rows} rows`);
  }
  const three = lassoSelect(contrib, 3);
  assert.equal(three.length, 3);
  assert.ok(three.includes(2) && three.includes(7), `${three}`);
});

test('at λ = 0 coordinate descent reaches the least-squares solution', () => {
  const rng = Rng.fromSeed(22);
  const n = 4;
  const rows = 50;
  const X = Array.from({ length: rows }, () => normals(rng, n));
  const y = X.map((row) => row[0]! - 0.5 * row[1]! + 2 * row[3]! + 0.1 * rng.normal());
  const gram = new Float64Array(n * n);
  const rhs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) gram[i * n + j] = X.reduce((s, row) => s + row[i]! * row[j]!, 0);
    rhs[i] = X.reduce((s, row, k) => s + row[i]! * y[k]!, 0);
  }
  const cd = lassoDescent(gram, rhs, n, 0, new Float64Array(n));
  const ls = ridgeSolve(gram, rhs, n, 1e-12, new Float64Array(n));
  cd.forEach((v, i) => assert.ok(Math.abs(v - ls[i]!) < 1e-6, `β${i}: ${v} vs ${ls[i]}`));
  // A large λ zeroes everything: λ ≥ max |Xᵀy|.
  const big = lassoDescent(gram, rhs, n, Math.max(...Array.from(rhs, Math.abs)), new Float64Array(n));
  assert.ok(big.every((v) => v === 0), `${big}`);
});
