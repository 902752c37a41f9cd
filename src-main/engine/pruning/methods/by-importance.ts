// Predefined widths, channels chosen by any registered importance (importance/register-all.ts: filter L1,
// filter L2, BN |γ|, random): the experiment that asks whether the criterion matters at fixed widths — the
// question behind Crowley et al.'s random baseline (arXiv 1810.04622) and Liu et al.'s (ICLR 2019) finding
// that, for structured pruning, the widths and not the kept weights carry the value. Widths as l1_norm's
// params (a named target, a cfg, ratio, ratios, stageRatios).
import { z } from 'zod';
import { ValidationError } from '../../../../src-shared/errors.ts';
import { keepMostImportant } from '../importance/importance.ts';
import { getImportance, importances } from '../importance/register-all.ts';
import { checkSupports, parseParams, specForTarget, structuredPlan, type PruningMethod } from '../method.ts';
import { WidthTargetSchema, targetWidths } from '../widths.ts';

const ParamsSchema = z.strictObject({
  /** The importance that chooses the kept channels (see importance/register-all.ts). */
  importance: z.enum(importances.map((i) => i.id) as [string, ...string[]]),
  /** The widths to prune to, as l1_norm's params (exactly one of target, cfg, ratio, ratios, stageRatios). */
  widthsFrom: WidthTargetSchema,
});
type Params = z.infer<typeof ParamsSchema>;

export const byImportance: PruningMethod = {
  id: 'by_importance',
  paper: 'Predefined widths with a chosen criterion (Crowley et al., arXiv 1810.04622; Liu et al., ICLR 2019)',
  kind: 'predefined',
  paramsSchema: ParamsSchema,
  exampleParams: { importance: 'l2', widthsFrom: { ratio: 0.5 } },
  needs: 'feature-convs',

  targetSpec(spec, raw) {
    checkSupports(byImportance, spec);
    return specForTarget(spec, parseParams<Params>(byImportance, raw).widthsFrom, `${byImportance.id} params.widthsFrom`);
  },

  plan(spec, weights, raw, rng) {
    checkSupports(byImportance, spec);
    const params = parseParams<Params>(byImportance, raw);
    const importance = getImportance(params.importance);
    const { units, widths, name } = targetWidths(spec, params.widthsFrom, `${byImportance.id} params.widthsFrom`);
    for (const u of units) {
      const why = widths.get(u.layer)! < u.width ? importance.cannotScore(u) : null;
      if (why) throw new ValidationError(`${byImportance.id} params.importance: '${importance.id}' cannot choose channels here: ${why}`);
    }
    return structuredPlan(byImportance.id, params, spec, units, keepMostImportant(importance, units, widths, weights, rng), name);
  },
};
