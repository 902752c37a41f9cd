// The tfjs interpreter of Ops: runs a family's forward on real tensors (NHWC, batch first).
// Training mode normalises BN with batch statistics through a hand-written gradient (one pass of
// broadcast ops, no Tile) and records each BN layer's batch mean/variance so the caller can update
// the running statistics after the step (PyTorch semantics: momentum 0.1, unbiased running variance).
import * as tf from '../tf.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD } from '../kernels/tensorflow/BatchNormTraining.ts';
import type { ConvArgs, DepthwiseArgs, Ops, PoolArgs, SelectionPoint } from './ops.ts';

export const BN_EPSILON = 1e-5;

export interface BatchStats {
  layer: string;
  mean: tf.Tensor;
  variance: tf.Tensor;
  /** Number of values each statistic averages (batch · h · w), for the unbiased correction. */
  count: number;
}

export class TfOps implements Ops<tf.Tensor> {
  /** Filled in training mode; the tensors are kept (outside any tidy) until the caller disposes them. */
  readonly batchStats: BatchStats[] = [];
  private readonly params: ReadonlyMap<string, tf.Tensor>;
  private readonly training: boolean;
  /** Keys the forward's random draws: dropout layer k draws from `${noise}/${k}` (unkeyed: fresh draws). */
  private readonly noise: string | undefined;
  private dropouts = 0;
  /** Layer name → a per-example, per-channel multiplier [n, channels] of that layer's output (Fisher pruning's gates). */
  private readonly gates: ReadonlyMap<string, tf.Tensor> | undefined;

  constructor(params: ReadonlyMap<string, tf.Tensor>, training: boolean, noise?: string, gates?: ReadonlyMap<string, tf.Tensor>) {
    this.params = params;
    this.training = training;
    this.noise = noise;
    this.gates = gates;
  }

  /** The layer's output times its gate, where it has one ([n, c] reshaped to [n, 1, 1, c] on feature maps). */
  private gated(layer: string, y: tf.Tensor): tf.Tensor {
    const g = this.gates?.get(layer);
    if (!g) return y;
    return tf.tidy(() => tf.mul(y, y.rank === 4 ? tf.reshape(g, [g.shape[0]!, 1, 1, g.shape[1]!]) : g));
  }

  private param(name: string): tf.Tensor {
    const p = this.params.get(name);
    if (!p) throw new ValidationError(`model has no parameter '${name}'`);
    return p;
  }

  shape(x: tf.Tensor): readonly number[] {
    return x.shape.slice(1);
  }

  conv2d(name: string, x: tf.Tensor, a: ConvArgs): tf.Tensor {
    const stride = a.stride ?? 1;
    const pad = a.pad ?? Math.floor(a.kernel / 2);
    const y = tf.conv2d(x as tf.Tensor4D, this.param(`${name}.weight`) as tf.Tensor4D, stride, pad === 0 ? 'valid' : pad);
    return this.gated(name, a.bias ? tf.add(y, this.param(`${name}.bias`)) : y);
  }

