import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { DataError, NotFoundError } from '../../../src-shared/errors.ts';
import { loadImageFolder } from '../../../src-main/engine/datasets/image-folder.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pwb-imgfolder-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function solid(path: string, w: number, h: number, rgb: [number, number, number], format: 'png' | 'jpeg', grey = false): Promise<void> {
  let img = sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });
  if (grey) img = img.greyscale();
  await img.toFormat(format).toFile(path);
}

async function makeFolder(name: string): Promise<string> {
  const root = join(dir, name);
  for (const p of ['train/cat', 'train/dog', 'val/cat', 'val/dog']) await mkdir(join(root, p), { recursive: true });
  await solid(join(root, 'train/cat/a.png'), 8, 6, [200, 10, 30], 'png');
  await solid(join(root, 'train/cat/b.JPG'), 8, 6, [20, 200, 40], 'jpeg');
  await solid(join(root, 'train/dog/c.png'), 16, 12, [90, 90, 90], 'png', true); // grey, other size
  await solid(join(root, 'train/dog/d.jpeg'), 8, 6, [0, 0, 250], 'jpeg');
  await writeFile(join(root, 'train/dog/notes.txt'), 'not an image');
  await solid(join(root, 'val/dog/e.png'), 8, 6, [1, 2, 3], 'png');
  return root;
}

test('an image folder lists classes and labels, and decodes to a fixed RGB size', async () => {
  const root = await makeFolder('ok');
  const ds = await loadImageFolder(root);
  assert.deepEqual(ds.classNames, ['cat', 'dog']);
  assert.deepEqual(ds.inputShape, [6, 8, 3]);
  assert.equal(ds.train.size, 4);
  assert.deepEqual([...ds.train.labels], [0, 0, 1, 1]);
  assert.equal(ds.test.size, 1);
  assert.deepEqual([...ds.test.labels], [1]);
  const px = await ds.train.read([2, 0]);
  assert.equal(px.length, 2 * 6 * 8 * 3);
  // The grey 16x12 PNG, resized to 8x6, becomes three equal channels of 90.
  assert.ok(px.subarray(0, 144).every((v) => v === 90));
  for (let p = 0; p < 48; p++) assert.deepEqual([...px.subarray(144 + 3 * p, 144 + 3 * p + 3)], [200, 10, 30]);
  const jpeg = await ds.train.read([1]);
  assert.ok(Math.abs(jpeg[0]! - 20) < 8 && Math.abs(jpeg[1]! - 200) < 8 && Math.abs(jpeg[2]! - 40) < 8);
  assert.deepEqual([...(await ds.test.read([0])).subarray(0, 3)], [1, 2, 3]);
  assert.equal(ds.mean.length, 3);
  // Per-channel means over the four training images (JPEG colours are approximate).
  assert.ok(Math.abs(ds.mean[0]! - (200 + 20 + 90 + 0) / 4 / 255) < 0.02, `red mean ${ds.mean[0]}`);
  assert.ok(Math.abs(ds.mean[2]! - (30 + 40 + 90 + 250) / 4 / 255) < 0.02, `blue mean ${ds.mean[2]}`);
  const sized = await loadImageFolder(root, { size: [4, 5] });
  assert.deepEqual(sized.inputShape, [4, 5, 3]);
  assert.equal((await sized.train.read([0, 1, 2])).length, 3 * 4 * 5 * 3);
});

