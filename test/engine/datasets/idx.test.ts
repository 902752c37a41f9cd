import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError, NotFoundError } from '../../../src-shared/errors.ts';
import { encodeIdx, loadIdxFolder, readIdxFile } from '../../../src-main/engine/datasets/idx.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pwb-idx-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** n images of rows x cols whose pixel (k, y, x) = (k * 7 + y * 3 + x) % 256. */
function images(n: number, rows: number, cols: number): Uint8Array {
  const out = new Uint8Array(n * rows * cols);
  for (let k = 0; k < n; k++) for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) out[(k * rows + y) * cols + x] = (k * 7 + y * 3 + x) % 256;
  return out;
}

async function writeFolder(sub: string, gz: boolean): Promise<string> {
  const d = join(dir, sub);
  await import('node:fs/promises').then((fs) => fs.mkdir(d));
  const w = (name: string, bytes: Uint8Array): Promise<void> => writeFile(join(d, gz ? `${name}.gz` : name), gz ? gzipSync(bytes) : bytes);
  await w('train-images-idx3-ubyte', encodeIdx('images', [5, 4, 3], images(5, 4, 3)));
  await w('train-labels-idx1-ubyte', encodeIdx('labels', [5], Uint8Array.from([0, 1, 2, 1, 0])));
  await w('t10k-images-idx3-ubyte', encodeIdx('images', [2, 4, 3], images(2, 4, 3)));
  await w('t10k-labels-idx1-ubyte', encodeIdx('labels', [2], Uint8Array.from([2, 0])));
  return d;
}

for (const gz of [true, false]) {
  test(`IDX folder round-trips (${gz ? 'gzip' : 'raw'})`, async () => {
    const d = await writeFolder(gz ? 'gz' : 'raw', gz);
    const ds = await loadIdxFolder(d);
    assert.deepEqual(ds.inputShape, [4, 3, 1]);
    assert.equal(ds.train.size, 5);
    assert.equal(ds.test.size, 2);
    assert.deepEqual([...ds.train.labels], [0, 1, 2, 1, 0]);
    assert.deepEqual([...ds.test.labels], [2, 0]);
    assert.deepEqual(ds.classNames, ['0', '1', '2']);
    const px = await ds.train.read([3, 0]);
    const all = images(5, 4, 3);
    assert.deepEqual([...px.subarray(0, 12)], [...all.subarray(36, 48)]);
    assert.deepEqual([...px.subarray(12)], [...all.subarray(0, 12)]);
    // Statistics of the training pixels, in [0, 1] units.
    const v = [...all].map((p) => p / 255);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    assert.ok(Math.abs(ds.mean[0]! - mean) < 1e-5, `mean ${ds.mean[0]} vs ${mean}`);
    assert.ok(Math.abs(ds.std[0]! - std) < 1e-5, `std ${ds.std[0]} vs ${std}`);
  });
}

test('a truncated IDX file is a DataError naming the file', async () => {
  const full = encodeIdx('images', [3, 4, 4], new Uint8Array(48));
  const p = join(dir, 'train-images-idx3-ubyte');
  await writeFile(p, full.subarray(0, full.length - 5));
  await assert.rejects(readIdxFile(p, 'images'), (e: unknown) => e instanceof DataError && /train-images-idx3-ubyte: truncated/.test(e.message));
  // A truncated gzip stream is reported too.
  const pgz = join(dir, 'cut-images.gz');
  const gz = gzipSync(full);
  await writeFile(pgz, gz.subarray(0, gz.length - 10));
  await assert.rejects(readIdxFile(pgz, 'images'), (e: unknown) => e instanceof DataError && /cut-images\.gz/.test(e.message));
});

test('an IDX file longer than its header says is a DataError', async () => {
  const p = join(dir, 'long-labels');
  await writeFile(p, Uint8Array.from([...encodeIdx('labels', [3], new Uint8Array(3)), 7]));
  await assert.rejects(readIdxFile(p, 'labels'), (e: unknown) => e instanceof DataError && /long-labels: too long/.test(e.message));
});

