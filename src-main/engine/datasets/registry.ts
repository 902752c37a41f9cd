// Dataset ids and paths -> loaders. Built-in ids: the embedded fashion-mnist-mini, the
// downloadable fashion-mnist, cifar10, cifar100 (read from the cache folder), and imagenet, which pwb cannot
// download: read from the cache folder's imagenet/ where the user puts or links it, by the ImageNet protocol. Anything else is a
// folder: `idx:PATH`, `cifar10:PATH`, `cifar100:PATH`, `folder:PATH`, `imagenet:PATH` (the ImageNet protocol;
// `imagenet64:PATH` crops 64×64 instead of 224×224), or a bare PATH whose format is detected from the files in it.

import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataError, NotFoundError } from '../../../src-shared/errors.ts';
import { type RemoteDataset, REMOTE_DATASETS, datasetDir, defaultCacheDir } from './catalog.ts';
import { findCifarFolder } from './cifar-binary.ts';
import type { Dataset, InputShape } from './dataset.ts';
import { EMBEDDED_ID, embeddedDir, loadEmbedded, readEmbeddedManifest } from './embedded.ts';
import { folderFormat, folderFormats, type FolderFormat } from './folder-formats.ts';
import { IDX_FILES, findIdxFile } from './idx.ts';

export interface OpenOptions {
  /** Where downloaded datasets live; default defaultCacheDir(). */
  cacheDir?: string;
  /** Image folders only: [height, width] to resize to. */
  imageSize?: [number, number];
}

/** ILSVRC-2012, in the ImageNet layout, from the cache folder (never downloaded: image-net.org's terms). */
export const IMAGENET_ID = 'imagenet';

/** Built-in ids, the embedded default first. */
export function datasetIds(): string[] {
  return [EMBEDDED_ID, ...REMOTE_DATASETS.map((d) => d.id), IMAGENET_ID];
}

/** The format of the dataset in `dir`, from the files it holds (folder-formats.ts, in its order); null if none fits. */
export function detectFormat(dir: string): FolderFormat['id'] | null {
  return folderFormats.find((f) => f.detect(dir))?.id ?? null;
}

function openFolder(format: FolderFormat['id'], dir: string, opts: OpenOptions, spec?: RemoteDataset): Promise<Dataset> {
  return folderFormat(format).load(dir, opts, spec);
}

function remotePresent(spec: RemoteDataset, cacheDir: string): boolean {
  const dir = datasetDir(cacheDir, spec.id);
  if (spec.format === 'idx') return Object.values(IDX_FILES).every((stem) => findIdxFile(dir, stem) !== null);
  return findCifarFolder(dir, spec.format) !== null;
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p;
}

