// The regression method's reconstruction (He, Zhang, Sun, "Channel Pruning for Accelerating Very Deep Neural
// Networks", ICCV 2017, §3.1, the W step): once a unit's channels are chosen, every layer that reads them gets
// new weights on what is left of its input, by least squares — W′ = argmin ‖Y − X′W′‖², X′ the reader's input
// patches (k×k windows over its kept input channels; a dense layer's kept features) on the network pruned so
// far, Y the reader's output on the un-pruned network at the same images and positions (§3.2: "input volumes
// from the current input feature map, output volumes from the output feature map of the un-pruned model", so
// errors do not accumulate layer after layer). Sampling as ThiNet's: `locations` positions per image (a dense
// reader: one row per image). A ridge of 1e-6 of the mean diagonal pulls towards the current weights (an input
// no sample activates keeps them). The reader's bias, if any, is left as it is.
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { CancelledError, ValidationError } from '../../../src-shared/errors.ts';
import type { Rng } from '../random.ts';
import * as tf from '../tf.ts';
import { layerInputs, type LayerInput } from './layer-inputs.ts';
import { ridgeSolveMany } from './least-squares.ts';
import type { PlanningData } from './method.ts';
import type { ChannelReader } from './readers.ts';

/** A reader's kept patch larger than this is refused: its normal equations (n² doubles, n³ to solve) would not fit. */
export const MAX_REFIT_FEATURES = 8192;

/** Images read per forward pass. */
const CHUNK = 32;

export interface Network {
  spec: ArchSpec;
  weights: ReadonlyMap<string, Float32Array>;
}

/**
 * `current.weights` with each reader's weights refitted on its input without the `removed` channels of the unit
 * it reads (those inputs keep their old values: the cut that follows drops them). `original` is the un-pruned
 * network, whose readers' outputs are the targets.
 */
export async function refitReaders(
  method: string, original: Network, current: Network, readers: readonly ChannelReader[], removed: ReadonlySet<number>,
  order: Int32Array, locations: number, rng: Rng, data: PlanningData,
): Promise<Map<string, Float32Array>> {
  // One pass over the images for every reader (each chunk's forwards, current and un-pruned, serve them all).
  const systems = readers.map((reader) => {
    const dropped = new Set(reader.inputs.filter((_, c) => removed.has(c)).flat());
    return new NormalSystem(method, reader, current.weights.get(`${reader.layer}.weight`)!, dropped);
  });
  const wanted = new Set(readers.map((r) => r.layer));
  for (let at = 0; at < order.length; at += CHUNK) {
    if (data.signal?.aborted) throw new CancelledError(`cancelled while pruning method '${method}' refitted ${[...wanted].join(', ')}`);
    const indices = order.subarray(at, at + CHUNK);
    const images = await data.read(indices);
    const now = await layerInputs(current.spec, current.weights, images, indices.length, wanted);
    const before = await layerInputs(original.spec, original.weights, images, indices.length, wanted);
    for (const [i, reader] of readers.entries()) {
      const targets = await readerOutputs(before.get(reader.layer)!, original.weights.get(`${reader.layer}.weight`)!);
      systems[i]!.add(now.get(reader.layer)!, targets, locations, rng);
    }
  }
  const out = new Map(current.weights);
  readers.forEach((reader, i) => out.set(`${reader.layer}.weight`, systems[i]!.solve()));
  return out;
}

/** The reader's outputs on its input `x` with `weight` (no bias): NHWC for a conv, [n, out] for a dense layer. */
async function readerOutputs(x: LayerInput, weight: Float32Array): Promise<{ shape: number[]; values: Float32Array }> {
  const y = tf.tidy(() => {
    if (!x.conv) {
      const features = x.shape[1]!;
      return tf.matMul(tf.tensor2d(x.values, x.shape as [number, number]), tf.tensor2d(weight, [features, weight.length / features]));
    }
    const { kernel: k, stride, pad } = x.conv;
    const cin = x.shape[3]!;
    const input = tf.pad(tf.tensor4d(x.values, x.shape as [number, number, number, number]), [[0, 0], [pad, pad], [pad, pad], [0, 0]]);
    return tf.conv2d(input as tf.Tensor4D, tf.tensor4d(weight, [k, k, cin, weight.length / (k * k * cin)]), stride, 'valid');
  });
  try {
    return { shape: y.shape, values: (await y.data()) as Float32Array };
  } finally {
    y.dispose();
  }
}

/**
 * XᵀX and XᵀY over the reader's kept features — a conv's (kh, kw, input) for every kept input, a dense layer's
 * kept inputs — in the order of the reader's weight rows (weight[row · out + o]); the geometry from the first input.
 */
