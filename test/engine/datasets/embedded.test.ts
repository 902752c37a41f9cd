import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataError } from '../../../src-shared/errors.ts';
import { batches } from '../../../src-main/engine/datasets/batches.ts';
import { embeddedDir, loadEmbedded } from '../../../src-main/engine/datasets/embedded.ts';

test('the embedded fashion-mnist-mini loads: 6000/1000, 10 balanced classes', async () => {
  const ds = await loadEmbedded();
  assert.equal(ds.id, 'fashion-mnist-mini');
  assert.equal(ds.source, 'embedded');
  assert.equal(ds.train.size, 6000);
  assert.equal(ds.test.size, 1000);
  assert.deepEqual(ds.inputShape, [28, 28, 1]);
  assert.equal(ds.classNames.length, 10);
  assert.equal(ds.classNames[9], 'Ankle boot');
  const count = (labels: Int32Array): number[] => {
    const c = new Array<number>(10).fill(0);
    for (const l of labels) c[l]!++;
    return c;
  };
  assert.deepEqual(count(ds.train.labels), new Array(10).fill(600));
  assert.deepEqual(count(ds.test.labels), new Array(10).fill(100));
});

test('normalisation gives about zero mean and unit std on the embedded training set', async () => {
  const ds = await loadEmbedded();
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for await (const b of batches(ds, 'train', { batchSize: 1000, seed: 1, epoch: 0, shuffle: false, augment: false })) {
    for (const v of b.x) {
      sum += v;
      sumSq += v * v;
    }
    n += b.x.length;
  }
  const mean = sum / n;
  assert.ok(Math.abs(mean) < 1e-3, `mean ${mean}`);
  assert.ok(Math.abs(Math.sqrt(sumSq / n - mean * mean) - 1) < 1e-3, 'std');
});

test('a damaged embedded file fails its checksum with a DataError', async () => {
  const copy = await mkdtemp(join(tmpdir(), 'pwb-embedded-'));
  try {
    await cp(embeddedDir(), copy, { recursive: true });
    await writeFile(join(copy, 't10k-labels-idx1-ubyte.gz'), 'tampered');
    await assert.rejects(loadEmbedded(copy), (e: unknown) => e instanceof DataError && /t10k-labels-idx1-ubyte\.gz: SHA-256/.test(e.message));
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});
