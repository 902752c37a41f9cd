// Mini-batches for training and evaluation: a deterministic order for (seed, epoch), optional
// augmentation, normalisation to float32, and the next batch's read started before the consumer
// gets the current one (an image folder decodes while the model trains).

import { ValidationError } from '../../../src-shared/errors.ts';
import { Rng } from '../random.ts';
import { augmentBatch } from './augment.ts';
import type { Dataset } from './dataset.ts';
import { limitIndices } from './subset.ts';

export interface BatchOptions {
  batchSize: number;
  seed: number;
  epoch: number;
  shuffle: boolean;
  /** Pad-4 random crop + horizontal flip (see augment.ts). */
  augment: boolean;
  /** Drop a last batch smaller than batchSize. Default false. */
  dropLast?: boolean;
  /** Use only the first N examples of a permutation fixed by `seed` (the same N every epoch). */
  limit?: number;
  /** Use only these examples (e.g. from subsetIndices); applied before `limit`. */
  indices?: ArrayLike<number>;
}

export interface Batch {
  /** [n, h, w, c], (pixel / 255 - mean[c]) / std[c]. */
  x: Float32Array;
  /** [n] class indices. */
  y: Int32Array;
  n: number;
}

function checkOptions(opts: BatchOptions): void {
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new ValidationError(`batchSize must be a positive integer, got ${opts.batchSize}`);
  if (!Number.isInteger(opts.seed)) throw new ValidationError(`seed must be an integer, got ${opts.seed}`);
  if (!Number.isInteger(opts.epoch) || opts.epoch < 0) throw new ValidationError(`epoch must be a non-negative integer, got ${opts.epoch}`);
}

/** The example order of one epoch: the (limited) index set, shuffled by (seed, epoch) if asked. */
export function epochOrder(size: number, opts: BatchOptions): Int32Array {
  let order: Int32Array = opts.indices ? Int32Array.from(opts.indices) : Int32Array.from({ length: size }, (_, i) => i);
  for (const i of order) if (i < 0 || i >= size) throw new ValidationError(`index ${i} is out of range for a split of ${size} examples`);
  if (opts.limit !== undefined) {
    const pick = limitIndices(order.length, opts.limit, opts.seed);
    order = pick.map((k) => order[k]!);
  }
  if (opts.shuffle) Rng.fromSeed(opts.seed, `epoch-${opts.epoch}`).shuffle(order);
  return order;
}

/** Lookup tables [c][256] -> normalised float, so normalising is one load per byte. */
function normaliser(mean: number[], std: number[]): Float32Array[] {
  return mean.map((m, ch) => {
    const t = new Float32Array(256);
    for (let v = 0; v < 256; v++) t[v] = (v / 255 - m) / std[ch]!;
    return t;
  });
}

export async function* batches(ds: Dataset, split: 'train' | 'test', opts: BatchOptions): AsyncGenerator<Batch> {
  checkOptions(opts);
  const data = ds[split];
  const order = epochOrder(data.size, opts);
  const c = ds.inputShape[2];
  const lut = normaliser(ds.mean, ds.std);
  const augRng = Rng.fromSeed(opts.seed, `augment-${opts.epoch}`);
  const starts: number[] = [];
  for (let at = 0; at < order.length; at += opts.batchSize) {
    if (opts.dropLast && at + opts.batchSize > order.length) break;
    starts.push(at);
  }
  // A split that augments as it decodes (ImageNet's crops) does it there; the others get pad-4 crop + flip below.
  const decodeAugments = opts.augment && data.readAugmented !== undefined;
  const readAt = (b: number): Promise<Uint8Array> => {
    const indices = order.subarray(starts[b]!, starts[b]! + opts.batchSize);
    return decodeAugments ? data.readAugmented!(indices, { seed: opts.seed, epoch: opts.epoch }) : data.read(indices);
  };
  let pending = starts.length > 0 ? readAt(0) : null;
  for (let b = 0; b < starts.length; b++) {
    const idx = order.subarray(starts[b]!, starts[b]! + opts.batchSize);
    let pixels = await pending!;
    // Start the next read now; swallow its rejection here so it surfaces when awaited, not as unhandled.
    pending = b + 1 < starts.length ? readAt(b + 1) : null;
    pending?.catch(() => {});
    const n = idx.length;
    // Augmentation draws in batch order from one stream per epoch, so it depends on (seed, epoch) only.
    if (opts.augment && !decodeAugments) pixels = augmentBatch(pixels, n, ds.inputShape, augRng);
    const x = new Float32Array(pixels.length);
    for (let i = 0; i < pixels.length; i++) x[i] = lut[i % c]![pixels[i]!]!;
    const y = new Int32Array(n);
    for (let k = 0; k < n; k++) y[k] = data.labels[idx[k]!]!;
    yield { x, y, n };
  }
}
