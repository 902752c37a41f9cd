// Every on-disk dataset format, as an explicit list (like the model families and the pruning methods): how
// to recognise a folder of it and how to load one. A new format is a loader file plus one entry here; the
// registry (registry.ts) detects a folder's format by asking each in turn, in this order.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findCifarFolder, loadCifarFolder } from './cifar-binary.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { Dataset } from './dataset.ts';
import { IDX_FILES, findIdxFile, loadIdxFolder } from './idx.ts';
import { findTestFolder, loadImageFolder } from './image-folder.ts';
import { loadImageNetFolder } from './imagenet-folder.ts';

/** What a built-in dataset tells the loader of its folder (its id, name and class names). */
export interface KnownDataset {
  id?: string;
  name?: string;
  classNames?: readonly string[];
}

export interface FolderFormat {
  /** The prefix that forces it (`idx:PATH`). */
  id: 'idx' | 'cifar10' | 'cifar100' | 'folder' | 'imagenet';
  /** Whether `dir` holds a dataset of this format. */
  detect(dir: string): boolean;
  load(dir: string, opts: { imageSize?: [number, number] }, known?: KnownDataset): Promise<Dataset>;
}

const idx: FolderFormat = {
  id: 'idx',
  detect: (dir) => findIdxFile(dir, IDX_FILES.trainImages) !== null,
  load: (dir, _opts, known) => loadIdxFolder(dir, { id: known?.id, name: known?.name, classNames: known?.classNames as string[] | undefined }),
};

const cifar = (variant: 'cifar10' | 'cifar100'): FolderFormat => ({
  id: variant,
  detect: (dir) => findCifarFolder(dir, variant) !== null,
  load: (dir, _opts, known) => loadCifarFolder(dir, variant, { id: known?.id, name: known?.name }),
});

const imageFolder: FolderFormat = {
  id: 'folder',
  detect(dir) {
    const train = join(dir, 'train');
    return existsSync(train) && statSync(train).isDirectory() && findTestFolder(dir) !== null;
  },
  load: (dir, opts, known) => loadImageFolder(dir, { id: known?.id, name: known?.name, size: opts.imageSize }),
};

/**
 * The same layout read by the ImageNet protocol (random-resized crops, resize + centre crop, ImageNet constants):
 * chosen by its prefix, `imagenet:PATH` (a bare folder is the plain image folder, which comes first).
 */
const imagenetFolder: FolderFormat = {
  id: 'imagenet',
  detect: imageFolder.detect,
  load(dir, opts, known) {
    const size = opts.imageSize;
    if (size && size[0] !== size[1]) throw new ValidationError(`the ImageNet protocol crops squares: image size ${size.join('x')} is not one`);
    return loadImageNetFolder(dir, { id: known?.id, name: known?.name, ...(size ? { crop: size[0] } : {}) });
  },
};

export const folderFormats: FolderFormat[] = [idx, cifar('cifar10'), cifar('cifar100'), imageFolder, imagenetFolder];

export function folderFormat(id: FolderFormat['id']): FolderFormat {
  return folderFormats.find((f) => f.id === id)!;
}
