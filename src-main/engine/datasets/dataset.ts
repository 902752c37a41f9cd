// The contract every dataset loader fulfils. Images are uint8 NHWC; labels int32 class indices.
// A split knows its labels up front (cheap) and reads images on demand, so an image folder is never
// loaded whole into memory; IDX and CIFAR binaries are small enough to keep their bytes in memory.

export type InputShape = [height: number, width: number, channels: number];

export interface DatasetSplit {
  readonly size: number;
  readonly labels: Int32Array;
  /** Pixels of the given examples, packed as [indices.length, h, w, c] uint8. */
  read(indices: ArrayLike<number>): Promise<Uint8Array>;
  /**
   * A split that augments as it decodes (the ImageNet protocol's random-resized crop of the full image): the
   * given examples augmented, each by its own draws from (seed, epoch, index), so a resumed epoch repeats them.
   * Training uses it instead of the pad-4 crop and flip where it exists.
   */
  readAugmented?(indices: ArrayLike<number>, key: { seed: number; epoch: number }): Promise<Uint8Array>;
}

export interface Dataset {
  /** Registry id (e.g. `fashion-mnist-mini`, `cifar10`) or `<format>:<path>` for a user folder. */
  id: string;
  /** Human-readable name for tables and the UI. */
  name: string;
  /** Where the bytes came from: `embedded`, a folder or a file path. */
  source: string;
  inputShape: InputShape;
  classNames: string[];
  /** Per-channel mean and std of the training images in [0, 1] units, used for normalisation. */
  mean: number[];
  std: number[];
  /** Whether pad-4 random crop + horizontal flip is on unless the user says otherwise. */
  augmentByDefault: boolean;
  /** Evaluation reports top-5 accuracy beside top-1 (the ImageNet protocol). */
  reportsTop5?: boolean;
  train: DatasetSplit;
  test: DatasetSplit;
}
