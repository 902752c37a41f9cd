// An image folder read by the ImageNet protocol (imagenet-transforms.ts): `imagenet:PATH` for a folder in the
// ImageNet layout — train/<class>/*, val|test/<class>/* — of images of any size; `imagenet64:PATH` crops 64×64. Training images are random-resized
// crops with flips, drawn as they decode (DatasetSplit.readAugmented, keyed by seed, epoch and image); every other
// read (evaluation, held-out, planning images, training without augmentation) is resize + centre crop. Only file
// names are held: pixels are decoded per batch by libvips' threads (sharp), the next batch while the model trains,
// so a 1.28 M-image folder streams. Normalised by ImageNet's constants, as the reference.
import { basename } from 'node:path';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { Dataset, InputShape } from './dataset.ts';
import { decodeWith, ImageFolderSplit, scanImageFolder, verifyAll, VERIFY_ALL_UP_TO, type ImageDecoder } from './image-folder.ts';
import { evalResize, IMAGENET_MEAN, IMAGENET_STD, randomResizedCrop, resizeCenterCrop } from './imagenet-transforms.ts';

export interface ImageNetFolderOptions {
  id?: string;
  name?: string;
  /** The square crop the network sees (224: the reference's); evaluation resizes to ⌊crop · 256/224⌋ first. */
  crop?: number;
}

/** The ImageNet transforms at crop size `crop`, bilinear as torchvision's. */
export function imagenetDecoder(crop: number): ImageDecoder {
  return {
    decode: (path) => decodeWith(path, (image, meta) => {
      const at = resizeCenterCrop(meta.width!, meta.height!, crop);
      return image.resize(at.resizeWidth, at.resizeHeight, { fit: 'fill', kernel: 'linear' }).extract({ left: at.left, top: at.top, width: crop, height: crop });
    }, true),
    augmented: (path, rng) => decodeWith(path, (image, meta) => {
      const box = randomResizedCrop(meta.width!, meta.height!, rng);
      const cropped = image.extract({ left: box.left, top: box.top, width: box.width, height: box.height }).resize(crop, crop, { fit: 'fill', kernel: 'linear' });
      return box.flip ? cropped.flop() : cropped;
    }, true),
  };
}

export async function loadImageNetFolder(dir: string, opts: ImageNetFolderOptions = {}): Promise<Dataset> {
  const crop = opts.crop ?? 224;
  if (!Number.isInteger(crop) || crop < 8) throw new ValidationError(`ImageNet crop size must be an integer of at least 8, got ${crop}`);
  const { root, classNames, train, test } = await scanImageFolder(dir);
  const shape: InputShape = [crop, crop, 3];
  const decoder = imagenetDecoder(crop);
  const trainSplit = new ImageFolderSplit(train.files, train.labels, shape, decoder);
  const testSplit = new ImageFolderSplit(test.files, test.labels, shape, { decode: decoder.decode });
  // As for any image folder: a split small enough is decoded whole at open, so a damaged image fails here.
  for (const split of [trainSplit, testSplit]) if (split.size <= VERIFY_ALL_UP_TO) await verifyAll(split);
  return {
    id: opts.id ?? `imagenet${crop === 224 ? '' : crop}:${root}`,
    name: opts.name ?? `ImageNet-layout folder ${basename(root)} (random-resized ${crop}² crops, evaluation ${evalResize(crop)} → centre ${crop}², ImageNet mean/std)`,
    source: root,
    inputShape: shape,
    classNames,
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    augmentByDefault: true,
    reportsTop5: true,
    train: trainSplit,
    test: testSplit,
  };
}
