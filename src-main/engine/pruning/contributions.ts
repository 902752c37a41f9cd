// Per-channel contributions to sampled outputs of a reader layer (readers.ts) — ThiNet's training set
// (Luo et al., ICCV 2017, §3.2): a sampled output entry ŷ of the reader (image, position, output channel)
// is Σ_c x̂_c, where x̂_c is channel c's part: its k×k window times the filter's slice (conv), or its
// flattened features times the weights (dense). Removing a set T of channels changes ŷ by Σ_{c∈T} x̂_c.
import type { Rng } from '../random.ts';
import { ridgeSolve } from './least-squares.ts';
import type { LayerInput } from './layer-inputs.ts';
import type { ChannelReader } from './readers.ts';

/** Rows of x̂ (one per sampled output entry), stored by channel: column c holds every row's x̂_c. */
export class Contributions {
  readonly channels: number;
  readonly columns: Float64Array[];
  rows = 0;

  constructor(channels: number, capacity: number) {
    this.channels = channels;
    this.columns = Array.from({ length: channels }, () => new Float64Array(capacity));
  }

  push(row: ArrayLike<number>): void {
    if (this.rows >= this.columns[0]!.length) throw new Error(`contributions: more than the ${this.columns[0]!.length} rows planned`);
    for (let c = 0; c < this.channels; c++) this.columns[c]![this.rows] = row[c]!;
    this.rows++;
  }
}

/**
 * Samples `perImage` output entries of `reader` for each image of `input` (uniformly: position, then
 * output channel) and pushes their rows into `into`. `weight` is the reader's: [k, k, in, out] or [in, out].
 */
export function sampleContributions(
  reader: ChannelReader, input: LayerInput, weight: Float32Array, perImage: number, rng: Rng, into: Contributions,
): void {
  const row = new Float64Array(into.channels);
  const n = input.shape[0]!;
  if (reader.kind === 'dense') {
    const features = input.shape[1]!;
    const out = weight.length / features;
    for (let img = 0; img < n; img++) {
      for (let s = 0; s < perImage; s++) {
        const o = rng.int(out);
        for (let c = 0; c < into.channels; c++) {
          let v = 0;
          for (const i of reader.inputs[c]!) v += weight[i * out + o]! * input.values[img * features + i]!;
          row[c] = v;
        }
        into.push(row);
      }
    }
    return;
  }
  const [, h, w, cin] = input.shape as [number, number, number, number];
  const { kernel: k, stride, pad } = input.conv!;
  const out = weight.length / (k * k * cin);
  const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
  for (let img = 0; img < n; img++) {
    for (let s = 0; s < perImage; s++) {
      const y = rng.int(oh);
      const x = rng.int(ow);
      const o = rng.int(out);
      for (let c = 0; c < into.channels; c++) {
        let v = 0;
        for (const i of reader.inputs[c]!) {
          for (let kh = 0; kh < k; kh++) {
            const iy = y * stride - pad + kh;
            if (iy < 0 || iy >= h) continue;
            for (let kw = 0; kw < k; kw++) {
              const ix = x * stride - pad + kw;
              if (ix < 0 || ix >= w) continue;
              v += weight[((kh * k + kw) * cin + i) * out + o]! * input.values[((img * h + iy) * w + ix) * cin + i]!;
            }
          }
        }
        row[c] = v;
      }
      into.push(row);
    }
  }
}

/**
 * ThiNet's greedy selection (Algorithm 1): the `remove` channels whose removal adds least to the
 * squared change Σ_rows (Σ_{c∈T} x̂_c)², taken one at a time — each step the channel that, added to
 * those already removed, gives the smallest total. Ties go to the lower channel. Returns the removed
 * channels in the order taken.
 */
export function greedyRemoval(contrib: Contributions, remove: number): number[] {
  const { columns, rows, channels } = contrib;
  const sum = new Float64Array(rows); // Σ_{c∈T} x̂_c per row
  const removed: number[] = [];
  const taken = new Uint8Array(channels);
  for (let step = 0; step < remove; step++) {
    let best = -1;
    let bestCost = Infinity;
    for (let c = 0; c < channels; c++) {
      if (taken[c]) continue;
      const col = columns[c]!;
      let cost = 0; // Σ (sum + x̂_c)² − Σ sum², the same for every c
      for (let r = 0; r < rows; r++) cost += col[r]! * (2 * sum[r]! + col[r]!);
      if (cost < bestCost) {
        bestCost = cost;
        best = c;
      }
    }
    taken[best] = 1;
    removed.push(best);
    const col = columns[best]!;
    for (let r = 0; r < rows; r++) sum[r] = sum[r]! + col[r]!;
  }
  return removed;
}

/**
 * The normal equations over `channels` (columns of X, in that order): the Gram matrix XᵀX (row-major) and
 * Xᵀy, where y = Σ_c x̂_c over every channel — the unpruned entries the kept channels are to reproduce.
 */
export function normalEquations(contrib: Contributions, channels: readonly number[]): { gram: Float64Array; rhs: Float64Array; y: Float64Array } {
  const { columns, rows } = contrib;
  const n = channels.length;
  const y = new Float64Array(rows);
  for (const col of columns) for (let r = 0; r < rows; r++) y[r] = y[r]! + col[r]!;
  const gram = new Float64Array(n * n);
  const rhs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ci = columns[channels[i]!]!;
    for (let j = 0; j <= i; j++) {
      const cj = columns[channels[j]!]!;
      let s = 0;
      for (let r = 0; r < rows; r++) s += ci[r]! * cj[r]!;
      gram[i * n + j] = s;
      gram[j * n + i] = s;
    }
    let t = 0;
    for (let r = 0; r < rows; r++) t += ci[r]! * y[r]!;
    rhs[i] = t;
  }
  return { gram, rhs, y };
}

/**
 * ThiNet's rescaling (§3.3): one factor per kept channel, ŵ = argmin Σ_rows (ŷ − Σ_{c∈kept} w_c x̂_c)²
 * where ŷ = Σ_c x̂_c is the unpruned entry — so the kept channels, scaled, stand in for the removed ones.
 * A ridge of 1e-6 of the mean diagonal pulls towards 1 (a channel no sample activates keeps its weights).
 */
export function rescaleFactors(contrib: Contributions, kept: readonly number[]): Float64Array {
  const n = kept.length;
  const { gram, rhs } = normalEquations(contrib, kept);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += gram[i * n + i]!;
  const lambda = 1e-6 * (trace / Math.max(n, 1)) + 1e-12;
  return ridgeSolve(gram, rhs, n, lambda, new Float64Array(n).fill(1));
}
