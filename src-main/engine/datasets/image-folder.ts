// Image folders in the ImageNet layout: root/train/<class>/*.{jpg,jpeg,png} and root/val|test/<class>/...
// Class names are the sorted subfolder names of train/. Only file names are listed up front; pixels
// are decoded per read() with sharp, resized to one fixed size and returned as RGB uint8 HWC.

import { existsSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { DataError, NotFoundError, ValidationError } from '../../../src-shared/errors.ts';
import { Rng } from '../random.ts';
import type { Dataset, DatasetSplit, InputShape } from './dataset.ts';
import { CIFAR_MEAN, CIFAR_STD } from './cifar-binary.ts';
import { ChannelStats } from './in-memory.ts';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);
const DECODE_CONCURRENCY = 8;

export interface ImageFolderOptions {
  id?: string;
  name?: string;
  /** [height, width] every image is resized to (stretching); default: the first training image's size. */
  size?: [number, number];
  /** Above 60,000 training images, how many (a deterministic sample) estimate mean/std; default 1000. */
  statsSample?: number;
}

/** The test split's folder name: `test` if present, else `val`; null if neither. */
export function findTestFolder(root: string): string | null {
  for (const name of ['test', 'val']) {
    const p = join(root, name);
    if (existsSync(p) && statSync(p).isDirectory()) return p;
  }
  return null;
}

/**
 * Entries of `dir` of one kind, symbolic links followed (a class folder or an image may be a link:
 * datasets are often assembled that way). The layout is two levels deep and never recursed, so a
 * link loop cannot trap the scan. A broken link is a DataError naming it.
 */
async function listEntries(dir: string, kind: 'dir' | 'file'): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const target = await stat(join(dir, e.name)).catch(() => null);
      if (!target) {
        if (kind === 'dir' || IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase())) {
          throw new DataError(`${join(dir, e.name)}: a symbolic link to nothing (its target is missing); fix or remove the link`);
        }
        continue;
      }
      isDir = target.isDirectory();
      isFile = target.isFile();
    }
    if (kind === 'dir' ? isDir : isFile && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(e.name);
  }
  return out.sort();
}

const listDirs = (dir: string): Promise<string[]> => listEntries(dir, 'dir');
const listImages = (dir: string): Promise<string[]> => listEntries(dir, 'file');

/** Decodes one image to exactly [h, w, 3] uint8. */
export async function decodeImage(path: string, height: number, width: number): Promise<Uint8Array> {
  return decodeWith(path, (image) => image.resize(width, height, { fit: 'fill' }));
}

/** Decodes `path` through `pipeline` (crops, resizes) to RGB uint8: grey and alpha images made RGB. */
export async function decodeWith(path: string, pipeline: (image: Sharp, meta: Metadata) => Sharp, needsMeta = false): Promise<Uint8Array> {
  let data: Buffer;
  let info: OutputInfo;
  try {
    const image = sharp(path);
    const meta = needsMeta ? await image.metadata() : ({} as Metadata);
    ({ data, info } = await pipeline(image, meta).raw().toBuffer({ resolveWithObject: true }));
  } catch (e) {
    // libvips explains over several lines; the first says what is wrong.
    throw new DataError(`${path}: cannot decode image (${(e as Error).message.split('\n')[0]!.trim()}); replace or remove the file`);
  }
  const c = info.channels;
  const n = info.height * info.width;
  if (c === 3) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  // grey (1), grey+alpha (2), RGBA (4) -> RGB; alpha is dropped, not composited.
  const out = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    if (c <= 2) {
      const v = data[p * c]!;
      out[3 * p] = v;
      out[3 * p + 1] = v;
      out[3 * p + 2] = v;
    } else {
      out[3 * p] = data[p * c]!;
      out[3 * p + 1] = data[p * c + 1]!;
      out[3 * p + 2] = data[p * c + 2]!;
    }
  }
  return out;
}

/** How a folder's images become the network's input: every read, and (training) an augmented one. */
export interface ImageDecoder {
  /** One image as [h, w, 3] uint8, the same on every read. */
  decode(path: string): Promise<Uint8Array>;
  /** One image augmented by draws from `rng` (a split with it augments as it decodes: DatasetSplit.readAugmented). */
  augmented?(path: string, rng: Rng): Promise<Uint8Array>;
}

