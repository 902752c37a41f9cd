// countTopK: an example counts when its label is among the k largest logits; with k ≥ classes every example counts.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { countTopK } from '../../../src-main/engine/training/step.ts';

before(async () => {
  await selectBackend('cpu');
});

test('top-k hits by hand', () => {
  // Row 0: label 5 (logit 2) is the 6th largest of 7 (not in the top 5); row 1: label 0 is the 5th largest; row 2: the largest.
  const logits = tf.tensor2d([[7, 6, 5, 4, 3, 2, 1], [3, 7, 6, 5, 4, 1, 2], [0, 0, 9, 0, 0, 0, 0]]);
  const labels = tf.tensor1d([5, 0, 2], 'int32');
  assert.equal(countTopK(logits, labels, 5).dataSync()[0], 2);
  assert.equal(countTopK(logits, labels, 1).dataSync()[0], 1);
  assert.equal(countTopK(logits, labels, 9).dataSync()[0], 3, 'k above the class count: every example');
  tf.dispose([logits, labels]);
});
