// A dataset's fingerprint: what a worker compares with the coordinator's before it trains a run, so a
// run never trains on other data under the same id. It covers the shape, the classes, the sizes, the
// per-channel statistics (computed from the pixels) and every label — not each pixel (a folder of
// JPEGs would have to be decoded whole).
import { createHash } from 'node:crypto';
import type { Dataset } from '../engine/datasets/dataset.ts';

export function datasetFingerprint(dataset: Dataset): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({
    inputShape: dataset.inputShape, classNames: dataset.classNames, mean: dataset.mean, std: dataset.std,
    train: dataset.train.size, test: dataset.test.size,
  }));
  for (const split of [dataset.train, dataset.test]) h.update(new Uint8Array(split.labels.buffer, split.labels.byteOffset, split.labels.byteLength));
  return `sha256:${h.digest('hex')}`;
}
