// L1-norm filter pruning: Li, Kadav, Durdanovic, Samet, Graf, "Pruning Filters for Efficient ConvNets",
// ICLR 2017, as run by Liu et al., ICLR 2019 (RNP cifar/l1-norm-pruning/{vggprune,res56prune,res110prune}.py,
// imagenet/l1-norm-pruning/prune.py). One shot, per layer: each prunable conv keeps its filters with the
// largest Σ|w| over (k, k, in) of the trained weights. Widths are predefined (widths.ts): the named
// targets reproduce §1.3's VGG-16-A, ResNet-56/110-A/B and ResNet-34-A/B exactly.
// Prunable convs: every VGG conv; the inner convs of ResNet blocks (residual widths, stem and shortcuts
// untouched); PreResNet's conv1/conv2 outputs.
import type { ArchSpec } from '../../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../../src-shared/errors.ts';
import type { Rng } from '../../random.ts';
import { checkSupports, parseParams, specForTarget, structuredPlan, type PruningMethod } from '../method.ts';
import { keepMostImportant } from '../importance/importance.ts';
import { l1Importance } from '../importance/l1.ts';
import { WidthTargetSchema, targetWidths, type WidthTarget } from '../widths.ts';

export const l1Norm: PruningMethod = {
  id: 'l1_norm',
  paper: 'Li et al., "Pruning Filters for Efficient ConvNets", ICLR 2017',
  kind: 'predefined',
  paramsSchema: WidthTargetSchema,
  exampleParams: { ratio: 0.5 },
  needs: 'feature-convs',

  targetSpec(spec: ArchSpec, raw: unknown): ArchSpec {
    checkSupports(l1Norm, spec);
    return specForTarget(spec, parseParams<WidthTarget>(l1Norm, raw), `${l1Norm.id} params`);
  },

  // Round i of k keeps (1 − r)^(i/k) of each layer for each ratio r: the same share of what the last round
  // left. The next round chooses on the base architecture with the removed filters at zero (apply-plan.ts
  // embedInBase), so it removes them again first: each round's channels lie inside the last's.
  roundParams(params, round, rounds) {
    const p = params as WidthTarget;
    if (p.target !== undefined || p.cfg !== undefined) {
      throw new ValidationError(`${l1Norm.id} params: iterative rounds need 'ratio', 'ratios' or 'stageRatios' (each round removes a share of what is left); a 'target' or a 'cfg' fixes the widths once`);
    }
    const at = (r: number): number => (round >= rounds ? r : 1 - (1 - r) ** (round / rounds));
    return {
      ...p,
      ...(p.ratio !== undefined ? { ratio: at(p.ratio) } : {}),
      ...(p.ratios ? { ratios: p.ratios.map(at) } : {}),
      ...(p.stageRatios ? { stageRatios: p.stageRatios.map(at) } : {}),
    };
  },

  plan(spec, weights, raw, rng: Rng) {
    checkSupports(l1Norm, spec);
    const params = parseParams<WidthTarget>(l1Norm, raw);
    const { units, widths, name } = targetWidths(spec, params, `${l1Norm.id} params`);
    const kept = keepMostImportant(l1Importance, units, widths, weights, rng);
    return structuredPlan(l1Norm.id, params, spec, units, kept, name);
  },
};
