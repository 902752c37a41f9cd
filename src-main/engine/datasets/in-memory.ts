// A split whose pixels are already in memory (IDX, CIFAR binaries), and per-channel statistics of
// such pixels. Pixels are uint8 [n, h, w, c]; read() copies, so callers may mutate the result.

import { ValidationError } from '../../../src-shared/errors.ts';
import type { DatasetSplit, InputShape } from './dataset.ts';

export class MemorySplit implements DatasetSplit {
  readonly size: number;
  readonly labels: Int32Array;
  private readonly pixels: Uint8Array;
  private readonly imageBytes: number;

  constructor(pixels: Uint8Array, labels: Int32Array, shape: InputShape) {
    this.imageBytes = shape[0] * shape[1] * shape[2];
    if (pixels.length !== labels.length * this.imageBytes) {
      throw new Error(`MemorySplit: ${pixels.length} pixel bytes for ${labels.length} images of ${shape.join('x')}`);
    }
    this.pixels = pixels;
    this.labels = labels;
    this.size = labels.length;
  }

  async read(indices: ArrayLike<number>): Promise<Uint8Array> {
    const b = this.imageBytes;
    const out = new Uint8Array(indices.length * b);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      if (!Number.isInteger(i) || i < 0 || i >= this.size) {
        throw new ValidationError(`index ${i} is out of range for a split of ${this.size} examples`);
      }
      out.set(this.pixels.subarray(i * b, (i + 1) * b), k * b);
    }
    return out;
  }
}

/** Accumulates per-channel sums over uint8 HWC pixels; mean/std come out in [0, 1] units. */
export class ChannelStats {
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;
  private count = 0;
  private readonly channels: number;

  constructor(channels: number) {
    this.channels = channels;
    this.sum = new Float64Array(channels);
    this.sumSq = new Float64Array(channels);
  }

  add(pixels: Uint8Array): void {
    const c = this.channels;
    // Histogram per channel first: 256 bins make the sums exact and the loop cheap.
    const hist = new Float64Array(256 * c);
    for (let i = 0; i < pixels.length; i++) hist[(i % c) * 256 + pixels[i]!]!++;
    for (let ch = 0; ch < c; ch++) {
      for (let v = 0; v < 256; v++) {
        const n = hist[ch * 256 + v]!;
        this.sum[ch]! += n * v;
        this.sumSq[ch]! += n * v * v;
      }
    }
    this.count += pixels.length / c;
  }

  result(): { mean: number[]; std: number[] } {
    const mean: number[] = [];
    const std: number[] = [];
    for (let ch = 0; ch < this.channels; ch++) {
      const m = this.sum[ch]! / this.count;
      const variance = Math.max(0, this.sumSq[ch]! / this.count - m * m);
      mean.push(round6(m / 255));
      std.push(round6(Math.sqrt(variance) / 255));
    }
    return { mean, std };
  }
}

export function channelStats(pixels: Uint8Array, channels: number): { mean: number[]; std: number[] } {
  const s = new ChannelStats(channels);
  s.add(pixels);
  return s.result();
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