class NormalSystem {
  private readonly method: string;
  private readonly reader: ChannelReader;
  private readonly weight: Float32Array;
  private readonly dropped: ReadonlySet<number>;
  private shape: { k: number; cin: number; out: number; rows: Int32Array } | null = null;
  private gram = new Float64Array(0);
  private rhs = new Float64Array(0);

  constructor(method: string, reader: ChannelReader, weight: Float32Array, dropped: ReadonlySet<number>) {
    this.method = method;
    this.reader = reader;
    this.weight = weight;
    this.dropped = dropped;
  }

  private geometry(x: LayerInput): { k: number; cin: number; out: number; rows: Int32Array } {
    if (this.shape) return this.shape;
    const k = x.conv?.kernel ?? 1;
    const cin = x.conv ? x.shape[3]! : x.shape[1]!;
    const out = this.weight.length / (k * k * cin);
    const kept = Array.from({ length: cin }, (_, i) => i).filter((i) => !this.dropped.has(i));
    const rows = Int32Array.from(Array.from({ length: k * k }, (_, kk) => kept.map((i) => kk * cin + i)).flat());
    if (rows.length > MAX_REFIT_FEATURES) {
      throw new ValidationError(`pruning method '${this.method}' params.refit: layer '${this.reader.layer}' would be refitted on ${rows.length} inputs (at most ${MAX_REFIT_FEATURES}); set refit to false to rescale its channels instead`);
    }
    this.gram = new Float64Array(rows.length * rows.length);
    this.rhs = new Float64Array(rows.length * out);
    this.shape = { k, cin, out, rows };
    return this.shape;
  }

  /** Rows for `locations` positions of each image of `x` (a dense reader: one per image), targets from `y`. */
  add(x: LayerInput, y: { shape: number[]; values: Float32Array }, locations: number, rng: Rng): void {
    const { k, cin, out, rows } = this.geometry(x);
    const n = rows.length;
    const row = new Float64Array(n);
    const target = new Float64Array(out);
    const push = (): void => {
      for (let i = 0; i < n; i++) {
        const xi = row[i]!;
        if (xi === 0) continue;
        const gi = i * n;
        for (let j = 0; j <= i; j++) this.gram[gi + j] = this.gram[gi + j]! + xi * row[j]!;
        const ri = i * out;
        for (let o = 0; o < out; o++) this.rhs[ri + o] = this.rhs[ri + o]! + xi * target[o]!;
      }
    };
    const images = x.shape[0]!;
    if (!x.conv) {
      for (let img = 0; img < images; img++) {
        for (let i = 0; i < n; i++) row[i] = x.values[img * cin + rows[i]!]!;
        for (let o = 0; o < out; o++) target[o] = y.values[img * out + o]!;
        push();
      }
      return;
    }
    const [, h, w] = x.shape as [number, number, number, number];
    const { stride, pad } = x.conv;
    const [oh, ow] = [y.shape[1]!, y.shape[2]!];
    for (let img = 0; img < images; img++) {
      for (let s = 0; s < locations; s++) {
        const py = rng.int(oh);
        const px = rng.int(ow);
        for (let i = 0; i < n; i++) {
          const r = rows[i]!;
          const kk = Math.floor(r / cin);
          const iy = py * stride - pad + Math.floor(kk / k);
          const ix = px * stride - pad + (kk % k);
          row[i] = iy < 0 || iy >= h || ix < 0 || ix >= w ? 0 : x.values[((img * h + iy) * w + ix) * cin + (r % cin)]!;
        }
        for (let o = 0; o < out; o++) target[o] = y.values[((img * oh + py) * ow + px) * out + o]!;
        push();
      }
    }
  }

  /** The reader's weights with its kept rows refitted (the dropped rows unchanged). */
  solve(): Float32Array {
    if (!this.shape) return Float32Array.from(this.weight);
    const { out, rows } = this.shape;
    const n = rows.length;
    let trace = 0;
    for (let i = 0; i < n; i++) {
      trace += this.gram[i * n + i]!;
      for (let j = 0; j < i; j++) this.gram[j * n + i] = this.gram[i * n + j]!;
    }
    const prior = new Float64Array(n * out);
    for (let i = 0; i < n; i++) for (let o = 0; o < out; o++) prior[i * out + o] = this.weight[rows[i]! * out + o]!;
    const w = ridgeSolveMany(this.gram, this.rhs, n, out, 1e-6 * (trace / Math.max(n, 1)) + 1e-12, prior);
    const next = Float32Array.from(this.weight);
    for (let i = 0; i < n; i++) for (let o = 0; o < out; o++) next[rows[i]! * out + o] = w[i * out + o]!;
    return next;
  }
}
