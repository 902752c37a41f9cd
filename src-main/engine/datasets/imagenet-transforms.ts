// ImageNet's transforms, as the reference's ImageNet scripts take them from PyTorch's ImageNet example
// (RNP imagenet/*/main.py; anchors-mission §1.4): training RandomResizedCrop(224) — a crop of 8–100% of the
// image's area at an aspect ratio from 3/4 to 4/3, ten tries, else the centre crop of the whole image at the
// nearest allowed ratio (torchvision's get_params) — resized to 224×224, then a horizontal flip with p 0.5;
// evaluation Resize(256) of the shorter side then CenterCrop(224). For another crop size c the resize is
// ⌊c · 256/224⌋. Normalised with ImageNet's mean and std. Only the geometry is here: the folder decodes.
import type { Rng } from '../random.ts';

/** torchvision's transforms.Normalize constants for ImageNet. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

/** A region of the source image (pixels), to be resized to the crop size; `flip` mirrors it left–right. */
export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
  flip: boolean;
}

/** Python's round (half to even), which torchvision's int(round(…)) uses. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const SCALE: [number, number] = [0.08, 1];
const RATIO: [number, number] = [3 / 4, 4 / 3];

/** RandomResizedCrop's box in a `width`×`height` image, then the flip, drawn from `rng`. */
export function randomResizedCrop(width: number, height: number, rng: Rng): CropBox {
  const area = width * height;
  const logRatio = [Math.log(RATIO[0]), Math.log(RATIO[1])] as const;
  const box = ((): Omit<CropBox, 'flip'> => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const target = area * (SCALE[0] + (SCALE[1] - SCALE[0]) * rng.uniform());
      const aspect = Math.exp(logRatio[0] + (logRatio[1] - logRatio[0]) * rng.uniform());
      const w = roundHalfEven(Math.sqrt(target * aspect));
      const h = roundHalfEven(Math.sqrt(target / aspect));
      if (w > 0 && h > 0 && w <= width && h <= height) {
        return { top: Math.floor(rng.uniform() * (height - h + 1)), left: Math.floor(rng.uniform() * (width - w + 1)), width: w, height: h };
      }
    }
    // The centre crop at the nearest allowed aspect ratio.
    const ratio = width / height;
    let w = width;
    let h = height;
    if (ratio < RATIO[0]) h = roundHalfEven(w / RATIO[0]);
    else if (ratio > RATIO[1]) w = roundHalfEven(h * RATIO[1]);
    return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), width: w, height: h };
  })();
  return { ...box, flip: rng.uniform() < 0.5 };
}

/** The resize of the evaluation transform for crop size `crop`: 256 for 224. */
export function evalResize(crop: number): number {
  return Math.floor((crop * 256) / 224);
}

/**
 * Resize(r) then CenterCrop(crop) of a `width`×`height` image: the size the image is resized to (shorter side r,
 * the longer one ⌊r · long / short⌋, as torchvision) and where the crop sits in it.
 */
export function resizeCenterCrop(width: number, height: number, crop: number): { resizeWidth: number; resizeHeight: number; left: number; top: number } {
  const r = evalResize(crop);
  const [resizeWidth, resizeHeight] = width <= height ? [r, Math.floor((r * height) / width)] : [Math.floor((r * width) / height), r];
  return { resizeWidth, resizeHeight, left: roundHalfEven((resizeWidth - crop) / 2), top: roundHalfEven((resizeHeight - crop) / 2) };
}
