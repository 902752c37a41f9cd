// The reference's CIFAR augmentation (Eric-mingjie/rethinking-network-pruning, cifar/*/main.py):
// transforms.RandomCrop(32, padding=4) then RandomHorizontalFlip(), i.e. zero-pad by 4, crop a
// window at a uniform offset in [0, 2*pad], and mirror left-right with probability 0.5.
// Works on uint8 [n, h, w, c] before normalisation, so padding is black (0), as in torchvision.

import type { InputShape } from './dataset.ts';
import type { Rng } from '../random.ts';

export interface AugmentOptions {
  /** Zero padding for the random crop; 0 turns the crop off. Default 4. */
  padding?: number;
  /** Random horizontal flip with probability 0.5. Default true. */
  flip?: boolean;
}

/**
 * Returns augmented copies of `n` images. Draws from `rng` in a fixed order per image (row offset,
 * column offset, flip), so the result depends only on the rng's state.
 */
export function augmentBatch(pixels: Uint8Array, n: number, shape: InputShape, rng: Rng, opts: AugmentOptions = {}): Uint8Array {
  const [h, w, c] = shape;
  const pad = opts.padding ?? 4;
  const flip = opts.flip ?? true;
  const imageBytes = h * w * c;
  const rowBytes = w * c;
  const out = new Uint8Array(n * imageBytes); // zero = the padding
  for (let k = 0; k < n; k++) {
    const dy = pad > 0 ? rng.int(2 * pad + 1) - pad : 0;
    const dx = pad > 0 ? rng.int(2 * pad + 1) - pad : 0;
    const mirror = flip && rng.uniform() < 0.5;
    const src = k * imageBytes;
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= h) continue;
      const dstRow = src + y * rowBytes;
      const srcRow = src + sy * rowBytes;
      for (let x = 0; x < w; x++) {
        const sx = (mirror ? w - 1 - x : x) + dx;
        if (sx < 0 || sx >= w) continue;
        for (let ch = 0; ch < c; ch++) out[dstRow + x * c + ch] = pixels[srcRow + sx * c + ch]!;
      }
    }
  }
  return out;
}