test('a wrong magic number is a DataError naming the file and both magics', async () => {
  const p = join(dir, 'train-images-idx3-ubyte.gz');
  const labelsAsImages = encodeIdx('labels', [4], new Uint8Array(4));
  const bytes = Uint8Array.from(labelsAsImages);
  new DataView(bytes.buffer).setUint32(0, 0x00000802);
  await writeFile(p, gzipSync(Uint8Array.from([...bytes, ...new Uint8Array(8)])));
  await assert.rejects(
    readIdxFile(p, 'images'),
    (e: unknown) => e instanceof DataError && e.message === 'train-images-idx3-ubyte.gz: wrong magic 0x00000802, expected 0x00000803 (IDX uint8 images)',
  );
});

test('a folder missing an IDX file is a NotFoundError naming it', async () => {
  const d = await writeFolder('missing', true);
  await rm(join(d, 't10k-labels-idx1-ubyte.gz'));
  await assert.rejects(loadIdxFolder(d), (e: unknown) => e instanceof NotFoundError && /t10k-labels-idx1-ubyte/.test(e.message));
});

/** A raw IDX folder of `train` / `test` labels (images to match); returns its path. */
async function labelledFolder(sub: string, train: number[], test: number[]): Promise<string> {
  const d = join(dir, sub);
  await import('node:fs/promises').then((fs) => fs.mkdir(d));
  await writeFile(join(d, 'train-images-idx3-ubyte'), encodeIdx('images', [train.length, 2, 2], images(train.length, 2, 2)));
  await writeFile(join(d, 'train-labels-idx1-ubyte'), encodeIdx('labels', [train.length], Uint8Array.from(train)));
  await writeFile(join(d, 't10k-images-idx3-ubyte'), encodeIdx('images', [test.length, 2, 2], images(test.length, 2, 2)));
  await writeFile(join(d, 't10k-labels-idx1-ubyte'), encodeIdx('labels', [test.length], Uint8Array.from(test)));
  return d;
}

const tenClasses = (perClass: number): number[] => Array.from({ length: 10 * perClass }, (_, i) => i % 10);

test('labels out of range are refused with one line naming the file, index and value (not a bigger model)', async () => {
  const refused = async (sub: string, train: number[], test: number[], message: RegExp, classNames?: string[]): Promise<void> => {
    const d = await labelledFolder(sub, train, test);
    await assert.rejects(loadIdxFolder(d, { classNames }), (e: unknown) => e instanceof DataError && message.test(e.message) && !e.message.includes('\n'), sub);
  };
  // One 255 among 0–9 in the training labels: classes 10–254 have no image.
  await refused('stray-255', [...tenClasses(30), 255], [0, 1], /^train-labels-idx1-ubyte: label 255 at index 300, but no training image has label 10, 11, 12, 13, 14, … \(245 classes\)/);
  // One 10 among 0–9 (200 images each): a stray label, not an eleventh class.
  await refused('stray-10', [...tenClasses(200).slice(0, 150), 10, ...tenClasses(200).slice(150)], [0], /^train-labels-idx1-ubyte: label 10 \(first at index 150\) has 1 training image while the median class has 200: a stray label/);
  // 255 in the test labels only.
  await refused('test-255', tenClasses(3), [0, 255, 1], /^t10k-labels-idx1-ubyte: label 255 at index 1 is not a class \(the dataset has 10: 0–9\)/);
  // 10 with ten named classes.
  await refused('named-10', [...tenClasses(3), 10], [0], /^train-labels-idx1-ubyte: label 10 at index 30 is not a class \(the dataset has 10: 0–9\)/, tenClasses(1).map(String));
  // Every class present, small but even: accepted.
  const ok = await loadIdxFolder(await labelledFolder('even', tenClasses(2), [9, 0]));
  assert.equal(ok.classNames.length, 10);
});
