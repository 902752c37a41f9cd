// What given conv and dense layers read, in an eval-mode forward of a model (BN from its running
// statistics): the activations data-aware methods (ThiNet) reconstruct. A TfOps that keeps the input
// of the named layers, with the conv's geometry.
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { Model } from '../models/model.ts';
import type { ConvArgs } from '../models/ops.ts';
import { familyOf } from '../models/register-all.ts';
import { TfOps } from '../models/tf-ops.ts';
import * as tf from '../tf.ts';

export interface LayerInput {
  /** NHWC for a conv, [n, features] for a dense layer. */
  shape: number[];
  values: Float32Array;
  /** A conv's kernel, stride and padding (as its forward gave them). */
  conv?: { kernel: number; stride: number; pad: number };
}

class CapturingOps extends TfOps {
  readonly seen = new Map<string, { x: tf.Tensor; conv?: LayerInput['conv'] }>();

  private readonly wanted: ReadonlySet<string>;

  constructor(params: ReadonlyMap<string, tf.Tensor>, wanted: ReadonlySet<string>) {
    super(params, false);
    this.wanted = wanted;
  }

  override conv2d(name: string, x: tf.Tensor, a: ConvArgs): tf.Tensor {
    if (this.wanted.has(name)) this.seen.set(name, { x, conv: { kernel: a.kernel, stride: a.stride ?? 1, pad: a.pad ?? Math.floor(a.kernel / 2) } });
    return super.conv2d(name, x, a);
  }

  override dense(name: string, x: tf.Tensor, units: number, opts?: { bias?: boolean; prunable?: unknown }): tf.Tensor {
    if (this.wanted.has(name)) this.seen.set(name, { x });
    return super.dense(name, x, units, opts);
  }
}

/** The inputs of `layers` for the images `x` ([n, h, w, c], normalised as for training). */
export async function layerInputs(
  spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>, x: Float32Array, n: number, layers: ReadonlySet<string>,
): Promise<Map<string, LayerInput>> {
  const model = Model.fromWeights(spec, weights);
  try {
    const kept = tf.tidy(() => {
      const ops = new CapturingOps(model.variables, layers);
      familyOf(spec).forward(ops, tf.tensor4d(x, [n, ...spec.input]), spec);
      return [...ops.seen].map(([name, s]) => ({ name, x: tf.keep(s.x), conv: s.conv }));
    });
    const out = new Map<string, LayerInput>();
    try {
      for (const k of kept) out.set(k.name, { shape: k.x.shape, values: (await k.x.data()) as Float32Array, ...(k.conv ? { conv: k.conv } : {}) });
    } finally {
      for (const k of kept) k.x.dispose();
    }
    for (const name of layers) if (!out.has(name)) throw new Error(`the forward of this ${spec.family} spec never ran layer '${name}'`);
    return out;
  } finally {
    model.dispose();
  }
}