/** Opens a built-in id, a `<format>:PATH`, or a folder whose format is detected. */
export async function openDataset(idOrPath: string, opts: OpenOptions = {}): Promise<Dataset> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  if (idOrPath === EMBEDDED_ID) return loadEmbedded();
  if (idOrPath === IMAGENET_ID) {
    const dir = datasetDir(cacheDir, IMAGENET_ID);
    if (!folderFormat('imagenet').detect(dir)) {
      throw new NotFoundError(
        `dataset "imagenet" is not here (looked in ${dir}); pwb cannot download ImageNet (image-net.org's terms): put or link an ILSVRC-2012 folder there ` +
          `with train/<wnid>/*.JPEG and val/<wnid>/*.JPEG (the validation images sorted into class folders, as PyTorch's ImageNet example expects), or pass --data imagenet:/path/to/it`,
      );
    }
    return folderFormat('imagenet').load(dir, opts, { id: IMAGENET_ID, name: 'ImageNet (ILSVRC-2012)' });
  }
  const spec = REMOTE_DATASETS.find((d) => d.id === idOrPath);
  if (spec) {
    if (!remotePresent(spec, cacheDir)) {
      throw new NotFoundError(
        `dataset "${spec.id}" is not downloaded (looked in ${datasetDir(cacheDir, spec.id)}); ` +
          `run \`pwb download ${spec.id}\`, or point at a folder that holds it, e.g. ${spec.format}:/path/to/folder`,
      );
    }
    return openFolder(spec.format, datasetDir(cacheDir, spec.id), opts, spec);
  }

  const prefixed = /^(idx|cifar10|cifar100|folder|imagenet(\d+)?):(.+)$/.exec(idOrPath);
  const path = resolve(expandHome(prefixed ? prefixed[3]! : idOrPath));
  const looksLikePath = prefixed !== null || /[\\/]/.test(idOrPath) || idOrPath.startsWith('.') || idOrPath.startsWith('~') || existsSync(path);
  if (!looksLikePath) {
    throw new NotFoundError(`unknown dataset "${idOrPath}"; valid ids: ${datasetIds().join(', ')}, or a folder path (optionally ${folderFormats.map((f) => `${f.id}:`).join(' ')}PATH)`);
  }
  if (!existsSync(path)) throw new NotFoundError(`${path}: no such folder`);
  if (!statSync(path).isDirectory()) throw new DataError(`${path}: is a file; a dataset is a folder (IDX files, CIFAR binaries or train/ + val|test/ image folders)`);
  const format = prefixed ? (prefixed[2] !== undefined ? 'imagenet' : (prefixed[1] as FolderFormat['id'])) : detectFormat(path);
  if (prefixed?.[2] !== undefined) opts = { ...opts, imageSize: [Number(prefixed[2]), Number(prefixed[2])] };
  if (!format) {
    const has = (name: string): boolean => existsSync(join(path, name)) && statSync(join(path, name)).isDirectory();
    if (has('train') && !has('test') && !has('val')) {
      throw new DataError(`${path}: has a train/ image folder but no test/ (or val/) beside it; add one with the same class folders, holding the images to evaluate on`);
    }
    if (!has('train') && (has('test') || has('val'))) {
      throw new DataError(`${path}: has a ${has('test') ? 'test' : 'val'}/ image folder but no train/ beside it; add one with the same class folders, holding the training images`);
    }
    throw new DataError(
      `${path}: cannot tell the dataset format; expected IDX files (train-images-idx3-ubyte[.gz], ...), CIFAR binaries ` +
        `(data_batch_1.bin... or train.bin/test.bin), or train/<class>/ and val/ or test/ image folders`,
    );
  }
  return openFolder(format, path, opts);
}

export interface DatasetRow {
  id: string;
  name: string;
  trainSize: number | null;
  testSize: number | null;
  inputShape: InputShape | null;
  classes: number | null;
  /** `embedded`, or the folder it is (or would be) read from. */
  where: string;
  present: boolean;
}

/** One row per built-in dataset, for `pwb datasets`; reads no image data. */
export async function describeDatasets(opts: { cacheDir?: string } = {}): Promise<DatasetRow[]> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const rows: DatasetRow[] = [];
  try {
    const m = await readEmbeddedManifest();
    rows.push({ id: EMBEDDED_ID, name: m.name, trainSize: m.train.size, testSize: m.test.size, inputShape: m.inputShape, classes: m.classNames.length, where: 'embedded', present: true });
  } catch {
    rows.push({ id: EMBEDDED_ID, name: 'Fashion-MNIST mini', trainSize: null, testSize: null, inputShape: null, classes: null, where: embeddedDir(), present: false });
  }
  for (const spec of REMOTE_DATASETS) {
    rows.push({
      id: spec.id,
      name: spec.name,
      trainSize: spec.trainSize,
      testSize: spec.testSize,
      inputShape: [...spec.inputShape],
      classes: spec.classes,
      where: datasetDir(cacheDir, spec.id),
      present: remotePresent(spec, cacheDir),
    });
  }
  const imagenet = datasetDir(cacheDir, IMAGENET_ID);
  rows.push({
    id: IMAGENET_ID, name: 'ImageNet (ILSVRC-2012; not downloadable: put or link it here)', trainSize: 1281167, testSize: 50000,
    inputShape: [224, 224, 3], classes: 1000, where: imagenet, present: folderFormat('imagenet').detect(imagenet),
  });
  return rows;
}
