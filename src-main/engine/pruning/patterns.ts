// Width patterns (Liu et al. ICLR 2019 §5, "guided" and "transferred guided" pruning; Crowley et al.'s
// scaled families): what an automatic method kept, as fractions of the base's widths, so that a new
// network can be designed from it and trained from scratch.
//   layers  kept fraction of each feature conv's output channels, mean over the seeds' plans
//   stages  the same fraction per stage — the feature convs grouped by the resolution they output, in
//           forward order (VGG between pools, a ResNet stage) — what transfers to another network
// Applied to a base, every feature conv gets round(width · fraction · multiplier) channels (at least 1):
// by layer where the pattern names each of the base's convs (its own architecture), else by stage; a base
// with another number of stages takes, for its stage s of S, the pattern's stage ⌊s·P/S⌋ (same relative depth).
import { z } from 'zod';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import type { PruningPlan } from '../../../src-shared/pruning.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { analyseCost } from '../analysis/cost.ts';
import type { ConvUnit } from './units.ts';
import { targetUnits } from './widths.ts';

const fraction = z.number().gt(0).max(1);

export const WidthPatternSchema = z.strictObject({
  version: z.literal(1).default(1),
  /** What the pattern was read from (informative). */
  source: z.strictObject({
    arch: z.string(), method: z.string(), seeds: z.array(z.number().int()),
    /** The experiment whose plans it is, where a spec named it (guided's fromPreset / fromExperiment). */
    experiment: z.number().int().positive().optional(),
  }).optional(),
  layers: z.record(z.string(), fraction).optional(),
  stages: z.array(z.strictObject({ resolution: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(), fraction })).min(1),
});
export type WidthPattern = z.infer<typeof WidthPatternSchema>;

/** The base's feature convs grouped by output resolution, in forward order. */
export function stagesOf(spec: ArchSpec): Array<{ resolution: [number, number]; units: ConvUnit[] }> {
  const shapes = new Map(analyseCost(spec).layers.map((l) => [l.name, l.outShape]));
  const stages: Array<{ resolution: [number, number]; units: ConvUnit[] }> = [];
  for (const u of targetUnits(spec)) {
    const [h, w] = shapes.get(u.layer)!;
    const last = stages.at(-1);
    if (last && last.resolution[0] === h && last.resolution[1] === w) last.units.push(u);
    else stages.push({ resolution: [h!, w!], units: [u] });
  }
  return stages;
}

/** The mean kept fraction per feature conv and per stage over structured plans of one base (the seeds': `seeds`). */
export function patternOf(plans: readonly PruningPlan[], seeds: readonly number[] = []): WidthPattern {
  if (plans.length === 0) throw new ValidationError('a width pattern needs at least one pruning plan');
  const base = plans[0]!.base;
  if (plans.some((p) => p.kind !== 'structured')) throw new ValidationError('a width pattern comes from structured plans (channels kept), not masks');
  const flags = (spec: ArchSpec): boolean[] => (spec as { residual?: boolean[] }).residual ?? [];
  if (plans.some((p) => flags(p.pruned).some((kept, k) => !kept && (flags(p.base)[k] ?? true)))) {
    throw new ValidationError(`a width pattern comes from the widths a plan keeps; these plans (${plans[0]!.method}) remove residual blocks, which no width says`);
  }
  const units = targetUnits(base);
  if (units.length === 0) throw new ValidationError(`a width pattern needs feature convs; this ${base.family} spec prunes only at channel selections`);
  const kept = (plan: PruningPlan, u: ConvUnit): number => {
    const pruned = new Map(targetUnits(plan.pruned).map((x) => [x.layer, x.width]));
    return (pruned.get(u.layer) ?? u.width) / u.width;
  };
  const layers: Record<string, number> = {};
  for (const u of units) layers[u.layer] = plans.reduce((s, p) => s + kept(p, u), 0) / plans.length;
  const stages = stagesOf(base).map((s) => ({
    resolution: s.resolution,
    // Channel-weighted: the stage's kept channels over its channels.
    fraction: s.units.reduce((sum, u) => sum + layers[u.layer]! * u.width, 0) / s.units.reduce((sum, u) => sum + u.width, 0),
  }));
  return { version: 1, source: { arch: base.id ?? base.family, method: plans[0]!.method, seeds: [...seeds] }, layers, stages };
}

/** Width per feature conv of `base` under `pattern` (see the file comment); `by` forces the rule. */
export function patternWidths(base: ArchSpec, pattern: WidthPattern, multiplier = 1, by?: 'layer' | 'stage'): { units: ConvUnit[]; widths: Map<string, number>; by: 'layer' | 'stage' } {
  const stages = stagesOf(base);
  const units = stages.flatMap((s) => s.units);
  if (units.length === 0) throw new ValidationError(`a width pattern applies to feature convs; this ${base.family} spec has none`);
  const named = pattern.layers !== undefined && units.every((u) => pattern.layers![u.layer] !== undefined);
  const rule = by ?? (named ? 'layer' : 'stage');
  if (rule === 'layer' && !named) {
    const missing = units.find((u) => pattern.layers?.[u.layer] === undefined)!;
    throw new ValidationError(`width pattern: field 'layers' has no fraction for '${missing.layer}' of this spec; apply it by stage`);
  }
  const width = (u: ConvUnit, f: number): number => Math.max(1, Math.round(u.width * f * multiplier));
  const widths = new Map<string, number>();
  stages.forEach((s, i) => {
    const f = pattern.stages[Math.floor((i * pattern.stages.length) / stages.length)]!.fraction;
    for (const u of s.units) widths.set(u.layer, width(u, rule === 'layer' ? pattern.layers![u.layer]! : f));
  });
  return { units, widths, by: rule };
}
