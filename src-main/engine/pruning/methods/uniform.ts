// Uniform width reduction — the "reduced network" baseline of Crowley, Turner, Storkey, O'Boyle,
// "A Closer Look at Structured Pruning for Neural Network Compression" (arXiv 1810.04622; BayesWatch/
// pytorch-prunes `--width` / `--bottle_mult`): the same prune ratio in every prunable conv,
// kept = max(1, ⌊width·(1−ratio)⌋). Channels are chosen by filter L1 so fine-tuning starts from
// something sensible; for Scratch training only the widths matter.
import { z } from 'zod';
import type { ArchSpec } from '../../../../src-shared/arch-spec.ts';
import { checkSupports, parseParams, specWithWidths, structuredPlan, type PruningMethod } from '../method.ts';
import { keepMostImportant } from '../importance/importance.ts';
import { l1Importance } from '../importance/l1.ts';
import { RatioSchema, targetWidths } from '../widths.ts';

const ParamsSchema = z.strictObject({
  /** Fraction of channels removed from every prunable conv. */
  ratio: RatioSchema,
});
type Params = z.infer<typeof ParamsSchema>;

export const uniform: PruningMethod = {
  id: 'uniform',
  paper: 'Crowley et al., "A Closer Look at Structured Pruning for Neural Network Compression", arXiv 1810.04622',
  kind: 'predefined',
  paramsSchema: ParamsSchema,
  exampleParams: { ratio: 0.5 },
  needs: 'feature-convs',

  targetSpec(spec: ArchSpec, raw: unknown): ArchSpec {
    checkSupports(uniform, spec);
    const { ratio } = parseParams<Params>(uniform, raw);
    const { units, widths } = targetWidths(spec, { ratio }, `${uniform.id} params`);
    return specWithWidths(spec, units, widths);
  },

  plan(spec, weights, raw, rng) {
    checkSupports(uniform, spec);
    const params = parseParams<Params>(uniform, raw);
    const { units, widths } = targetWidths(spec, { ratio: params.ratio }, `${uniform.id} params`);
    const kept = keepMostImportant(l1Importance, units, widths, weights, rng);
    return structuredPlan(uniform.id, params, spec, units, kept);
  },
};
