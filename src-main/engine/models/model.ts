// A Model: an ArchSpec plus its parameters as tfjs variables, with the forward pass of its family.
// Built from a spec (fresh initialisation) or from saved weights; exports its weights as plain arrays.
import * as tf from '../tf.ts';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { Rng } from '../random.ts';
import { collectParams, initParams } from './build.ts';
import type { ParamSpec } from './ops.ts';
import { familyOf } from './register-all.ts';
import { TfOps, type BatchStats } from './tf-ops.ts';

/** BN running statistics follow PyTorch: running = (1 − m)·running + m·batch, m = 0.1. */
const BN_MOMENTUM = 0.1;

export class Model {
  readonly spec: ArchSpec;
  readonly paramSpecs: ParamSpec[];
  readonly variables: Map<string, tf.Variable>;

  private constructor(spec: ArchSpec, paramSpecs: ParamSpec[], values: ReadonlyMap<string, Float32Array>) {
    this.spec = spec;
    this.paramSpecs = paramSpecs;
    this.variables = new Map();
    for (const p of paramSpecs) {
      const v = values.get(p.name);
      if (!v) throw new ValidationError(`weights lack parameter '${p.name}'`);
      const expected = p.shape.reduce((a, b) => a * b, 1);
      if (v.length !== expected) {
        throw new ValidationError(`parameter '${p.name}': ${v.length} values, expected ${expected} for shape [${p.shape}]`);
      }
      // tf.variable shares the initial tensor's data; dispose that tensor or it outlives the model.
      const initial = tf.tensor(v, p.shape, 'float32');
      this.variables.set(p.name, tf.variable(initial, p.trainable, `${p.name}#${nextId++}`));
      initial.dispose();
    }
  }

  /** A freshly initialised model (the family's reference initialisation), deterministic for rng's seed. */
  static create(spec: ArchSpec, rng: Rng): Model {
    return new Model(spec, collectParams(spec), initParams(spec, rng));
  }

  static fromWeights(spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>): Model {
    return new Model(spec, collectParams(spec), weights);
  }

  /** [parameter name, variable] of every trainable parameter (BN running statistics excluded). */
  trainable(): Array<[string, tf.Variable]> {
    return this.paramSpecs.filter((p) => p.trainable).map((p) => [p.name, this.variables.get(p.name)!]);
  }

  /**
   * Logits [n, classes]. In training mode the returned ops hold the BN batch statistics, and `noise` keys
   * the random draws (dropout masks; unkeyed, they are fresh each call). `gates` multiply layers' outputs
   * per example and channel (layer name → [n, channels]; Fisher pruning's).
   */
  forward(x: tf.Tensor, training: boolean, noise?: string, gates?: ReadonlyMap<string, tf.Tensor>): { logits: tf.Tensor; ops: TfOps } {
    const ops = new TfOps(this.variables, training, noise, gates);
    const logits = familyOf(this.spec).forward(ops, x, this.spec);
    return { logits, ops };
  }

  /** Folds a training step's batch statistics into the running mean/variance, then frees them. */
  updateRunningStats(ops: TfOps): void {
    this.applyBatchStats(ops.batchStats);
    ops.batchStats.length = 0;
  }

  /**
   * Folds batch statistics (from this model's forward or pooled across shards) into the running ones;
   * disposes them. Every layer's statistics at once, end to end (one concat, the update, one split): ≈ 8
   * ops in all instead of 8 per BN layer, where each op has a fixed cost (native TensorFlow, WebGPU).
   */
  applyBatchStats(stats: readonly BatchStats[]): void {
    if (stats.length === 0) return;
    const layers = new Set(stats.map((s) => s.layer));
    if (layers.size < stats.length || stats.length === 1) {
      for (const s of stats) this.foldBatchStats([s]); // a layer met twice folds in order
      return;
    }
    this.foldBatchStats(stats);
  }

  private foldBatchStats(stats: readonly BatchStats[]): void {
    tf.tidy(() => {
      // The constants as tensors once per call (on native TensorFlow each number operand is an upload).
      const keep = tf.scalar(1 - BN_MOMENTUM);
      const take = tf.scalar(BN_MOMENTUM);
      const means = stats.map((s) => this.variables.get(`${s.layer}.running_mean`)!);
      const variances = stats.map((s) => this.variables.get(`${s.layer}.running_var`)!);
      const sizes = means.map((m) => m.size);
      // PyTorch's running variance takes the unbiased batch variance: × n/(n−1), n per layer.
      const bessel = new Float32Array(sizes.reduce((a, b) => a + b, 0));
      let at = 0;
      stats.forEach((s, i) => {
        bessel.fill(s.count / Math.max(1, s.count - 1), at, at + sizes[i]!);
        at += sizes[i]!;
      });
      const joined = (ts: tf.Tensor[]): tf.Tensor => (ts.length === 1 ? ts[0]! : tf.concat(ts));
      const mean = tf.add(tf.mul(joined(means), keep), tf.mul(joined(stats.map((s) => s.mean)), take));
      const unbiased = tf.mul(joined(stats.map((s) => s.variance)), tf.tensor1d(bessel));
      const variance = tf.add(tf.mul(joined(variances), keep), tf.mul(unbiased, take));
      const meanParts = stats.length === 1 ? [mean] : tf.split(mean, sizes);
      const varianceParts = stats.length === 1 ? [variance] : tf.split(variance, sizes);
      means.forEach((m, i) => m.assign(meanParts[i]!));
      variances.forEach((v, i) => v.assign(varianceParts[i]!));
    });
    for (const s of stats) {
      s.mean.dispose();
      s.variance.dispose();
    }
  }

  /** Every parameter (BN running statistics included) as plain arrays, in paramSpecs order. */
  async exportWeights(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const p of this.paramSpecs) out.set(p.name, (await this.variables.get(p.name)!.data()) as Float32Array);
    return out;
  }

  /** Overwrites the parameters named in `weights` (BN running statistics included); an unknown name or size is an error. */
  setWeights(weights: ReadonlyMap<string, Float32Array>): void {
    for (const [name, values] of weights) {
      const v = this.variables.get(name);
      if (!v) throw new ValidationError(`the network has no parameter '${name}'`);
      if (values.length !== v.size) throw new ValidationError(`parameter '${name}': ${values.length} values, expected ${v.size} for shape [${v.shape}]`);
      tf.tidy(() => v.assign(tf.tensor(values, v.shape, 'float32')));
    }
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }
}

let nextId = 0;
