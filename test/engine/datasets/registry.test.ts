import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError, NotFoundError } from '../../../src-shared/errors.ts';
import { encodeIdx } from '../../../src-main/engine/datasets/idx.ts';
import { datasetIds, describeDatasets, detectFormat, openDataset } from '../../../src-main/engine/datasets/registry.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pwb-registry-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function idxFolder(d: string): Promise<void> {
  await mkdir(d, { recursive: true });
  // Ten classes, one training image each (every class needs training images).
  await writeFile(join(d, 'train-images-idx3-ubyte.gz'), gzipSync(encodeIdx('images', [10, 2, 2], new Uint8Array(40))));
  await writeFile(join(d, 'train-labels-idx1-ubyte.gz'), gzipSync(encodeIdx('labels', [10], Uint8Array.from([0, 9, 1, 8, 2, 7, 3, 6, 4, 5]))));
  await writeFile(join(d, 't10k-images-idx3-ubyte'), encodeIdx('images', [1, 2, 2], new Uint8Array(4)));
  await writeFile(join(d, 't10k-labels-idx1-ubyte'), encodeIdx('labels', [1], Uint8Array.from([3])));
}

test('built-in ids are listed with the embedded default first', () => {
  assert.deepEqual(datasetIds(), ['fashion-mnist-mini', 'fashion-mnist', 'cifar10', 'cifar100', 'imagenet']);
});

test('the embedded id opens; a built-in that is not downloaded says how to get it', async () => {
  assert.equal((await openDataset('fashion-mnist-mini')).train.size, 6000);
  const cacheDir = join(dir, 'empty-cache');
  await assert.rejects(openDataset('cifar10', { cacheDir }), (e: unknown) => e instanceof NotFoundError && /not downloaded/.test(e.message) && /download cifar10/.test(e.message));
});

test('a downloaded built-in opens from the cache folder with its class names', async () => {
  const cacheDir = join(dir, 'cache');
  await idxFolder(join(cacheDir, 'fashion-mnist'));
  const ds = await openDataset('fashion-mnist', { cacheDir });
  assert.equal(ds.id, 'fashion-mnist');
  assert.equal(ds.classNames[9], 'Ankle boot');
  const rows = await describeDatasets({ cacheDir });
  assert.deepEqual(rows.map((r) => [r.id, r.present]), [['fashion-mnist-mini', true], ['fashion-mnist', true], ['cifar10', false], ['cifar100', false], ['imagenet', false]]);
  assert.deepEqual(rows[0]!.inputShape, [28, 28, 1]);
  assert.equal(rows[3]!.classes, 100);
});

test('folders are detected by their files, or named by a prefix', async () => {
  const d = join(dir, 'digits');
  await idxFolder(d);
  assert.equal(detectFormat(d), 'idx');
  const ds = await openDataset(d);
  assert.equal(ds.id, `idx:${d}`);
  assert.equal(ds.classNames.length, 10);
  assert.equal((await openDataset(`idx:${d}`)).test.size, 1);
  await mkdir(join(dir, 'c100'));
  await writeFile(join(dir, 'c100', 'train.bin'), new Uint8Array(3074));
  await writeFile(join(dir, 'c100', 'test.bin'), new Uint8Array(3074));
  assert.equal(detectFormat(join(dir, 'c100')), 'cifar100');
  assert.equal((await openDataset(`cifar100:${join(dir, 'c100')}`)).classNames.length, 100);
});

test('unknown ids, missing paths and unrecognised folders are clear errors', async () => {
  await assert.rejects(openDataset('imagenet-21k'), (e: unknown) => e instanceof NotFoundError && /valid ids: fashion-mnist-mini, fashion-mnist, cifar10, cifar100, imagenet/.test(e.message));
  const missing = join(dir, 'no-such-folder');
  await assert.rejects(openDataset(missing), (e: unknown) => e instanceof NotFoundError && e.message.includes(missing));
  await assert.rejects(openDataset(`folder:${missing}`), (e: unknown) => e instanceof NotFoundError && e.message.includes(missing));
  await mkdir(join(dir, 'junk'));
  await assert.rejects(openDataset(join(dir, 'junk')), (e: unknown) => e instanceof DataError && /cannot tell the dataset format/.test(e.message));
});

test('an image folder with train/ but no test/ (or the reverse) says which folder is missing', async () => {
  await mkdir(join(dir, 'half', 'train', 'cat'), { recursive: true });
  await assert.rejects(openDataset(join(dir, 'half')), (e: unknown) => e instanceof DataError
    && e.message === `${join(dir, 'half')}: has a train/ image folder but no test/ (or val/) beside it; add one with the same class folders, holding the images to evaluate on`);
  await mkdir(join(dir, 'other-half', 'val', 'cat'), { recursive: true });
  await assert.rejects(openDataset(join(dir, 'other-half')), (e: unknown) => e instanceof DataError && /has a val\/ image folder but no train\/ beside it/.test(e.message));
});

test('an IDX set with no examples says which file is empty', async () => {
  const d = join(dir, 'empty-idx');
  await mkdir(d);
  const header = (magic: number, ...dims: number[]): Buffer => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(magic, 0);
    dims.forEach((v, i) => b.writeUInt32BE(v, 4 + 4 * i));
    return b;
  };
  for (const split of ['train', 't10k']) {
    await writeFile(join(d, `${split}-images-idx3-ubyte`), header(0x803, 0, 28, 28));
    await writeFile(join(d, `${split}-labels-idx1-ubyte`), header(0x801, 0));
  }
  await assert.rejects(openDataset(d), (e: unknown) => e instanceof DataError && /train-labels-idx1-ubyte: no labels; the training set is empty/.test(e.message));
});