/** Every image resized to one size (stretching), augmented afterwards by the batches (pad-4 crop + flip). */
const stretchTo = (shape: InputShape): ImageDecoder => ({ decode: (path) => decodeImage(path, shape[0], shape[1]) });

export class ImageFolderSplit implements DatasetSplit {
  readonly size: number;
  readonly labels: Int32Array;
  readonly files: string[];
  readonly readAugmented?: DatasetSplit['readAugmented'];
  private readonly shape: InputShape;
  private readonly decoder: ImageDecoder;

  constructor(files: string[], labels: Int32Array, shape: InputShape, decoder: ImageDecoder = stretchTo(shape)) {
    this.files = files;
    this.labels = labels;
    this.size = files.length;
    this.shape = shape;
    this.decoder = decoder;
    const augmented = decoder.augmented;
    if (augmented) {
      this.readAugmented = (indices, key) => this.decodeAll(indices, (path, i) => augmented(path, Rng.fromSeed(key.seed, `crop-${key.epoch}-${i}`)));
    }
  }

  read(indices: ArrayLike<number>): Promise<Uint8Array> {
    return this.decodeAll(indices, (path) => this.decoder.decode(path));
  }

  private async decodeAll(indices: ArrayLike<number>, decode: (path: string, index: number) => Promise<Uint8Array>): Promise<Uint8Array> {
    const [h, w, c] = this.shape;
    const b = h * w * c;
    const out = new Uint8Array(indices.length * b);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < indices.length) {
        const k = next++;
        const i = indices[k]!;
        if (!Number.isInteger(i) || i < 0 || i >= this.size) {
          throw new ValidationError(`index ${i} is out of range for a split of ${this.size} examples`);
        }
        out.set(await decode(this.files[i]!, i), k * b);
      }
    };
    await Promise.all(Array.from({ length: Math.min(DECODE_CONCURRENCY, indices.length) }, worker));
    return out;
  }
}

/** Splits up to this many images are decoded in full when the folder is opened (≈ 5 s for CIFAR's 60,000). */
export const VERIFY_ALL_UP_TO = 60_000;

/** Decodes every image (a damaged one is a DataError naming it); `stats` also accumulates their channels. */
export async function verifyAll(split: ImageFolderSplit, stats?: ChannelStats): Promise<void> {
  const chunk = 512;
  for (let at = 0; at < split.size; at += chunk) {
    const batch = await split.read(Int32Array.from({ length: Math.min(chunk, split.size - at) }, (_, i) => at + i));
    stats?.add(batch);
  }
}

/**
 * The normalisation of datasets whose reference constants are known, recognised by their classes and
 * image size: a CIFAR-10 image folder uses the constants of the built-in `cifar10` (the reference's
 * transforms.Normalize, not the per-pixel std), so the same images are normalised the same by every loader.
 */
