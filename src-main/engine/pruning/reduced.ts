// The reduced network (Crowley, Turner, Storkey & O'Boyle, "A Closer Look at Structured Pruning for
// Neural Network Compression", arXiv 1810.04622; "Pruning neural networks: is it time to nip it in the
// bud?"): the base architecture narrowed uniformly — every conv a method could prune (VGG's convs, a
// ResNet block's inner width) at the same ratio, as the `uniform` method does — to the parameter count of
// a pruned network, then trained from scratch. Widths are whole channels, so one ratio moves in steps
// (a 16-channel layer loses 6% at a time): between the two ratios that bracket the target, layers
// give up their one further channel one by one, widest first, until the count is closest to the target —
// every width stays within one channel of ⌊width·(1 − ratio)⌋.
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { analyseCost } from '../analysis/cost.ts';
import { specWithWidths } from './method.ts';
import { targetUnits } from './widths.ts';

export interface ReducedNetwork {
  spec: ArchSpec;
  /** The fraction of channels removed from every narrowed conv (to within one channel). */
  ratio: number;
  params: number;
}

/** `base` narrowed uniformly to the parameter count closest to `targetParams`. */
export function reducedNetwork(base: ArchSpec, targetParams: number): ReducedNetwork {
  const units = targetUnits(base);
  if (units.length === 0) {
    throw new ValidationError(`regime 'reduced': this ${base.family} spec has no conv widths to narrow uniformly`);
  }
  const at = (ratio: number): ReducedNetwork => {
    const widths = new Map(units.map((u) => [u.layer, Math.max(1, Math.floor(u.width * (1 - ratio)))]));
    const spec = specWithWidths(base, units, widths);
    return { spec, ratio, params: analyseCost(spec).totals.params };
  };
  const full = at(0);
  if (targetParams >= full.params) return full;
  // Params fall (in steps) as the ratio grows: find the smallest ratio at or below the target, then take
  // whichever of it and the step before is nearer.
  let lo = 0;
  let hi = 1 - 1e-9;
  for (let i = 0; i < 48; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid).params > targetParams) lo = mid;
    else hi = mid;
  }
  const below = at(hi);
  const above = at(lo);
  // From the wider network, one more channel off one layer at a time (widest first) while still above.
  const widths = new Map(targetUnits(above.spec).map((u) => [u.layer, u.width]));
  const narrower = new Map(targetUnits(below.spec).map((u) => [u.layer, u.width]));
  let best = above;
  const order = units.filter((u) => widths.get(u.layer)! > narrower.get(u.layer)!).sort((a, b) => widths.get(b.layer)! - widths.get(a.layer)!);
  for (const u of order) {
    widths.set(u.layer, widths.get(u.layer)! - 1);
    const spec = specWithWidths(base, units, widths);
    const candidate = { spec, ratio: hi, params: analyseCost(spec).totals.params };
    if (Math.abs(candidate.params - targetParams) < Math.abs(best.params - targetParams)) best = candidate;
    if (candidate.params <= targetParams) break;
  }
  if (Math.abs(below.params - targetParams) < Math.abs(best.params - targetParams)) best = below;
  return { ...best, spec: { ...best.spec, id: `${base.id ?? base.family}_reduced` } };
}
