import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../../../src-shared/errors.ts';
import { augmentBatch } from '../../../src-main/engine/datasets/augment.ts';
import { type Batch, type BatchOptions, batches } from '../../../src-main/engine/datasets/batches.ts';
import type { Dataset, InputShape } from '../../../src-main/engine/datasets/dataset.ts';
import { MemorySplit } from '../../../src-main/engine/datasets/in-memory.ts';
import { subsetIndices } from '../../../src-main/engine/datasets/subset.ts';
import { Rng } from '../../../src-main/engine/random.ts';

const SHAPE: InputShape = [6, 5, 2];
const IMG = 6 * 5 * 2;

/** 50 images; image k is filled with k (both channels), so x reveals which examples a batch holds. */
function fakeDataset(): Dataset {
  const n = 50;
  const pixels = new Uint8Array(n * IMG);
  for (let k = 0; k < n; k++) pixels.fill(k, k * IMG, (k + 1) * IMG);
  const labels = Int32Array.from({ length: n }, (_, k) => k % 5);
  const split = new MemorySplit(pixels, labels, SHAPE);
  return {
    id: 'fake', name: 'Fake', source: 'test', inputShape: SHAPE, classNames: ['a', 'b', 'c', 'd', 'e'],
    mean: [0, 0], std: [1 / 255, 1 / 255], // so x == pixel value
    augmentByDefault: false, train: split, test: split,
  };
}

async function collect(ds: Dataset, opts: BatchOptions): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of batches(ds, 'train', opts)) out.push(b);
  return out;
}

const ids = (bs: Batch[]): number[] => bs.flatMap((b) => Array.from({ length: b.n }, (_, k) => Math.round(b.x[k * IMG]!)));
const base: BatchOptions = { batchSize: 8, seed: 7, epoch: 0, shuffle: true, augment: false };

test('batches cover every example once, in an order fixed by (seed, epoch)', async () => {
  const ds = fakeDataset();
  const a = await collect(ds, base);
  assert.deepEqual(a.map((b) => b.n), [8, 8, 8, 8, 8, 8, 2]);
  assert.deepEqual([...ids(a)].sort((p, q) => p - q), Array.from({ length: 50 }, (_, i) => i));
  for (const b of a) for (let k = 0; k < b.n; k++) assert.equal(b.y[k], Math.round(b.x[k * IMG]!) % 5);
  assert.deepEqual(ids(await collect(ds, base)), ids(a));
  assert.notDeepEqual(ids(await collect(ds, { ...base, epoch: 1 })), ids(a));
  assert.notDeepEqual(ids(await collect(ds, { ...base, seed: 8 })), ids(a));
  assert.deepEqual(ids(await collect(ds, { ...base, shuffle: false })), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual((await collect(ds, { ...base, dropLast: true })).map((b) => b.n), [8, 8, 8, 8, 8, 8]);
});

test('limit takes the same N examples every epoch', async () => {
  const ds = fakeDataset();
  const e0 = ids(await collect(ds, { ...base, limit: 12 }));
  const e1 = ids(await collect(ds, { ...base, epoch: 1, limit: 12 }));
  assert.equal(e0.length, 12);
  assert.deepEqual([...e0].sort((p, q) => p - q), [...e1].sort((p, q) => p - q));
  assert.notDeepEqual(e0, e1);
});

test('augmentation keeps the shape, is deterministic per (seed, epoch), and is off when off', async () => {
  const ds = fakeDataset();
  // Distinct pixel values so crops and flips show.
  const pixels = Uint8Array.from({ length: 4 * IMG }, (_, i) => (i * 7) % 256);
  const aug1 = augmentBatch(pixels, 4, SHAPE, Rng.fromSeed(3, 'a'));
  const aug2 = augmentBatch(pixels, 4, SHAPE, Rng.fromSeed(3, 'a'));
  assert.equal(aug1.length, pixels.length);
  assert.deepEqual(aug1, aug2);
  assert.notDeepEqual(aug1, pixels);
  assert.deepEqual(augmentBatch(pixels, 4, SHAPE, Rng.fromSeed(3, 'a'), { padding: 0, flip: false }), pixels);
  const on = await collect(ds, { ...base, augment: true });
  const again = await collect(ds, { ...base, augment: true });
  assert.deepEqual(on.map((b) => [...b.x]), again.map((b) => [...b.x]));
  assert.deepEqual(on.map((b) => b.x.length), (await collect(ds, base)).map((b) => b.x.length));
});

test('crop and flip match torchvision RandomCrop(padding=4) + RandomHorizontalFlip', () => {
  // One 1-channel 6x5 image with pixel value 10*y + x + 1; find the offsets from the output.
  const shape: InputShape = [6, 5, 1];
  const img = Uint8Array.from({ length: 30 }, (_, i) => 10 * Math.floor(i / 5) + (i % 5) + 1);
  for (let s = 0; s < 20; s++) {
    const rng = Rng.fromSeed(s);
    const dy = rng.int(9) - 4;
    const dx = rng.int(9) - 4;
    const flip = rng.uniform() < 0.5;
    const out = augmentBatch(img, 1, shape, Rng.fromSeed(s), { padding: 4 });
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < 5; x++) {
        const sy = y + dy;
        const sx = (flip ? 4 - x : x) + dx;
        const want = sy >= 0 && sy < 6 && sx >= 0 && sx < 5 ? img[sy * 5 + sx] : 0;
        assert.equal(out[y * 5 + x], want, `seed ${s} (${y}, ${x})`);
      }
    }
  }
});

test('stratified subsets keep class proportions and depend on the seed', () => {
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i < 700 ? 0 : i < 900 ? 1 : 2));
  const s = subsetIndices(labels, 0.1, 1);
  const count = (c: number): number => [...s].filter((i) => labels[i] === c).length;
  assert.deepEqual([count(0), count(1), count(2)], [70, 20, 10]);
  assert.deepEqual([...s], [...s].sort((a, b) => a - b));
  assert.deepEqual(subsetIndices(labels, 0.1, 1), s);
  assert.notDeepEqual(subsetIndices(labels, 0.1, 2), s);
  assert.throws(() => subsetIndices(labels, 0, 1), ValidationError);
});

test('bad options are ValidationErrors', async () => {
  await assert.rejects(collect(fakeDataset(), { ...base, batchSize: 0 }), ValidationError);
});
