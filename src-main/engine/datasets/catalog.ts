// The built-in downloadable datasets: where their files come from, the checksums they must match,
// and the folder (under the cache dir) their loader reads. download.ts and registry.ts share this.

import { homedir } from 'node:os';
import { join } from 'node:path';
import envPaths from 'env-paths';

export interface RemoteFile {
  name: string;
  /** Accepted SHA-256 values (lower-case hex); the first is the official file's. */
  sha256: string[];
  bytes?: number;
}

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface RemoteDataset {
  id: string;
  name: string;
  /** Default base URL; a file's URL is `${base}/${file.name}` (overridable by a mirror). */
  baseUrl: string;
  files: RemoteFile[];
  /** Unpack .tar.gz files after download (and delete the archive). */
  extract: boolean;
  format: 'idx' | 'cifar10' | 'cifar100';
  trainSize: number;
  testSize: number;
  inputShape: [number, number, number];
  classes: number;
  /** Class names when the files do not carry them (IDX). */
  classNames?: string[];
}

export const REMOTE_DATASETS: RemoteDataset[] = [
  {
    id: 'fashion-mnist',
    name: 'Fashion-MNIST',
    baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com',
    // First value: the files served at baseUrl, from tensorflow/datasets
    // tensorflow_datasets/url_checksums/fashion_mnist.txt (their MD5s match the ones Zalando publishes,
    // e.g. train-images 8d4fb7e6c68d591d4c3dfef9ec88bf0d, listed by torchvision). Second value: the
    // same data re-gzip'ed without the file name in the gzip header, as Debian's dataset-fashion-mnist
    // ships it (computed from those files; the decompressed bytes are identical), so a mirror of
    // either verifies.
    files: [
      { name: 'train-images-idx3-ubyte.gz', bytes: 26421880, sha256: ['3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84', 'b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7'] },
      { name: 'train-labels-idx1-ubyte.gz', bytes: 29515, sha256: ['a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845', '0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056'] },
      { name: 't10k-images-idx3-ubyte.gz', bytes: 4422102, sha256: ['346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073', 'cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa'] },
      { name: 't10k-labels-idx1-ubyte.gz', bytes: 5148, sha256: ['67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5', '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05'] },
    ],
    extract: false,
    format: 'idx',
    trainSize: 60000,
    testSize: 10000,
    inputShape: [28, 28, 1],
    classes: 10,
    classNames: FASHION_MNIST_CLASSES,
  },
  {
    id: 'cifar10',
    name: 'CIFAR-10',
    baseUrl: 'https://www.cs.toronto.edu/~kriz',
    // SHA-256 and size from tensorflow/datasets tensorflow_datasets/url_checksums/cifar10.txt; the
    // authors' page (cs.toronto.edu/~kriz/cifar.html) publishes MD5 c32a1d4ab5d03f1284b67883e8d87530.
    files: [{ name: 'cifar-10-binary.tar.gz', bytes: 170052171, sha256: ['c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd'] }],
    extract: true,
    format: 'cifar10',
    trainSize: 50000,
    testSize: 10000,
    inputShape: [32, 32, 3],
    classes: 10,
  },
  {
    id: 'cifar100',
    name: 'CIFAR-100',
    baseUrl: 'https://www.cs.toronto.edu/~kriz',
    // SHA-256 and size from tensorflow/datasets tensorflow_datasets/url_checksums/cifar100.txt; the
    // authors' page publishes MD5 03b5dce01913d631647c71ecec9e9cb8.
    files: [{ name: 'cifar-100-binary.tar.gz', bytes: 168513733, sha256: ['58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec'] }],
    extract: true,
    format: 'cifar100',
    trainSize: 50000,
    testSize: 10000,
    inputShape: [32, 32, 3],
    classes: 100,
  },
];

export function remoteDataset(id: string): RemoteDataset | undefined {
  return REMOTE_DATASETS.find((d) => d.id === id);
}

/** `$PWB_DATASETS_DIR`, else the user's cache folder for the app + `/datasets`. */
export function defaultCacheDir(): string {
  const fromEnv = process.env.PWB_DATASETS_DIR;
  if (fromEnv) return fromEnv;
  try {
    return join(envPaths('pruning-workbench', { suffix: '' }).cache, 'datasets');
  } catch {
    return join(homedir(), '.cache', 'pruning-workbench', 'datasets');
  }
}

/** Where a downloaded dataset lives: `<cacheDir>/<id>`. */
export function datasetDir(cacheDir: string, id: string): string {
  return join(cacheDir, id);
}
