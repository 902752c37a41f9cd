// IDX files (the MNIST family, http://yann.lecun.com/exdb/mnist/): a big-endian header of
// magic 0x000008NN (0x08 = uint8, NN = number of dims), the dims as uint32, then the bytes.
// Images are [n, rows, cols] (magic 0x00000803), labels [n] (0x00000801). Files may be gzip'ed.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError, NotFoundError } from '../../../src-shared/errors.ts';
import type { Dataset, InputShape } from './dataset.ts';
import { MemorySplit, channelStats } from './in-memory.ts';

export type IdxKind = 'images' | 'labels';

const MAGIC: Record<IdxKind, number> = { images: 0x00000803, labels: 0x00000801 };
const KIND_TEXT: Record<IdxKind, string> = { images: 'IDX uint8 images', labels: 'IDX uint8 labels' };

export interface IdxArray {
  /** [n, rows, cols] for images, [n] for labels. */
  dims: number[];
  data: Uint8Array;
}

const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');

/** Parses IDX bytes (already gunzipped); `file` names the source in errors. */
export function parseIdx(bytes: Uint8Array, file: string, kind: IdxKind): IdxArray {
  const name = basename(file);
  const ndim = kind === 'images' ? 3 : 1;
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new DataError(`${name}: truncated: ${bytes.length} bytes, shorter than the ${headerBytes}-byte ${KIND_TEXT[kind]} header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== MAGIC[kind]) {
    throw new DataError(`${name}: wrong magic ${hex(magic)}, expected ${hex(MAGIC[kind])} (${KIND_TEXT[kind]})`);
  }
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) dims.push(view.getUint32(4 + 4 * d));
  const expected = headerBytes + dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'too long';
    throw new DataError(`${name}: ${what}: header says ${dims.join('x')} (${expected} bytes) but the file has ${bytes.length} bytes`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Reads an IDX file, gunzipping it when it starts with the gzip magic (whatever its name). */
export async function readIdxFile(path: string, kind: IdxKind): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${path}: no such file`);
    throw new DataError(`${path}: cannot read: ${(e as Error).message}`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new DataError(`${basename(path)}: not a valid gzip file (${(e as Error).message}); it may be truncated, download it again`);
    }
  }
  return parseIdx(bytes, path, kind);
}

/** IDX bytes (not gzip'ed) for `data` shaped `dims`; the inverse of parseIdx. */
export function encodeIdx(kind: IdxKind, dims: number[], data: Uint8Array): Uint8Array {
  const headerBytes = 4 + 4 * dims.length;
  const out = new Uint8Array(headerBytes + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC[kind]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, headerBytes);
  return out;
}

