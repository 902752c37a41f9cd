// Random channel pruning at predefined widths — the "does the criterion matter?" control (cf. the random
// criterion of Crowley et al., arXiv 1810.04622, and RNP's lottery-ticket `--prune random`). Widths
// come from `widthsFrom`, any predefined target l1_norm accepts (a named target, a cfg, ratios); the
// kept channels of each prunable conv are a uniformly random subset drawn from the plan's rng.
import { z } from 'zod';
import type { ArchSpec } from '../../../../src-shared/arch-spec.ts';
import { keepMostImportant } from '../importance/importance.ts';
import { randomImportance } from '../importance/random.ts';
import { checkSupports, parseParams, specForTarget, structuredPlan, type PruningMethod } from '../method.ts';
import { WidthTargetSchema, targetWidths } from '../widths.ts';

const ParamsSchema = z.strictObject({
  /** The widths to prune to, as l1_norm's params (exactly one of target, cfg, ratio, ratios, stageRatios). */
  widthsFrom: WidthTargetSchema,
});
type Params = z.infer<typeof ParamsSchema>;

export const randomChannels: PruningMethod = {
  id: 'random',
  paper: 'Random channel selection (control); Crowley et al., arXiv 1810.04622; Liu et al., ICLR 2019',
  kind: 'predefined',
  paramsSchema: ParamsSchema,
  exampleParams: { widthsFrom: { ratio: 0.5 } },
  needs: 'feature-convs',

  targetSpec(spec: ArchSpec, raw: unknown): ArchSpec {
    checkSupports(randomChannels, spec);
    return specForTarget(spec, parseParams<Params>(randomChannels, raw).widthsFrom, `${randomChannels.id} params.widthsFrom`);
  },

  plan(spec, weights, raw, rng) {
    checkSupports(randomChannels, spec);
    const params = parseParams<Params>(randomChannels, raw);
    const { units, widths, name } = targetWidths(spec, params.widthsFrom, `${randomChannels.id} params.widthsFrom`);
    const kept = keepMostImportant(randomImportance, units, widths, weights, rng);
    return structuredPlan(randomChannels.id, params, spec, units, kept, name);
  },
};
