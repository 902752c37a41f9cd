// Every on-disk dataset format, as an explicit list (like the model families and the pruning methods): how
// to recognise a folder of it and how to load one. A new format is a loader file plus one entry here; the
// registry (registry.ts) detects a folder's format by asking each in turn, in this order.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findCifarFolder, loadCifarFolder } from './cifar-binary.ts';
import type { Dataset } from './dataset.ts';
import { IDX_FILES, findIdxFile, loadIdxFolder } from './idx.ts';
import { findTestFolder, loadImageFolder } from './image-folder.ts';

/** What a built-in dataset tells the loader of its folder (its id, name and class names). */
export interface KnownDataset {
  id?: string;
  name?: string;
  classNames?: readonly string[];
}

export interface FolderFormat {
  /** The prefix that forces it (`idx:PATH`). */
  id: 'idx' | 'cifar10' | 'cifar100' | 'folder';
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

export const folderFormats: FolderFormat[] = [idx, cifar('cifar10'), cifar('cifar100'), imageFolder];

export function folderFormat(id: FolderFormat['id']): FolderFormat {
  return folderFormats.find((f) => f.id === id)!;
}
