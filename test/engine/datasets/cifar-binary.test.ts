import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DataError, NotFoundError } from '../../../src-shared/errors.ts';
import { CIFAR_MEAN, loadCifarFolder } from '../../../src-main/engine/datasets/cifar-binary.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pwb-cifar-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Channel-c value at (y, x) of record r: distinct for every (r, c, y, x) mod 256. */
const value = (r: number, c: number, y: number, x: number): number => (r * 31 + c * 101 + y * 7 + x * 3) % 256;

/** Records in the official layout: label byte(s), then 1024 R, 1024 G, 1024 B (row-major). */
function records(labels: number[][], first: number): Uint8Array {
  const lb = labels[0]!.length;
  const out = new Uint8Array(labels.length * (lb + 3072));
  labels.forEach((l, i) => {
    const base = i * (lb + 3072);
    out.set(l, base);
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[base + lb + c * 1024 + y * 32 + x] = value(first + i, c, y, x);
  });
  return out;
}

function assertHwc(pixels: Uint8Array, records: number[]): void {
  records.forEach((r, k) => {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        for (let c = 0; c < 3; c++) {
          const got = pixels[k * 3072 + (y * 32 + x) * 3 + c];
          if (got !== value(r, c, y, x)) assert.fail(`record ${r} pixel (${y}, ${x}, ${c}): ${got} != ${value(r, c, y, x)}`);
        }
      }
    }
  });
}

test('CIFAR-10 binaries load as HWC, pixel by pixel, from the tarball folder name', async () => {
  const d = join(dir, 'c10', 'cifar-10-batches-bin');
  await mkdir(d, { recursive: true });
  for (let b = 1; b <= 5; b++) await writeFile(join(d, `data_batch_${b}.bin`), records([[b - 1], [9]], (b - 1) * 2));
  await writeFile(join(d, 'test_batch.bin'), records([[3]], 100));
  await writeFile(join(d, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n');
  const ds = await loadCifarFolder(join(dir, 'c10'), 'cifar10');
  assert.equal(ds.train.size, 10);
  assert.equal(ds.test.size, 1);
  assert.deepEqual([...ds.train.labels], [0, 9, 1, 9, 2, 9, 3, 9, 4, 9]);
  assert.deepEqual(ds.classNames, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
  assert.deepEqual(ds.inputShape, [32, 32, 3]);
  assert.deepEqual(ds.mean, CIFAR_MEAN);
  assertHwc(await ds.train.read([7, 0, 4]), [7, 0, 4]);
  assertHwc(await ds.test.read([0]), [100]);
});

test('CIFAR-100 binaries use the fine label (second byte)', async () => {
  const d = join(dir, 'c100');
  await mkdir(d, { recursive: true });
  await writeFile(join(d, 'train.bin'), records([[1, 42], [19, 99], [0, 0]], 0));
  await writeFile(join(d, 'test.bin'), records([[5, 57]], 50));
  await writeFile(join(d, 'fine_label_names.txt'), Array.from({ length: 100 }, (_, i) => `fine${i}`).join('\n') + '\n');
  const ds = await loadCifarFolder(d, 'cifar100');
  assert.deepEqual([...ds.train.labels], [42, 99, 0]);
  assert.deepEqual([...ds.test.labels], [57]);
  assert.equal(ds.classNames[42], 'fine42');
  assertHwc(await ds.train.read([2, 1, 0]), [2, 1, 0]);
});

test('a CIFAR file that is not whole records is a DataError naming it', async () => {
  const d = join(dir, 'bad');
  await mkdir(d, { recursive: true });
  await writeFile(join(d, 'train.bin'), records([[0, 1]], 0).subarray(0, 3000));
  await writeFile(join(d, 'test.bin'), records([[0, 1]], 0));
  await assert.rejects(loadCifarFolder(d, 'cifar100'), (e: unknown) => e instanceof DataError && /train\.bin: 3000 bytes/.test(e.message));
});

test('a missing CIFAR batch is a NotFoundError naming it', async () => {
  const d = join(dir, 'partial');
  await mkdir(d, { recursive: true });
  await writeFile(join(d, 'data_batch_1.bin'), records([[0]], 0));
  await assert.rejects(loadCifarFolder(d, 'cifar10'), (e: unknown) => e instanceof NotFoundError && /data_batch_2\.bin/.test(e.message));
});
