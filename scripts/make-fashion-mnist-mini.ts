// Builds resources/datasets/fashion-mnist-mini/: a stratified subset of Fashion-MNIST (600 train and
// 100 test images per class, chosen by subsetIndices with a fixed seed), written as gzip'ed IDX with
// a manifest of SHA-256s and statistics. Deterministic: the same source files give the same bytes.
//
//   node scripts/make-fashion-mnist-mini.ts <folder with the four original Fashion-MNIST .gz files>

import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { IDX_FILES, type IdxArray, encodeIdx, findIdxFile, readIdxFile } from '../src-main/engine/datasets/idx.ts';
import { channelStats } from '../src-main/engine/datasets/in-memory.ts';
import { subsetIndices } from '../src-main/engine/datasets/subset.ts';
import { sha256File } from '../src-main/engine/datasets/download.ts';
import { FASHION_MNIST_CLASSES } from '../src-main/engine/datasets/catalog.ts';

const SEED = 2019;
const TRAIN_FRACTION = 0.1; // 6,000 of 60,000: 600 per class
const TEST_FRACTION = 0.1; // 1,000 of 10,000: 100 per class

const outDir = resolve(dirname(fileURLToPath(import.meta.url)), '../resources/datasets/fashion-mnist-mini');

function pick(images: IdxArray, labels: IdxArray, indices: Int32Array): { images: Uint8Array; labels: Uint8Array } {
  const b = images.dims[1]! * images.dims[2]!;
  const outImages = new Uint8Array(indices.length * b);
  const outLabels = new Uint8Array(indices.length);
  indices.forEach((i, k) => {
    outImages.set(images.data.subarray(i * b, (i + 1) * b), k * b);
    outLabels[k] = labels.data[i]!;
  });
  return { images: outImages, labels: outLabels };
}

function perClass(labels: Uint8Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const l of labels) counts[l]!++;
  return counts;
}

async function main(): Promise<void> {
  const src = process.argv[2];
  if (!src) {
    console.error('usage: node scripts/make-fashion-mnist-mini.ts <folder with the four Fashion-MNIST .gz files>');
    process.exit(2);
  }
  const path = (stem: string): string => {
    const p = findIdxFile(src, stem);
    if (!p) throw new Error(`${src}: missing ${stem}.gz`);
    return p;
  };
  const sourceFiles = [IDX_FILES.trainImages, IDX_FILES.trainLabels, IDX_FILES.testImages, IDX_FILES.testLabels].map(path);
  const [trI, trL, teI, teL] = await Promise.all([
    readIdxFile(sourceFiles[0]!, 'images'),
    readIdxFile(sourceFiles[1]!, 'labels'),
    readIdxFile(sourceFiles[2]!, 'images'),
    readIdxFile(sourceFiles[3]!, 'labels'),
  ]);
  const train = pick(trI, trL, subsetIndices(trL.data, TRAIN_FRACTION, SEED));
  const test = pick(teI, teL, subsetIndices(teL.data, TEST_FRACTION, SEED));
  const [rows, cols] = [trI.dims[1]!, trI.dims[2]!];

  await mkdir(outDir, { recursive: true });
  const outputs: [string, Uint8Array][] = [
    [`${IDX_FILES.trainImages}.gz`, encodeIdx('images', [train.labels.length, rows, cols], train.images)],
    [`${IDX_FILES.trainLabels}.gz`, encodeIdx('labels', [train.labels.length], train.labels)],
    [`${IDX_FILES.testImages}.gz`, encodeIdx('images', [test.labels.length, rows, cols], test.images)],
    [`${IDX_FILES.testLabels}.gz`, encodeIdx('labels', [test.labels.length], test.labels)],
  ];
  const files = [];
  for (const [name, bytes] of outputs) {
    // Node's gzip header has mtime 0 and no file name, so the output is byte-for-byte reproducible.
    const gz = gzipSync(bytes, { level: 9 });
    await writeFile(join(outDir, name), gz);
    files.push({ name, bytes: gz.length, sha256: createHash('sha256').update(gz).digest('hex') });
  }
  const stats = channelStats(train.images, 1);
  const manifest = {
    id: 'fashion-mnist-mini',
    name: 'Fashion-MNIST mini',
    description: 'Stratified subset of Fashion-MNIST: 600 train and 100 test images per class',
    origin: {
      dataset: 'Fashion-MNIST (Zalando Research), https://github.com/zalandoresearch/fashion-mnist',
      license: 'MIT',
      copyright: 'Copyright © [2017] Zalando SE, https://tech.zalando.com',
      sourceFiles: await Promise.all(sourceFiles.map(async (p) => ({ name: p.split('/').pop(), sha256: await sha256File(p) }))),
    },
    selection: { method: 'subsetIndices (src-main/engine/datasets/subset.ts), ascending original order', seed: SEED, trainFraction: TRAIN_FRACTION, testFraction: TEST_FRACTION },
    inputShape: [rows, cols, 1],
    classNames: FASHION_MNIST_CLASSES,
    train: { size: train.labels.length, perClass: perClass(train.labels) },
    test: { size: test.labels.length, perClass: perClass(test.labels) },
    mean: stats.mean,
    std: stats.std,
    files,
  };
  await writeFile(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`wrote ${outDir}: train ${manifest.train.size}, test ${manifest.test.size}, mean ${stats.mean}, std ${stats.std}`);
}

await main();