  depthwiseConv2d(name: string, x: tf.Tensor, a: DepthwiseArgs): tf.Tensor {
    const stride = a.stride ?? 1;
    const pad = a.pad ?? Math.floor(a.kernel / 2);
    const weight = this.param(`${name}.weight`) as tf.Tensor4D;
    // tfjs-node takes only 'valid' / 'same'; TensorFlow's 'same' pads PyTorch's way only at stride 1
    // (odd kernel), so other paddings are explicit zeros, then 'valid' — the same on every backend.
    const sameAtStride1 = stride === 1 && a.kernel % 2 === 1 && pad === (a.kernel - 1) / 2;
    const y = tf.tidy(() => {
      const input = pad === 0 || sameAtStride1 ? x : tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]);
      return tf.depthwiseConv2d(input as tf.Tensor4D, weight, stride, sameAtStride1 ? 'same' : 'valid');
    });
    return a.bias ? tf.add(y, this.param(`${name}.bias`)) : y;
  }

  batchNorm(name: string, x: tf.Tensor): tf.Tensor {
    return this.gated(name, this.normalised(name, x));
  }

  private normalised(name: string, x: tf.Tensor): tf.Tensor {
    const gamma = this.param(`${name}.gamma`);
    const beta = this.param(`${name}.beta`);
    if (!this.training) {
      const mean = this.param(`${name}.running_mean`);
      const variance = this.param(`${name}.running_var`);
      // tfjs's FusedBatchNorm: one op on every backend (TensorFlow's needs 4-D input: BN1d as [n, 1, 1, f]).
      const norm = (x4: tf.Tensor): tf.Tensor =>
        tf.batchNorm(x4 as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, BN_EPSILON);
      if (x.rank === 4) return norm(x);
      return tf.tidy(() => tf.reshape(norm(tf.reshape(x, [x.shape[0]!, 1, 1, x.shape[1]!])), x.shape));
    }
    if (tf.getKernel(BATCH_NORM_TRAINING, tf.getBackend()) !== undefined) return this.fusedBatchNorm(name, x, gamma, beta);
    const axes = x.shape.map((_, i) => i).slice(0, -1);
    const count = x.size / x.shape[x.shape.length - 1]!;
    const stats = this.batchStats;
    const normalise = tf.customGrad((xIn, g, b, save) => {
      const input = xIn as tf.Tensor;
      const mean = meanOverAllButLast(input);
      const centred = tf.sub(input, mean);
      const variance = meanOverAllButLast(tf.square(centred));
      const invStd = tf.rsqrt(tf.add(variance, BN_EPSILON));
      const xhat = tf.mul(centred, invStd);
      stats.push({ layer: name, mean: tf.keep(mean), variance: tf.keep(variance), count });
      (save as tf.GradSaveFunc)([xhat, invStd, g as tf.Tensor]);
      return {
        value: tf.add(tf.mul(xhat, g as tf.Tensor), b as tf.Tensor),
        // dx = γ·σ⁻¹ · (dy − mean(dy) − x̂ · mean(dy·x̂)); dγ = Σ dy·x̂; dβ = Σ dy
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const d = dy as tf.Tensor;
          const [xh, inv, gm] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
          const dBeta = tf.sum(d, axes);
          const dGamma = tf.sum(tf.mul(d, xh), axes);
          const centredDy = tf.sub(tf.sub(d, tf.div(dBeta, count)), tf.mul(xh, tf.div(dGamma, count)));
          return [tf.mul(centredDy, tf.mul(gm, inv)), dGamma, dBeta];
        },
      };
    });
    return normalise(x, gamma, beta);
  }

  /** Training-mode BN through the backend's fused kernels (kernels/tensorflow/BatchNormTraining.ts). */
  private fusedBatchNorm(name: string, x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
    const channels = x.shape[x.shape.length - 1]!;
    const count = x.size / channels;
    const attrs = { epsilon: BN_EPSILON };
    const stats = this.batchStats;
    const normalise = tf.customGrad((xIn, g, b, save) => {
      const inputs = { x: xIn as tf.Tensor, scale: g as tf.Tensor, offset: b as tf.Tensor };
      const [y, mean, variance, r1, r2, r3] = tf.engine().runKernel(BATCH_NORM_TRAINING, inputs, attrs) as tf.Tensor[];
      stats.push({ layer: name, mean: tf.keep(mean!), variance: tf.keep(variance!), count });
      (save as tf.GradSaveFunc)([xIn as tf.Tensor, g as tf.Tensor, r1!, r2!, r3!]);
      return {
        value: y!,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [xs, scale, s1, s2, s3] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const gradInputs = { dy: dy as tf.Tensor, x: xs, scale, r1: s1, r2: s2, r3: s3 };
          return tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, gradInputs, attrs) as tf.Tensor[];
        },
      };
    });
    if (x.rank === 4) return normalise(x, gamma, beta);
    // BN1d [n, f] as [n, 1, 1, f]
    return tf.tidy(() => tf.reshape(normalise(tf.reshape(x, [count, 1, 1, channels]), gamma, beta), x.shape));
  }

  relu(x: tf.Tensor): tf.Tensor {
    return tf.relu(x);
  }

  relu6(x: tf.Tensor): tf.Tensor {
    return tf.relu6(x);
  }

  sigmoid(x: tf.Tensor): tf.Tensor {
    return tf.sigmoid(x);
  }

  silu(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
  }

  /** Inverted dropout in training mode (kept values scaled by 1/(1 − rate), as PyTorch's); the identity in eval mode. */
  dropout(x: tf.Tensor, rate: number): tf.Tensor {
    const k = this.dropouts++;
    if (!this.training || rate === 0) return x;
    return tf.dropout(x, rate, undefined, this.noise === undefined ? undefined : `${this.noise}/${k}`);
  }

  maxPool(x: tf.Tensor, a: PoolArgs): tf.Tensor {
    return tf.maxPool(x as tf.Tensor4D, a.size, a.stride ?? a.size, a.pad ? a.pad : 'valid');
  }

  /** Pools first, then ReLU on the smaller map (ops.ts: equal, gradients included): less elementwise work. */
  reluMaxPool(x: tf.Tensor, a: PoolArgs): tf.Tensor {
    return tf.tidy(() => tf.relu(this.maxPool(x, a)));
  }

  avgPool(x: tf.Tensor, a: PoolArgs): tf.Tensor {
    // Zero padding counted in the average, as PyTorch's default count_include_pad=True.
    const padded = a.pad ? tf.pad(x, [[0, 0], [a.pad, a.pad], [a.pad, a.pad], [0, 0]]) : x;
    return tf.avgPool(padded as tf.Tensor4D, a.size, a.stride ?? a.size, 'valid');
  }

  globalAvgPool(x: tf.Tensor): tf.Tensor {
    return tf.mean(x, [1, 2]);
  }

  flatten(x: tf.Tensor): tf.Tensor {
    // NHWC flattening. (PyTorch flattens NCHW; the order differs but the function class is the same.)
    return tf.reshape(x, [x.shape[0]!, -1]);
  }

  dense(name: string, x: tf.Tensor, units: number, opts?: { bias?: boolean; prunable?: unknown }): tf.Tensor {
    const w = this.param(`${name}.weight`);
    if (w.shape[1] !== units) throw new ValidationError(`layer '${name}': weight has ${w.shape[1]} units, expected ${units}`);
    const y = tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
    return this.gated(name, (opts?.bias ?? true) ? tf.add(y, this.param(`${name}.bias`)) : y);
  }

  add(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    return tf.add(a, b);
  }

  concat(xs: readonly tf.Tensor[]): tf.Tensor {
    return tf.concat(xs as tf.Tensor[], -1);
  }

  selection(x: tf.Tensor, at: SelectionPoint): tf.Tensor {
    return at.indices ? this.selectChannels(x, at.indices) : x;
  }

  selectChannels(x: tf.Tensor, indices: readonly number[]): tf.Tensor {
    const channels = x.shape[x.shape.length - 1]!;
    if (indices.length === channels && indices.every((c, i) => c === i)) return x;
    // Contiguous runs of kept channels become slices joined by one concat: both have gradients on
    // every backend (tf.gather's gradient needs UnsortedSegmentSum, which wasm lacks).
    const pieces: tf.Tensor[] = [];
    let start = 0;
    for (let i = 1; i <= indices.length; i++) {
      if (i === indices.length || indices[i] !== indices[i - 1]! + 1) {
        // Fresh begin/size arrays per slice: tf.slice keeps them by reference for its gradient.
        const begin = x.shape.map(() => 0);
        const size = x.shape.map((d) => d);
        begin[begin.length - 1] = indices[start]!;
        size[size.length - 1] = i - start;
        pieces.push(tf.slice(x, begin, size));
        start = i;
      }
    }
    return pieces.length === 1 ? pieces[0]! : tf.concat(pieces, -1);
  }

  padShortcut(x: tf.Tensor, channels: number, stride: number): tf.Tensor {
    // RNP's downsample_basic_block: AvgPool2d(stride, stride), then zero channels appended after.
    const y = stride > 1 ? tf.avgPool(x as tf.Tensor4D, stride, stride, 'valid') : x;
    const extra = channels - x.shape[3]!;
    if (extra < 0) throw new ValidationError(`shortcut cannot shrink ${x.shape[3]} channels to ${channels}`);
    return extra === 0 ? y : tf.pad(y, [[0, 0], [0, 0], [0, 0], [0, extra]]);
  }

  scale(name: string, x: tf.Tensor): tf.Tensor {
    return tf.mul(x, this.param(`${name}.scale`));
  }
}

/**
 * Mean over every axis but the channels, one spatial axis at a time: each step sums at most one axis's
 * values, so a float32 kernel's rounding stays ≈ 1e-7 relative at 224×224 maps (one sum over
 * batch·h·w values drifts to ≈ 1e-5; PyTorch accumulates BN statistics in double). Two-pass with the
 * centring in batchNorm above.
 */
function meanOverAllButLast(x: tf.Tensor): tf.Tensor {
  if (x.rank <= 2) return tf.mean(x, 0);
  return tf.tidy(() => {
    let m = x;
    for (let axis = x.rank - 2; axis >= 0; axis--) m = tf.mean(m, axis);
    return m;
  });
}