export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The path of `stem` in `dir`, as `stem.gz` or `stem`, or null. */
export function findIdxFile(dir: string, stem: string): string | null {
  for (const name of [`${stem}.gz`, stem]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return null;
}

export interface IdxFolderOptions {
  id?: string;
  name?: string;
  source?: string;
  /** Names by label; default "0".."K-1" with K = largest label + 1. */
  classNames?: string[];
  /** Known statistics (e.g. from a manifest); computed from the training images otherwise. */
  mean?: number[];
  std?: number[];
}

/**
 * Classes of a folder that names none: 0..K−1, K the largest training label + 1, each with training images
 * (not a handful beside hundreds). One stray byte, e.g. a 255 or a 10 among 0–9, would otherwise make a
 * 256- or 11-class model without a word.
 */
function inferClasses(labels: Uint8Array, file: string): string[] {
  const count = new Array<number>(256).fill(0);
  for (const l of labels) count[l]!++;
  const k = count.findLastIndex((c) => c > 0) + 1;
  const missing = count.slice(0, k).flatMap((c, i) => (c === 0 ? [i] : []));
  if (k === 0) throw new DataError(`${basename(file)}: no labels; the training set is empty`);
  if (missing.length > 0) {
    const at = labels.indexOf(k - 1);
    const list = missing.length > 6 ? `${missing.slice(0, 5).join(', ')}, … (${missing.length} classes)` : missing.join(', ');
    throw new DataError(
      `${basename(file)}: label ${k - 1} at index ${at}, but no training image has label ${list}: classes must be 0..K−1, ` +
        'each with training images; fix the labels (a stray byte?)',
    );
  }
  // A class with a handful of images beside classes of hundreds is a stray label, not a class.
  const sorted = count.slice(0, k).sort((a, b) => a - b);
  const median = sorted[Math.floor(k / 2)]!;
  const rare = count.slice(0, k).findIndex((c) => c < 10 && c < 0.01 * median);
  if (rare >= 0) {
    throw new DataError(
      `${basename(file)}: label ${rare} (first at index ${labels.indexOf(rare)}) has ${count[rare]} training image${count[rare] === 1 ? '' : 's'} ` +
        `while the median class has ${median}: a stray label, not a class; fix the labels`,
    );
  }
  return Array.from({ length: k }, (_, i) => String(i));
}

/** Every label is a class: 0 ≤ label < classes; else one line naming the file, the index and the value. */
function checkLabels(labels: Uint8Array, classes: number, file: string): void {
  const at = labels.findIndex((l) => l >= classes);
  if (at >= 0) {
    throw new DataError(`${basename(file)}: label ${labels[at]} at index ${at} is not a class (the dataset has ${classes}: 0–${classes - 1}); fix the labels`);
  }
}

/** Loads the four standard files (train/t10k images/labels, .gz or raw) from `dir`. */
export async function loadIdxFolder(dir: string, opts: IdxFolderOptions = {}): Promise<Dataset> {
  const root = resolve(dir);
  const need = (stem: string): string => {
    const p = findIdxFile(root, stem);
    if (!p) throw new NotFoundError(`${root}: missing ${stem}.gz (or ${stem}); an IDX folder needs the four MNIST-style files`);
    return p;
  };
  const files = {
    trainImages: need(IDX_FILES.trainImages),
    trainLabels: need(IDX_FILES.trainLabels),
    testImages: need(IDX_FILES.testImages),
    testLabels: need(IDX_FILES.testLabels),
  };
  const [trI, trL, teI, teL] = await Promise.all([
    readIdxFile(files.trainImages, 'images'),
    readIdxFile(files.trainLabels, 'labels'),
    readIdxFile(files.testImages, 'images'),
    readIdxFile(files.testLabels, 'labels'),
  ]);
  const pair = (img: IdxArray, lab: IdxArray, imgFile: string, labFile: string): void => {
    if (img.dims[0] !== lab.dims[0]) {
      throw new DataError(`${basename(imgFile)} has ${img.dims[0]} images but ${basename(labFile)} has ${lab.dims[0]} labels`);
    }
  };
  pair(trI, trL, files.trainImages, files.trainLabels);
  pair(teI, teL, files.testImages, files.testLabels);
  if (trI.dims[1] !== teI.dims[1] || trI.dims[2] !== teI.dims[2]) {
    throw new DataError(`${root}: train images are ${trI.dims.slice(1).join('x')} but test images are ${teI.dims.slice(1).join('x')}`);
  }
  const classNames = opts.classNames ?? inferClasses(trL.data, files.trainLabels);
  checkLabels(trL.data, classNames.length, files.trainLabels);
  checkLabels(teL.data, classNames.length, files.testLabels);
  const shape: InputShape = [trI.dims[1]!, trI.dims[2]!, 1];
  const stats = opts.mean && opts.std ? { mean: opts.mean, std: opts.std } : channelStats(trI.data, 1);
  return {
    id: opts.id ?? `idx:${root}`,
    name: opts.name ?? `IDX folder ${basename(root)}`,
    source: opts.source ?? root,
    inputShape: shape,
    classNames,
    mean: stats.mean,
    std: stats.std,
    // The MNIST family is trained without crop/flip in the reference setups.
    augmentByDefault: false,
    train: new MemorySplit(trI.data, Int32Array.from(trL.data), shape),
    test: new MemorySplit(teI.data, Int32Array.from(teL.data), shape),
  };
}
