// Unstructured magnitude pruning: Han, Pool, Tran, Dally, "Learning both Weights and Connections for
// Efficient Neural Networks", NIPS 2015, as run by Liu et al., ICLR 2019 (RNP cifar/weight-level/
// cifar_prune.py, imagenet/weight-level/prune.py): one global threshold over |w| of every conv weight;
// the ⌊total·percent⌋ smallest go (all weights tied with the last one go too). Conv weights only; the
// architecture is unchanged and the plan carries masks. Training a masked model keeps the masked
// weights and their gradients at zero (maskFor, maskGradients, maskWeights); Scratch re-initialises
// with RNP's rule (scratchInit): He normal with fan = non-zero weights / in_channels, then masked.
import { z } from 'zod';
import type { ArchSpec } from '../../../../src-shared/arch-spec.ts';
import { PRUNING_PLAN_VERSION, type PruningPlan } from '../../../../src-shared/pruning.ts';
import { collectParams, convWeightParams, initParams } from '../../models/build.ts';
import type { Rng } from '../../random.ts';
import * as tf from '../../tf.ts';
import { kthSmallestInPlace } from '../kth-smallest.ts';
import { decodeMasks, encodeMask } from '../masks.ts';
import { checkSupports, parseParams, type PruningMethod } from '../method.ts';
import { weightOf } from '../scoring.ts';
import { RatioSchema } from '../widths.ts';

const ParamsSchema = z.strictObject({
  /** Fraction of all conv weights removed (RNP --percent; README example 0.3). */
  percent: RatioSchema,
});
type Params = z.infer<typeof ParamsSchema>;

export const magnitude: PruningMethod = {
  id: 'magnitude',
  paper: 'Han et al., "Learning both Weights and Connections for Efficient Neural Networks", NIPS 2015',
  kind: 'unstructured',
  paramsSchema: ParamsSchema,
  exampleParams: { percent: 0.5 },
  needs: 'conv-weights',

  // Round i of k removes 1 − (1 − p)^(i/k) of all conv weights: the same fraction of what is left each round
  // (Frankle & Carbin's iterative pruning). The weights the last round trained are zero where it masked them,
  // so the global threshold takes them first and each mask lies inside the last.
  roundParams(params, round, rounds) {
    const { percent } = params as Params;
    return { ...params, percent: round >= rounds ? percent : 1 - (1 - percent) ** (round / rounds) };
  },

  plan(spec, weights, raw): PruningPlan {
    checkSupports(magnitude, spec);
    const params = parseParams<Params>(magnitude, raw);
    const convs = convWeightParams(spec);
    const total = convs.reduce((s, p) => s + weightOf(weights, p.name).length, 0);
    const all = new Float32Array(total);
    let offset = 0;
    for (const p of convs) {
      const w = weightOf(weights, p.name);
      for (let i = 0; i < w.length; i++) all[offset + i] = Math.abs(w[i]!);
      offset += w.length;
    }
    const k = Math.floor(total * params.percent);
    const threshold = k === 0 ? -1 : kthSmallestInPlace(all, k);
    const masks: Record<string, string> = {};
    const emptied: string[] = [];
    for (const p of convs) {
      const w = weightOf(weights, p.name);
      const mask = new Uint8Array(w.length);
      for (let i = 0; i < w.length; i++) mask[i] = Math.abs(w[i]!) > threshold ? 1 : 0;
      if (!mask.includes(1)) emptied.push(p.name);
      masks[p.name] = encodeMask(mask);
    }
    const plan: PruningPlan = {
      version: PRUNING_PLAN_VERSION, method: magnitude.id, params, kind: 'unstructured',
      base: structuredClone(spec), pruned: structuredClone(spec), keep: {}, masks,
    };
    // The global threshold can take every weight of a layer: the network is then cut in two there.
    if (emptied.length > 0) plan.notes = [`magnitude at percent ${params.percent} removes every weight of ${emptied.join(', ')}: no signal passes ${emptied.length === 1 ? 'that layer' : 'those layers'}`];
    return plan;
  },
};

/** 0/1 masks by parameter name (masked parameters only), for training a masked model. */
export const maskFor: (plan: PruningPlan) => Map<string, Float32Array> = decodeMasks;

/** Multiplies grads[variable.name] by the mask of every masked parameter (replacing and disposing it). */
export function maskGradients(
  params: ReadonlyArray<readonly [string, tf.Variable]>,
  grads: tf.NamedTensorMap,
  masks: ReadonlyMap<string, tf.Tensor>,
): void {
  for (const [name, v] of params) {
    const m = masks.get(name);
    const g = grads[v.name];
    if (!m || !g) continue;
    grads[v.name] = tf.mul(g, m);
    g.dispose();
  }
}

/** Zeroes the masked entries of the variables in place (after loading or after an optimiser step). */
export function maskWeights(params: ReadonlyArray<readonly [string, tf.Variable]>, masks: ReadonlyMap<string, tf.Tensor>): void {
  for (const [name, v] of params) {
    const m = masks.get(name);
    if (m) tf.tidy(() => v.assign(tf.mul(v, m)));
  }
}

/**
 * Fresh weights for training the masked architecture from scratch (RNP weight-level cifar_E/B.py):
 * every parameter as the family initialises it, then each masked conv weight [k, k, in, out] redrawn
 * from N(0, 2/fan) with fan = (non-zero mask entries) / in, and masked.
 */
export function scratchInit(plan: PruningPlan, rng: Rng): Map<string, Float32Array> {
  const values = initParams(plan.pruned, rng);
  const masks = maskFor(plan);
  for (const p of collectParams(plan.pruned)) {
    const mask = masks.get(p.name);
    if (!mask) continue;
    const inChannels = p.shape[p.shape.length - 2]!;
    const nonZero = mask.reduce((s, m) => s + m, 0);
    const std = nonZero > 0 ? Math.sqrt(2 / (nonZero / inChannels)) : 0;
    const fresh = new Float32Array(mask.length);
    for (let i = 0; i < mask.length; i++) if (mask[i]) fresh[i] = std * rng.normal();
    values.set(p.name, fresh);
  }
  return values;
}
