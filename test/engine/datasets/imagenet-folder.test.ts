// The ImageNet protocol: RandomResizedCrop's boxes (area 8–100%, ratio 3/4–4/3, the fallback), Resize + CenterCrop's
// geometry with Python's rounding, and a mini ImageNet-layout folder of odd-sized images read as `imagenet32:PATH`:
// centre crops for every plain read, random crops drawn as they decode — the same for the same (seed, epoch,
// image), others for another epoch — used by the training batches instead of pad-4 crops, ImageNet constants.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { batches } from '../../../src-main/engine/datasets/batches.ts';
import { IMAGENET_MEAN, IMAGENET_STD, randomResizedCrop, resizeCenterCrop, roundHalfEven } from '../../../src-main/engine/datasets/imagenet-transforms.ts';
import { openDataset } from '../../../src-main/engine/datasets/registry.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { NotFoundError } from '../../../src-shared/errors.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pwb-imagenet-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('RandomResizedCrop: inside the image, 8–100% of its area, aspect 3/4–4/3; a strip falls back to its centre', () => {
  const rng = Rng.fromSeed(1, 'crops');
  let flips = 0;
  for (let k = 0; k < 2000; k++) {
    const [w, h] = [[500, 375], [64, 64], [300, 900]][k % 3]!;
    const b = randomResizedCrop(w, h, rng);
    assert.ok(b.left >= 0 && b.top >= 0 && b.left + b.width <= w && b.top + b.height <= h, JSON.stringify(b));
    const area = (b.width * b.height) / (w * h);
    // Rounding a side to whole pixels moves area and ratio a little past the drawn ones.
    assert.ok(area > 0.07 && area <= 1, `area ${area}`);
    assert.ok(b.width / b.height > 0.7 && b.width / b.height < 1.4, `ratio ${b.width / b.height}`);
    if (b.flip) flips++;
  }
  assert.ok(flips > 900 && flips < 1100, `${flips} flips of 2000`);
  // A 400×10 strip: no draw fits its ratio, so the centre crop at ratio 4/3: 13×10 (round(10·4/3)).
  const strip = randomResizedCrop(400, 10, Rng.fromSeed(2));
  assert.deepEqual({ ...strip, flip: false }, { left: 193, top: 0, width: 13, height: 10, flip: false });
});

test('Resize(256) + CenterCrop(224): the shorter side to 256, the crop where torchvision puts it', () => {
  assert.equal(roundHalfEven(58.5), 58);
  assert.equal(roundHalfEven(59.5), 60);
  // 500×375: 341×256; (341 − 224)/2 = 58.5 → 58 (Python's round), (256 − 224)/2 = 16.
  assert.deepEqual(resizeCenterCrop(500, 375, 224), { resizeWidth: 341, resizeHeight: 256, left: 58, top: 16 });
  assert.deepEqual(resizeCenterCrop(375, 500, 224), { resizeWidth: 256, resizeHeight: 341, left: 16, top: 58 });
  // Crop 32: resize ⌊32 · 256/224⌋ = 36.
  assert.deepEqual(resizeCenterCrop(40, 40, 32), { resizeWidth: 36, resizeHeight: 36, left: 2, top: 2 });
});

/** A w×h image: left half black, right half white (a flip or a crop shows in its columns). */
async function halves(path: string, w: number, h: number): Promise<void> {
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.fill(x < w / 2 ? 0 : 255, 3 * (y * w + x), 3 * (y * w + x) + 3);
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path);
}

test('imagenet32:PATH streams a folder of odd-sized images: centre crops to read, random crops to train on', async () => {
  const root = join(dir, 'mini');
  for (const p of ['train/a', 'train/b', 'val/a', 'val/b']) await mkdir(join(root, p), { recursive: true });
  const sizes = [[50, 40], [40, 64], [96, 48], [45, 45]];
  for (const [k, [w, h]] of sizes.entries()) await halves(join(root, `train/${k % 2 ? 'b' : 'a'}/${k}.png`), w!, h!);
  await halves(join(root, 'val/a/v.png'), 60, 40);
  await sharp({ create: { width: 70, height: 50, channels: 3, background: { r: 10, g: 20, b: 30 } } }).greyscale().jpeg().toFile(join(root, 'val/b/g.jpg'));

  const ds = await openDataset(`imagenet32:${root}`);
  assert.equal(ds.id, `imagenet32:${root}`);
  assert.deepEqual(ds.inputShape, [32, 32, 3]);
  assert.deepEqual([ds.mean, ds.std], [IMAGENET_MEAN, IMAGENET_STD]);
  assert.equal(ds.train.size, 4);
  assert.deepEqual([...ds.test.labels], [0, 1]);

  // Centre crop of the 60×40 halves image: resized to 54×36, crop columns 11..42 — black up to column 26 then white.
  const val = await ds.test.read([0, 1]);
  assert.equal(val.length, 2 * 32 * 32 * 3);
  const row = Array.from({ length: 32 }, (_, x) => val[3 * (16 * 32 + x)]!);
  assert.ok(row.slice(0, 14).every((v) => v < 30) && row.slice(18).every((v) => v > 225), row.join());
  assert.ok(val.subarray(32 * 32 * 3).every((v, i, a) => v === a[i - (i % 3)]), 'a grey image is read as RGB');

  const key = { seed: 3, epoch: 0 };
  const a = await ds.train.readAugmented!([0, 1, 2, 3], key);
  const again = await ds.train.readAugmented!([3, 2, 1, 0], key);
  for (let k = 0; k < 4; k++) {
    assert.deepEqual(a.subarray(k * 3072, (k + 1) * 3072), again.subarray((3 - k) * 3072, (4 - k) * 3072), `image ${k}: the same draws in any batch order`);
  }
  const next = await ds.train.readAugmented!([0, 1, 2, 3], { seed: 3, epoch: 1 });
  assert.notDeepEqual(a, next, 'another epoch, other crops');
  assert.notDeepEqual(a, await ds.train.read([0, 1, 2, 3]), 'a random crop is not the centre crop');

  // The batches take the decoder's crops (no pad-4 crop on top) and normalise by ImageNet's constants.
  const stream = batches(ds, 'train', { batchSize: 4, seed: 3, epoch: 0, shuffle: false, augment: true });
  const batch = (await stream.next()).value as { x: Float32Array };
  assert.ok(batch.x.every((v, i) => Math.abs(v - (a[i]! / 255 - IMAGENET_MEAN[i % 3]!) / IMAGENET_STD[i % 3]!) < 1e-5));
});

test("the built-in id 'imagenet': the cache folder's imagenet/ by the protocol, else one line saying where to put it", async () => {
  const cacheDir = join(dir, 'cache');
  await assert.rejects(openDataset('imagenet', { cacheDir }), (e: unknown) =>
    e instanceof NotFoundError && e.message.includes(join(cacheDir, 'imagenet')) && e.message.includes('--data imagenet:') && !e.message.includes('\n'));
  for (const p of ['train/n01', 'val/n01']) await mkdir(join(cacheDir, 'imagenet', p), { recursive: true });
  await halves(join(cacheDir, 'imagenet/train/n01/a.JPEG'), 300, 240);
  await halves(join(cacheDir, 'imagenet/val/n01/b.JPEG'), 260, 300);
  const ds = await openDataset('imagenet', { cacheDir });
  assert.deepEqual([ds.id, ds.name, ds.inputShape, ds.reportsTop5], ['imagenet', 'ImageNet (ILSVRC-2012)', [224, 224, 3], true]);
  assert.equal((await ds.test.read([0])).length, 224 * 224 * 3);
});
