// Guided pruning (Liu et al., "Rethinking the Value of Network Pruning", ICLR 2019, §5): widths from a
// width pattern (patterns.ts) — what an automatic method such as network slimming kept, per layer or per
// stage, averaged over seeds — applied to a base, the same one ("guided") or another model or dataset
// ("transferred guided"), optionally scaled by a width multiplier (Crowley et al.'s scaled families).
// Predefined: the widths need no trained weights; channels are chosen by filter L1, as `uniform` does,
// so fine-tuning has a start, though the paper trains these networks from scratch.
import { z } from 'zod';
import type { ArchSpec } from '../../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../../src-shared/errors.ts';
import { checkSupports, parseParams, specWithWidths, structuredPlan, type PruningMethod } from '../method.ts';
import { patternWidths, WidthPatternSchema } from '../patterns.ts';
import { keepMostImportant } from '../importance/importance.ts';
import { l1Importance } from '../importance/l1.ts';

/**
 * Where a pattern comes from instead of the pattern itself: the newest completed experiment of a preset at the
 * spec's scale, or an experiment by id. `pwb run` and the app put the pattern in its place before the
 * experiment is prepared (queries/pattern-source.ts), so the stored spec holds the widths it trained.
 */
export const PatternSourceSchema = z.union([
  z.strictObject({ fromPreset: z.string().regex(/^[a-z0-9-]+$/) }),
  z.strictObject({ fromExperiment: z.number().int().positive() }),
]);

const ParamsSchema = z.strictObject({
  /** A width pattern, e.g. from `pwb pattern <experiment> --json`, or where to read one (PatternSourceSchema). */
  pattern: z.union([WidthPatternSchema, PatternSourceSchema]),
  /** Per layer (the pattern's own architecture) or per stage (any); default: by layer where it names every conv. */
  by: z.enum(['layer', 'stage']).optional(),
  /** Scales every width (a smaller member of the family); at most 1, since channels come from the base. */
  multiplier: z.number().gt(0).max(1).default(1),
});
type Params = z.infer<typeof ParamsSchema>;

function widthsFor(spec: ArchSpec, params: Params) {
  const { pattern } = params;
  if ('fromPreset' in pattern || 'fromExperiment' in pattern) {
    const named = 'fromPreset' in pattern ? `preset '${pattern.fromPreset}'` : `experiment ${pattern.fromExperiment}`;
    throw new ValidationError(`method.params.pattern: names ${named} instead of giving the widths, and only \`pwb run\` and the app read it from a database; give the pattern itself (\`pwb pattern <experiment> --json\`)`);
  }
  return patternWidths(spec, pattern, params.multiplier, params.by);
}

export const guided: PruningMethod = {
  id: 'guided',
  paper: 'Liu et al., "Rethinking the Value of Network Pruning", ICLR 2019, §5 (guided and transferred guided pruning)',
  kind: 'predefined',
  paramsSchema: ParamsSchema,
  exampleParams: { pattern: { stages: [{ fraction: 0.75 }, { fraction: 0.5 }] } },
  needs: 'feature-convs',

  targetSpec(spec, raw) {
    checkSupports(guided, spec);
    const { units, widths } = widthsFor(spec, parseParams<Params>(guided, raw));
    return specWithWidths(spec, units, widths);
  },

  plan(spec, weights, raw, rng) {
    checkSupports(guided, spec);
    const params = parseParams<Params>(guided, raw);
    const { units, widths } = widthsFor(spec, params);
    const kept = keepMostImportant(l1Importance, units, widths, weights, rng);
    return structuredPlan(guided.id, params, spec, units, kept);
  },
};
