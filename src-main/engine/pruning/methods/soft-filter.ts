// Soft Filter Pruning: He, Kang, Dong, Fu, Yang, "Soft Filter Pruning for Accelerating Deep Convolutional
// Neural Networks", IJCAI 2018, as Liu et al. (ICLR 2019) run it (RNP cifar/soft-filter-pruning,
// pruning_cifar10_resnet.py): while the large model trains, at the end of every epoch (and once before
// the first) each conv's ⌊out·(1 − rate)⌋ filters of smallest L2 norm are set to zero — but stay
// trainable, so a zeroed filter can grow back and another be chosen next epoch ("soft"). The plan is the
// last selection as filter masks on the unchanged architecture (the reference keeps a full-size model
// with zero filters); fine-tuning and scratch training keep them zero. Scratch re-initialises a fresh
// full-size model and masks it (the reference's scratch scripts). Every conv, as the reference's
// layer_begin..layer_end covers every conv weight but the classifier.
import { z } from 'zod';
import type { ArchSpec } from '../../../../src-shared/arch-spec.ts';
import { PRUNING_PLAN_VERSION, type PruningPlan } from '../../../../src-shared/pruning.ts';
import { convWeightParams, initParams } from '../../models/build.ts';
import { Rng } from '../../random.ts';
import * as tf from '../../tf.ts';
import { applyPlan } from '../apply-plan.ts';
import { filterL2 } from '../importance/l2.ts';
import { encodeMask } from '../masks.ts';
import { checkSupports, parseParams, type PruningMethod } from '../method.ts';
import { weightOf } from '../scoring.ts';

const ParamsSchema = z.strictObject({
  /** Fraction of each conv's filters KEPT (the reference's --rate; README example 0.7). */
  rate: z.number().gt(0).max(1).default(0.7),
});
type Params = z.infer<typeof ParamsSchema>;

/** 0/1 per filter: the ⌊out·(1 − rate)⌋ smallest norms get 0 (the earlier filter first on a tie). */
export function filterMask(norms: ArrayLike<number>, rate: number): Uint8Array {
  const out = norms.length;
  const pruned = Math.floor(out * (1 - rate));
  const order = Array.from({ length: out }, (_, i) => i).sort((a, b) => norms[a]! - norms[b]! || a - b);
  const mask = new Uint8Array(out).fill(1);
  for (const i of order.slice(0, pruned)) mask[i] = 0;
  return mask;
}

export const softFilter: PruningMethod = {
  id: 'soft_filter',
  paper: 'He et al., "Soft Filter Pruning for Accelerating Deep Convolutional Neural Networks", IJCAI 2018',
  kind: 'unstructured',
  paramsSchema: ParamsSchema,
  exampleParams: { rate: 0.5 },
  needs: 'conv-weights',

  training: {
    afterEpoch(raw) {
      const { rate } = parseParams<Params>(softFilter, raw);
      return {
        describe: `zero the ${Math.round((1 - rate) * 100)}% smallest-L2 filters of every conv`,
        apply(model) {
          for (const p of model.paramSpecs) {
            if (p.layerKind !== 'conv' || p.role !== 'weight') continue;
            const v = model.variables.get(p.name)!;
            const out = p.shape.at(-1)!;
            const mask = filterMask(filterL2(v.dataSync(), out), rate);
            if (mask.every((m) => m === 1)) continue;
            tf.tidy(() => v.assign(tf.mul(v, tf.tensor1d(Float32Array.from(mask)))));
          }
        },
      };
    },

    scratchInit(plan, seed) {
      // A fresh draw ('scratch-init', not the baseline's 'init' stream: same architecture, so that would be
      // the baseline's own start — the lottery ticket), masked.
      return applyPlan(plan, initParams(plan.base, Rng.fromSeed(seed, 'scratch-init')));
    },
  },

  plan(spec, weights, raw): PruningPlan {
    checkSupports(softFilter, spec);
    const params = parseParams<Params>(softFilter, raw);
    const masks: Record<string, string> = {};
    for (const p of convWeightParams(spec)) {
      const w = weightOf(weights, p.name);
      const out = p.shape.at(-1)!;
      const filters = filterMask(filterL2(w, out), params.rate);
      masks[p.name] = encodeMask(Uint8Array.from({ length: w.length }, (_, i) => filters[i % out]!));
    }
    return {
      version: PRUNING_PLAN_VERSION, method: softFilter.id, params, kind: 'unstructured',
      base: structuredClone(spec), pruned: structuredClone(spec), keep: {}, masks,
    };
  },
};
