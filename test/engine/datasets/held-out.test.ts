// heldOutSplit: a stratified, fixed part of the training split that chooses the best epoch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../../../src-shared/errors.ts';
import { heldOutSplit } from '../../../src-main/engine/datasets/held-out.ts';

const labels = Int32Array.from({ length: 1000 }, (_, i) => (i * 7) % 10); // 100 per class, interleaved

test('round(f·n) of each class held out; the two parts are disjoint, ascending and cover the split', () => {
  const { train, val } = heldOutSplit(labels, 0.1);
  assert.equal(val.length, 100);
  assert.equal(train.length, 900);
  for (let c = 0; c < 10; c++) assert.equal(val.filter((i) => labels[i] === c).length, 10, `class ${c}`);
  const all = [...train, ...val].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual([...val], [...val].sort((a, b) => a - b));
  assert.deepEqual([...train], [...train].sort((a, b) => a - b));
});

test('the same images every time (no run seed involved), and not simply the first ones', () => {
  const a = heldOutSplit(labels, 0.2).val;
  assert.deepEqual(heldOutSplit(labels, 0.2).val, a);
  assert.notDeepEqual([...a], Array.from({ length: 200 }, (_, i) => i));
});

test('a fraction outside (0, 1), or one that leaves nothing to train on, is refused by name', () => {
  assert.throws(() => heldOutSplit(labels, 0), (e: unknown) => e instanceof ValidationError && /valSplit must be between 0 and 1 .*got 0/.test(e.message));
  assert.throws(() => heldOutSplit(labels, 1.5), ValidationError);
  assert.throws(() => heldOutSplit(Int32Array.from([0, 1, 2]), 0.3), /holds out all 3 training examples/);
});
