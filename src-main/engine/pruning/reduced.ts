// The reduced network (Crowley, Turner, Storkey & O'Boyle, "A Closer Look at Structured Pruning for
// Neural Network Compression", arXiv 1810.04622; "Pruning neural networks: is it time to nip it in the
// bud?"): the base architecture narrowed uniformly — every conv a method could prune (VGG's convs, a
// ResNet block's inner width) at the same ratio, as the `uniform` method does — to the parameter count of
// a pruned network, then trained from scratch. Widths are whole channels, so one ratio moves in steps
// (a 16-channel layer loses 6% at a time): between the two ratios that bracket the target, layers
// give up their one further channel one by one, widest first, until the count is closest to the target —
// every width stays within one channel of ⌊width·(1 − ratio)⌋.
//
// A network with no such conv — the CIFAR DenseNet, whose convs all feed the concatenated stream — is
// narrowed where it can be: every channel selection (the input of each dense layer, transition and the
// final BN) reads the same fraction of its input, spread evenly over it (the first of every 1/(1 − ratio)),
// the growth rate kept. (A narrower growth rate moves DenseNet-40's parameters in ≈ 16% steps: no growth
// rate comes within 1% of most pruned networks.)
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { analyseCost } from '../analysis/cost.ts';
import { candidatesOf, prunableUnits, specWithKept, unitId, type PrunableUnit } from './units.ts';
import { targetUnits } from './widths.ts';

export interface ReducedNetwork {
  spec: ArchSpec;
  /** The fraction of channels removed from every narrowed conv or selection (to within one channel). */
  ratio: number;
  params: number;
}

/** What a uniform ratio narrows in `spec`: its feature convs, or where it has none its channel selections. */
export function reducibleUnits(spec: ArchSpec): PrunableUnit[] {
  const convs = targetUnits(spec);
  return convs.length > 0 ? convs : prunableUnits(spec).filter((u) => u.kind === 'select');
}

/** Each unit at its width: a conv's first channels, a selection's spread evenly over its candidates. */
function specAt(base: ArchSpec, units: readonly PrunableUnit[], widths: ReadonlyMap<string, number>): ArchSpec {
  const kept = new Map<string, number[]>();
  for (const u of units) {
    const w = widths.get(unitId(u))!;
    const candidates = candidatesOf(u);
    kept.set(unitId(u), u.kind === 'conv' ? candidates.slice(0, w) : Array.from({ length: w }, (_, i) => candidates[Math.floor((i * candidates.length) / w)]!));
  }
  return specWithKept(base, units, kept).pruned;
}

/** `base` narrowed uniformly to the parameter count closest to `targetParams`. */
export function reducedNetwork(base: ArchSpec, targetParams: number): ReducedNetwork {
  const units = reducibleUnits(base);
  if (units.length === 0) {
    throw new ValidationError(`regime 'reduced': this ${base.family} spec has no conv widths or channel selections to narrow uniformly`);
  }
  const widthOf = (u: PrunableUnit): number => candidatesOf(u).length;
  const widthsAt = (ratio: number) => new Map(units.map((u) => [unitId(u), Math.max(1, Math.floor(widthOf(u) * (1 - ratio)))]));
  const at = (ratio: number): ReducedNetwork & { widths: Map<string, number> } => {
    const widths = widthsAt(ratio);
    const spec = specAt(base, units, widths);
    return { spec, ratio, params: analyseCost(spec).totals.params, widths };
  };
  const full = at(0);
  if (targetParams >= full.params) return named(base, full);
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
  // From the wider network, one more channel off one unit at a time (widest first) while still above.
  const widths = new Map(above.widths);
  let best: ReducedNetwork = above;
  const order = units.filter((u) => widths.get(unitId(u))! > below.widths.get(unitId(u))!).sort((a, b) => widths.get(unitId(b))! - widths.get(unitId(a))!);
  for (const u of order) {
    widths.set(unitId(u), widths.get(unitId(u))! - 1);
    const spec = specAt(base, units, widths);
    const candidate = { spec, ratio: hi, params: analyseCost(spec).totals.params };
    if (Math.abs(candidate.params - targetParams) < Math.abs(best.params - targetParams)) best = candidate;
    if (candidate.params <= targetParams) break;
  }
  if (Math.abs(below.params - targetParams) < Math.abs(best.params - targetParams)) best = below;
  return named(base, best);
}

function named(base: ArchSpec, r: ReducedNetwork): ReducedNetwork {
  return { spec: { ...r.spec, id: `${base.id ?? base.family}_reduced` }, ratio: r.ratio, params: r.params };
}
