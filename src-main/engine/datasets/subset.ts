// Deterministic subsets of a split: stratified by class (for `--scale`) and the first N of a seeded
// permutation (for `limit`). Both return ascending example indices.

import { ValidationError } from '../../../src-shared/errors.ts';
import { Rng } from '../random.ts';

/**
 * A stratified subset: from each class, round(count * fraction) examples (at least one where the
 * class has any), chosen by `seed` (and `stream`, so that two uses of one seed draw apart). Ascending
 * indices into `labels`.
 */
export function subsetIndices(labels: ArrayLike<number>, fraction: number, seed: number, stream = 'stratified-subset'): Int32Array {
  if (!(fraction > 0 && fraction <= 1)) throw new ValidationError(`subset fraction must be in (0, 1], got ${fraction}`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    let list = byClass.get(l);
    if (!list) byClass.set(l, (list = []));
    list.push(i);
  }
  const rng = Rng.fromSeed(seed, stream);
  const chosen: number[] = [];
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = Int32Array.from(byClass.get(cls)!);
    rng.shuffle(members);
    const take = Math.max(1, Math.round(members.length * fraction));
    for (let k = 0; k < take; k++) chosen.push(members[k]!);
  }
  return Int32Array.from(chosen).sort();
}

/** The first `n` entries of a seeded permutation of 0..size-1 (all of them if n >= size), ascending. */
export function limitIndices(size: number, n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 1) throw new ValidationError(`limit must be a positive integer, got ${n}`);
  const all = Int32Array.from({ length: size }, (_, i) => i);
  if (n >= size) return all;
  return Rng.fromSeed(seed, 'limit').shuffle(all).subarray(0, n).sort();
}
