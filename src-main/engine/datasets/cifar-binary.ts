// CIFAR-10 / CIFAR-100 in the official binary format (https://www.cs.toronto.edu/~kriz/cifar.html).
// CIFAR-10: data_batch_1..5.bin + test_batch.bin, records of <1 label byte><3072 pixel bytes>.
// CIFAR-100: train.bin + test.bin, records of <coarse label><fine label><3072 pixel bytes>; we use fine.
// Pixels are stored CHW (1024 red, 1024 green, 1024 blue, rows top to bottom); we keep HWC.

import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { DataError, NotFoundError } from '../../../src-shared/errors.ts';
import type { Dataset, InputShape } from './dataset.ts';
import { MemorySplit } from './in-memory.ts';

export type CifarVariant = 'cifar10' | 'cifar100';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;
const SHAPE: InputShape = [SIDE, SIDE, 3];

// Normalisation constants of the reference code (Eric-mingjie/rethinking-network-pruning,
// cifar/*/main.py: transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010))),
// used there for both CIFAR-10 and CIFAR-100; we keep them so results compare with the paper.
export const CIFAR_MEAN = [0.4914, 0.4822, 0.4465];
export const CIFAR_STD = [0.2023, 0.1994, 0.201];

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

interface Layout {
  folderInTarball: string;
  train: string[];
  test: string[];
  labelBytes: number;
  /** Which label byte is the class (CIFAR-100: byte 1 = fine label). */
  labelOffset: number;
  classes: number;
  namesFile: string;
  name: string;
}

const LAYOUTS: Record<CifarVariant, Layout> = {
  cifar10: {
    folderInTarball: 'cifar-10-batches-bin',
    train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
    test: ['test_batch.bin'],
    labelBytes: 1,
    labelOffset: 0,
    classes: 10,
    namesFile: 'batches.meta.txt',
    name: 'CIFAR-10',
  },
  cifar100: {
    folderInTarball: 'cifar-100-binary',
    train: ['train.bin'],
    test: ['test.bin'],
    labelBytes: 2,
    labelOffset: 1,
    classes: 100,
    namesFile: 'fine_label_names.txt',
    name: 'CIFAR-100',
  },
};

/** The folder holding the .bin files: `dir` itself or the folder the official tarball unpacks to. */
export function findCifarFolder(dir: string, variant: CifarVariant): string | null {
  const layout = LAYOUTS[variant];
  for (const candidate of [dir, join(dir, layout.folderInTarball)]) {
    if (existsSync(join(candidate, layout.train[0]!))) return candidate;
  }
  return null;
}

/** Decodes CIFAR records into HWC pixels and labels; `file` names the source in errors. */
export function parseCifarRecords(bytes: Uint8Array, file: string, variant: CifarVariant): { pixels: Uint8Array; labels: Int32Array } {
  const layout = LAYOUTS[variant];
  const record = layout.labelBytes + PIXELS;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new DataError(
      `${basename(file)}: ${bytes.length} bytes is not a whole number of ${record}-byte ${layout.name} records; the file is truncated or not ${layout.name} binary`,
    );
  }
  const n = bytes.length / record;
  const pixels = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const base = r * record;
    const label = bytes[base + layout.labelOffset]!;
    if (label >= layout.classes) {
      throw new DataError(`${basename(file)}: record ${r} has label ${label}, but ${layout.name} has ${layout.classes} classes`);
    }
    labels[r] = label;
    const src = base + layout.labelBytes;
    const dst = r * PIXELS;
    // CHW -> HWC
    for (let p = 0; p < PLANE; p++) {
      pixels[dst + 3 * p] = bytes[src + p]!;
      pixels[dst + 3 * p + 1] = bytes[src + PLANE + p]!;
      pixels[dst + 3 * p + 2] = bytes[src + 2 * PLANE + p]!;
    }
  }
  return { pixels, labels };
}

async function readSplit(folder: string, files: string[], variant: CifarVariant): Promise<MemorySplit> {
  const parts = await Promise.all(
    files.map(async (f) => parseCifarRecords(await readFile(join(folder, f)), join(folder, f), variant)),
  );
  const n = parts.reduce((a, p) => a + p.labels.length, 0);
  const pixels = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    pixels.set(p.pixels, at * PIXELS);
    labels.set(p.labels, at);
    at += p.labels.length;
  }
  return new MemorySplit(pixels, labels, SHAPE);
}

async function readClassNames(folder: string, layout: Layout, variant: CifarVariant): Promise<string[]> {
  const path = join(folder, layout.namesFile);
  // The names file is optional: without it CIFAR-10 uses its well-known names, CIFAR-100 numbers.
  if (!existsSync(path)) {
    return variant === 'cifar10' ? [...CIFAR10_CLASSES] : Array.from({ length: layout.classes }, (_, i) => String(i));
  }
  const names = (await readFile(path, 'utf8')).split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length !== layout.classes) {
    throw new DataError(`${path}: lists ${names.length} class names, expected ${layout.classes}`);
  }
  return names;
}

export interface CifarOptions {
  id?: string;
  name?: string;
}

/** Loads CIFAR-10 or CIFAR-100 binaries from `dir` (or its `cifar-10-batches-bin` / `cifar-100-binary`). */
export async function loadCifarFolder(dir: string, variant: CifarVariant, opts: CifarOptions = {}): Promise<Dataset> {
  const root = resolve(dir);
  const layout = LAYOUTS[variant];
  const folder = findCifarFolder(root, variant);
  if (!folder) {
    throw new NotFoundError(`${root}: no ${layout.train[0]} here or in ${layout.folderInTarball}/; is this a ${layout.name} binary folder?`);
  }
  for (const f of [...layout.train, ...layout.test]) {
    const p = join(folder, f);
    if (!existsSync(p) || !statSync(p).isFile()) throw new NotFoundError(`${p}: missing ${layout.name} file`);
  }
  const [train, test, classNames] = await Promise.all([
    readSplit(folder, layout.train, variant),
    readSplit(folder, layout.test, variant),
    readClassNames(folder, layout, variant),
  ]);
  return {
    id: opts.id ?? `${variant}:${root}`,
    name: opts.name ?? layout.name,
    source: folder,
    inputShape: [...SHAPE],
    classNames,
    mean: [...CIFAR_MEAN],
    std: [...CIFAR_STD],
    augmentByDefault: true,
    train,
    test,
  };
}