const KNOWN_STATS: Array<{ name: string; classes: string[]; shape: InputShape; mean: number[]; std: number[] }> = [
  { name: 'CIFAR-10', classes: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'], shape: [32, 32, 3], mean: CIFAR_MEAN, std: CIFAR_STD },
];

function knownStats(classNames: readonly string[], shape: InputShape): (typeof KNOWN_STATS)[number] | null {
  const sorted = [...classNames].sort();
  return KNOWN_STATS.find((k) => k.shape.every((d, i) => d === shape[i]) && k.classes.length === sorted.length && k.classes.every((c, i) => c === sorted[i])) ?? null;
}

async function scanSplit(dir: string, classNames: string[], isTrain: boolean): Promise<{ files: string[]; labels: Int32Array }> {
  const files: string[] = [];
  const labels: number[] = [];
  const present = await listDirs(dir);
  for (const cls of present) {
    if (!classNames.includes(cls)) {
      throw new DataError(`${join(dir, cls)}: class "${cls}" is not among the train/ classes (${classNames.join(', ')})`);
    }
  }
  for (let k = 0; k < classNames.length; k++) {
    const clsDir = join(dir, classNames[k]!);
    if (!existsSync(clsDir)) continue;
    const images = await listImages(clsDir);
    if (isTrain && images.length === 0) throw new DataError(`${clsDir}: no .jpg, .jpeg or .png images in this class folder`);
    for (const f of images) {
      files.push(join(clsDir, f));
      labels.push(k);
    }
  }
  if (files.length === 0) throw new DataError(`${dir}: no .jpg, .jpeg or .png images in its class folders`);
  return { files, labels: Int32Array.from(labels) };
}

async function estimateStats(split: ImageFolderSplit, sample: number): Promise<{ mean: number[]; std: number[] }> {
  // A fixed seed so the same folder always gets the same statistics.
  const order = split.size <= sample ? Int32Array.from({ length: split.size }, (_, i) => i) : Rng.fromSeed(0, 'image-folder-stats').shuffle(Int32Array.from({ length: split.size }, (_, i) => i)).subarray(0, sample).sort();
  const stats = new ChannelStats(3);
  const chunk = 64;
  for (let at = 0; at < order.length; at += chunk) stats.add(await split.read(order.subarray(at, at + chunk)));
  return stats.result();
}

/** Opens an image folder; lists files and decodes a sample for statistics, nothing more. */
/** The files and labels of a folder in the ImageNet layout (train/<class>/…, val|test/<class>/…), nothing decoded. */
export async function scanImageFolder(dir: string): Promise<{
  root: string; classNames: string[]; train: { files: string[]; labels: Int32Array }; test: { files: string[]; labels: Int32Array };
}> {
  const root = resolve(dir);
  if (!existsSync(root)) throw new NotFoundError(`${root}: no such folder`);
  const trainDir = join(root, 'train');
  if (!existsSync(trainDir) || !statSync(trainDir).isDirectory()) {
    throw new NotFoundError(`${root}: no train/ folder; an image folder needs train/<class>/*.jpg|png and val/ or test/`);
  }
  const testDir = findTestFolder(root);
  if (!testDir) throw new NotFoundError(`${root}: no val/ or test/ folder next to train/`);
  const classNames = await listDirs(trainDir);
  if (classNames.length === 0) throw new DataError(`${trainDir}: no class subfolders`);
  return { root, classNames, train: await scanSplit(trainDir, classNames, true), test: await scanSplit(testDir, classNames, false) };
}

export async function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): Promise<Dataset> {
  const { root, classNames, train, test } = await scanImageFolder(dir);

  let size = opts.size;
  if (size) {
    if (!size.every((s) => Number.isInteger(s) && s > 0)) throw new ValidationError(`image size must be two positive integers, got ${size.join('x')}`);
  } else {
    const first = train.files[0]!;
    let meta: Metadata;
    try {
      meta = await sharp(first).metadata();
    } catch (e) {
      throw new DataError(`${first}: cannot read image (${(e as Error).message})`);
    }
    if (!meta.width || !meta.height) throw new DataError(`${first}: image has no size`);
    size = [meta.height, meta.width];
  }
  const shape: InputShape = [size[0], size[1], 3];
  const trainSplit = new ImageFolderSplit(train.files, train.labels, shape);
  const sample = opts.statsSample ?? 1000;
  if (!Number.isInteger(sample) || sample < 1) throw new ValidationError(`statsSample must be a positive integer, got ${sample}`);
  const testSplit = new ImageFolderSplit(test.files, test.labels, shape);
  // Every image of both splits decodes before anything is written (a damaged test image would otherwise
  // fail the run after its first epoch); folders too large to check at each open are checked as read.
  // The training split's channel statistics come from all of it where it is decoded anyway, else from a
  // deterministic sample; a folder of a dataset with reference constants uses those.
  const known = knownStats(classNames, shape);
  const whole = trainSplit.size <= VERIFY_ALL_UP_TO ? new ChannelStats(3) : undefined;
  for (const split of [trainSplit, testSplit]) if (split.size <= VERIFY_ALL_UP_TO) await verifyAll(split, split === trainSplit ? whole : undefined);
  const { mean, std } = known ?? whole?.result() ?? (await estimateStats(trainSplit, sample));
  const normalisation = known
    ? `${known.name}'s reference constants`
    : whole ? `all ${trainSplit.size} training images` : `a sample of ${Math.min(sample, trainSplit.size)} training images`;
  return {
    id: opts.id ?? `folder:${root}`,
    name: opts.name ?? `Image folder ${basename(root)} (normalised by ${normalisation})`,
    source: root,
    inputShape: shape,
    classNames,
    mean,
    std,
    augmentByDefault: true,
    train: trainSplit,
    test: testSplit,
  };
}
