// Network Slimming: Liu, Li, Shen, Huang, Yan, Zhang, "Learning Efficient Convolutional Networks through
// Network Slimming", ICCV 2017, as run by Liu et al., ICLR 2019 (RNP cifar/network-slimming/{main,vggprune,
// resprune,denseprune}.py, imagenet/network-slimming/prune.py).
// Training the large model: s·sign(γ) is added to the gradient of every BN scale γ (L1 sparsity).
// Planning: one global ranking of |γ| over every prunable BN channel (units.ts: VGG conv BNs and the
// head's BN1d; PreResNet's selections and conv1/conv2 output BNs; DenseNet's selections; the inner BNs
// of ResNet blocks), and the ⌊total·percent⌋ smallest are removed. (RNP keeps |γ| > the value at index
// ⌊total·percent⌋, which removes one channel more plus ties; we remove exactly that many, ties broken
// by layer order then channel.) Unlike RNP (issues #30, #50) no layer is ever left empty: each keeps at
// least `minChannels` (its largest |γ|), or with `strictMinimum` the plan fails naming the layer.
import { z } from 'zod';
import { ValidationError } from '../../../../src-shared/errors.ts';
import * as tf from '../../tf.ts';
import { checkSupports, parseParams, structuredPlan, type GradientRegularizer, type PruningMethod } from '../method.ts';
import { bnScaleImportance } from '../importance/bn-scale.ts';
import { topK } from '../scoring.ts';
import { candidatesOf, prunableUnits, unitId } from '../units.ts';
import { RatioSchema } from '../widths.ts';

const ParamsSchema = z.strictObject({
  /** Fraction of all prunable BN channels removed (RNP --percent; script default 0.5). */
  percent: RatioSchema.default(0.5),
  /** Sparsity strength s (RNP --s): 1e-4 for VGG, 1e-5 for PreResNet/DenseNet and ImageNet. */
  sparsity: z.number().nonnegative().default(1e-4),
  /** Fewest channels any layer keeps. */
  minChannels: z.number().int().positive().default(1),
  /** Fail instead of restoring channels when a layer would keep fewer than minChannels. */
  strictMinimum: z.boolean().default(false),
});
type Params = z.infer<typeof ParamsSchema>;

const isGamma = (name: string): boolean => name.endsWith('.gamma');

/** s·sign(γ) on every BN γ; sign(0) = 0 as torch.sign. */
export function slimmingRegularizer(sparsity: number): GradientRegularizer {
  return {
    describe: `${sparsity} · sign(γ) on every BN γ`,
    appliesTo: isGamma,
    extraGradient(name, value) {
      return isGamma(name) ? Float32Array.from(value, (g) => sparsity * Math.sign(g)) : null;
    },
    addToGradients(params, grads) {
      for (const [name, v] of params) {
        const g = grads[v.name];
        if (!isGamma(name) || !g) continue;
        grads[v.name] = tf.tidy(() => tf.add(g, tf.mul(tf.sign(v), sparsity)));
        g.dispose();
      }
    },
  };
}

export const networkSlimming: PruningMethod = {
  id: 'network_slimming',
  paper: 'Liu et al., "Learning Efficient Convolutional Networks through Network Slimming", ICCV 2017',
  kind: 'automatic',
  paramsSchema: ParamsSchema,
  exampleParams: { percent: 0.5 },
  needs: 'bn-units',

  training: {
    regularizer(raw) {
      const { sparsity } = parseParams<Params>(networkSlimming, raw);
      return sparsity > 0 ? slimmingRegularizer(sparsity) : null;
    },
  },

  plan(spec, weights, raw, rng) {
    checkSupports(networkSlimming, spec);
    const params = parseParams<Params>(networkSlimming, raw);
    // Units without a BN (a BN-folded import's convs) have no γ to rank: they keep every channel.
    const units = prunableUnits(spec).filter((u) => bnScaleImportance.cannotScore(u) === null);
    // Every (unit, channel, |γ|), in unit order then channel order — the tie-break.
    const entries: Array<{ unit: number; channel: number; score: number }> = [];
    const scores = units.map((u, i) => {
      const s = bnScaleImportance.scores(u, weights, rng);
      for (const c of candidatesOf(u)) entries.push({ unit: i, channel: c, score: s[c]! });
      return s;
    });
    const removeCount = Math.floor(entries.length * params.percent);
    const order = entries.map((_, i) => i).sort((a, b) => entries[a]!.score - entries[b]!.score || a - b);
    const removed = units.map(() => new Set<number>());
    for (const i of order.slice(0, removeCount)) removed[entries[i]!.unit]!.add(entries[i]!.channel);

    const kept = new Map<string, number[]>();
    const restored: string[] = [];
    units.forEach((u, i) => {
      if (removed[i]!.size === 0) return;
      const candidates = candidatesOf(u);
      let list = candidates.filter((c) => !removed[i]!.has(c));
      const minimum = Math.min(params.minChannels, candidates.length);
      if (list.length < minimum) {
        if (params.strictMinimum) {
          throw new ValidationError(
            `${networkSlimming.id}: layer '${unitId(u)}'${u.kind === 'conv' ? ` (BN '${u.bn}')` : ' (channel selection)'} would keep ${list.length} of ${candidates.length} channels at percent ` +
              `${params.percent}, fewer than minChannels ${params.minChannels}; lower 'percent' or drop 'strictMinimum'`,
          );
        }
        restored.push(`${unitId(u)} (+${minimum - list.length})`);
        list = topK(scores[i]!, minimum, candidates);
      }
      kept.set(unitId(u), list);
    });
    const plan = structuredPlan(networkSlimming.id, params, spec, units, kept);
    if (restored.length > 0) {
      const removedNow = entries.length - units.reduce((n, u) => n + (kept.get(unitId(u))?.length ?? candidatesOf(u).length), 0);
      plan.notes = [
        `network_slimming removed ${removedNow} of ${entries.length} prunable channels (${((100 * removedNow) / entries.length).toFixed(1)}%), not the ${removeCount} asked ` +
          `(percent ${params.percent}): ${restored.length} layer${restored.length === 1 ? '' : 's'} kept channels back to keep minChannels ${params.minChannels}: ${restored.slice(0, 8).join(', ')}${restored.length > 8 ? ', …' : ''}`,
      ];
    }
    return plan;
  },
};
