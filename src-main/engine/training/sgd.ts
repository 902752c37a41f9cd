// SGD with momentum and weight decay, in PyTorch's form (torch.optim.SGD, dampening 0):
//   g ← ∇ + wd·w;  b ← μ·b + g;  step = nesterov ? g + μ·b : b;  w ← w − lr·step
// Weight decay applies to every trainable parameter, BN's γ/β included, as in the reference.
// The momentum buffers are plain state so a checkpoint can save and restore them exactly.
import * as tf from '../tf.ts';

export interface SgdOptions {
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /**
   * Adds a regulariser's term to the gradients before the update (e.g. network slimming's s·sign(γ)
   * on BN scales): replaces entries of `grads` (keyed by tfjs variable name), disposing the old ones.
   */
  regularizer?: (params: ReadonlyArray<readonly [string, tf.Variable]>, grads: tf.NamedTensorMap) => void;
  /** Unstructured pruning: after every update, weights are multiplied by their 0/1 mask. */
  masks?: ReadonlyMap<string, Float32Array>;
}

export class Sgd {
  private readonly opts: SgdOptions;
  private readonly buffers = new Map<string, tf.Variable>();
  private readonly maskTensors = new Map<string, tf.Tensor>();

  constructor(opts: SgdOptions) {
    this.opts = opts;
  }

  private mask(name: string, v: tf.Variable): tf.Tensor | null {
    const values = this.opts.masks?.get(name);
    if (!values) return null;
    let t = this.maskTensors.get(name);
    if (!t) {
      t = tf.keep(tf.tensor(values, v.shape, 'float32'));
      this.maskTensors.set(name, t);
    }
    return t;
  }

  /**
   * Applies one step to [parameter name, variable] pairs. `grads` is keyed by tfjs variable name (as
   * tf.variableGrads returns it); the caller disposes the gradients (the map's values after the call,
   * since a regulariser may replace them). Buffers are keyed by parameter name.
   */
  step(params: ReadonlyArray<readonly [string, tf.Variable]>, grads: tf.NamedTensorMap, lr: number): void {
    const { momentum, nesterov, weightDecay } = this.opts;
    this.opts.regularizer?.(params, grads);
    // The constants as tensors once per step, not once per parameter and use (on native TensorFlow each
    // number operand is a tensor upload).
    tf.tidy(() => {
      const mu = tf.scalar(momentum);
      const wd = tf.scalar(weightDecay);
      const rate = tf.scalar(lr);
      for (const [name, v] of params) {
        const grad = grads[v.name];
        if (!grad) continue;
        tf.tidy(() => {
          const g = weightDecay > 0 ? tf.add(grad, tf.mul(v, wd)) : grad;
          let update = g;
          if (momentum > 0) {
            let buf = this.buffers.get(name);
            if (!buf) {
              buf = tf.variable(tf.zerosLike(v), false);
              this.buffers.set(name, buf);
            }
            buf.assign(tf.add(tf.mul(buf, mu), g));
            update = nesterov ? tf.add(g, tf.mul(buf, mu)) : buf;
          }
          const next = tf.sub(v, tf.mul(update, rate));
          const m = this.mask(name, v);
          v.assign(m ? tf.mul(next, m) : next);
        });
      }
    });
  }

  /** Momentum buffers by parameter name, as plain arrays. */
  async exportState(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name, buf] of this.buffers) out.set(name, (await buf.data()) as Float32Array);
    return out;
  }

  importState(params: ReadonlyArray<readonly [string, tf.Variable]>, state: ReadonlyMap<string, Float32Array>): void {
    for (const [name, v] of params) {
      const values = state.get(name);
      if (!values) continue;
      this.buffers.get(name)?.dispose();
      const initial = tf.tensor(values, v.shape, 'float32');
      this.buffers.set(name, tf.variable(initial, false));
      initial.dispose(); // the variable shares its data
    }
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
    for (const m of this.maskTensors.values()) m.dispose();
    this.maskTensors.clear();
  }
}