test('normalisation: all training images of a folder; a CIFAR-10 folder uses the built-in cifar10 constants', async () => {
  const plain = await loadImageFolder(await makeFolder('stats'), { statsSample: 1 });
  // Every training image counts (statsSample only applies above 60,000): not the one-image sample.
  assert.ok(Math.abs(plain.mean[0]! - (200 + 20 + 90 + 0) / 4 / 255) < 0.02, `red mean ${plain.mean[0]}`);
  assert.match(plain.name, /\(normalised by all 4 training images\)$/);

  const root = join(dir, 'cifar-like');
  const classes = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  for (const c of classes) {
    for (const split of ['train', 'test']) await mkdir(join(root, split, c), { recursive: true });
    await solid(join(root, 'train', c, '0000.png'), 32, 32, [250, 250, 250], 'png');
    await solid(join(root, 'test', c, '0000.png'), 32, 32, [10, 10, 10], 'png');
  }
  const cifar = await loadImageFolder(root);
  assert.deepEqual(cifar.mean, [0.4914, 0.4822, 0.4465], 'the reference constants, not these white images');
  assert.deepEqual(cifar.std, [0.2023, 0.1994, 0.201]);
  assert.match(cifar.name, /\(normalised by CIFAR-10's reference constants\)$/);
  const other = await loadImageFolder(root, { size: [16, 16] });
  assert.ok(other.mean[0]! > 0.9, 'at another size it is not CIFAR-10: its own statistics');
});

test('images are decoded only when read; an unreadable one is a DataError naming it', async () => {
  const root = await makeFolder('lazy');
  const ds = await loadImageFolder(root);
  await writeFile(join(root, 'train/dog/d.jpeg'), 'garbage'); // damaged after opening
  assert.equal((await ds.train.read([0, 1, 2])).length, 3 * 144); // untouched by the damage
  await assert.rejects(ds.train.read([3]), (e: unknown) => e instanceof DataError && e.message.includes(join(root, 'train/dog/d.jpeg')));
});

test('a damaged image in test/ or train/ (a text file named .jpg, a truncated JPEG) is refused when the folder opens, in one line', async () => {
  for (const [split, name, damage] of [
    ['val', 'text', async (p: string) => writeFile(p, 'not a JPEG at all')],
    ['val', 'truncated', async (p: string) => {
      const full = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 9, g: 99, b: 199 } } }).jpeg().toBuffer();
      await writeFile(p, full.subarray(0, Math.floor(full.length / 2)));
    }],
    ['train', 'text', async (p: string) => writeFile(p, 'not a JPEG at all')],
  ] as const) {
    const root = await makeFolder(`damaged-${split}-${name}`);
    const bad = join(root, `${split}/cat/zz.jpg`);
    await mkdir(join(root, `${split}/cat`), { recursive: true });
    await damage(bad);
    await assert.rejects(loadImageFolder(root), (e: unknown) =>
      e instanceof DataError && e.message.startsWith(`${bad}: cannot decode image (`) && e.message.endsWith('replace or remove the file') && !e.message.includes('\n'),
      `${split} ${name}`);
  }
});

test('symbolic links to class folders and to images are followed; a broken one is a DataError naming it', async () => {
  const root = await makeFolder('linked');
  const elsewhere = join(dir, 'linked-elsewhere');
  await mkdir(join(elsewhere, 'bird'), { recursive: true });
  await solid(join(elsewhere, 'bird', 'f.png'), 8, 6, [5, 5, 5], 'png');
  await solid(join(elsewhere, 'g.png'), 8, 6, [7, 7, 7], 'png');
  await symlink(join(elsewhere, 'bird'), join(root, 'train', 'bird')); // a linked class folder
  await symlink(join(elsewhere, 'g.png'), join(root, 'val', 'dog', 'g.png')); // a linked image
  const ds = await loadImageFolder(root);
  assert.deepEqual(ds.classNames, ['bird', 'cat', 'dog']);
  assert.equal(ds.train.size, 5);
  assert.deepEqual([...ds.train.labels], [0, 1, 1, 2, 2]);
  assert.equal(ds.test.size, 2);
  assert.deepEqual([...(await ds.test.read([0])).subarray(0, 3)], [1, 2, 3]);
  assert.deepEqual([...(await ds.test.read([1])).subarray(0, 3)], [7, 7, 7]);

  const broken = join(root, 'train', 'cat', 'gone.png');
  await symlink(join(elsewhere, 'no-such.png'), broken);
  await assert.rejects(loadImageFolder(root), (e: unknown) => e instanceof DataError && e.message === `${broken}: a symbolic link to nothing (its target is missing); fix or remove the link`);
});

test('folders without classes, images, or train/ give clear errors', async () => {
  const empty = join(dir, 'empty');
  await mkdir(join(empty, 'train'), { recursive: true });
  await mkdir(join(empty, 'test'), { recursive: true });
  await assert.rejects(loadImageFolder(empty), (e: unknown) => e instanceof DataError && /train: no class subfolders/.test(e.message));
  await mkdir(join(empty, 'train', 'cls'));
  await assert.rejects(loadImageFolder(empty), (e: unknown) => e instanceof DataError && /cls: no \.jpg/.test(e.message));
  await assert.rejects(loadImageFolder(join(dir, 'nowhere')), (e: unknown) => e instanceof NotFoundError && /nowhere/.test(e.message));
  const noTrain = join(dir, 'notrain');
  await mkdir(noTrain);
  await assert.rejects(loadImageFolder(noTrain), (e: unknown) => e instanceof NotFoundError && /no train\//.test(e.message));
});
