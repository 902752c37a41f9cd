// A held-out part of the training split (`valSplit`): the images the best epoch is chosen on, so that
// choosing it never looks at the test set. Stratified by class and fixed for a dataset and fraction —
// the same images for every seed and regime, so a baseline and the runs pruned from it are judged alike.
// The test set stays what the table's accuracies are measured on.
import { ValidationError } from '../../../src-shared/errors.ts';
import { subsetIndices } from './subset.ts';

/** The held-out images do not depend on a run's seed: one draw for every run. */
const HELD_OUT_SEED = 0;

export interface HeldOutSplit {
  /** Training examples left to train on, ascending. */
  train: Int32Array;
  /** Held-out examples, ascending: round(fraction · n) of each class (at least one). */
  val: Int32Array;
}

export function heldOutSplit(labels: ArrayLike<number>, fraction: number): HeldOutSplit {
  if (!(fraction > 0 && fraction < 1)) throw new ValidationError(`valSplit must be between 0 and 1 (exclusive), got ${fraction}`);
  const val = subsetIndices(labels, fraction, HELD_OUT_SEED, 'held-out');
  if (val.length >= labels.length) {
    throw new ValidationError(`valSplit ${fraction} holds out all ${labels.length} training examples: use a smaller fraction`);
  }
  const isVal = new Uint8Array(labels.length);
  for (const i of val) isVal[i] = 1;
  const train = new Int32Array(labels.length - val.length);
  let k = 0;
  for (let i = 0; i < labels.length; i++) if (!isVal[i]) train[k++] = i;
  return { train, val };
}
