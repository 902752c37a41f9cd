// What ThiNet and the regression method share: widths from a predefined target, then, for every unit
// the target narrows, its readers' output entries sampled on training images as per-channel
// contributions (contributions.ts); a method's `choose` keeps channels from them; the kept channels'
// least-squares factors (`rescale`) go into the plan for applyPlan.
import { z } from 'zod';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { PruningPlan } from '../../../src-shared/pruning.ts';
import type { Rng } from '../random.ts';
import { Contributions, rescaleFactors, sampleContributions } from './contributions.ts';
import { layerInputs } from './layer-inputs.ts';
import { applyPlan } from './apply-plan.ts';
import { checkSupports, needsImages, parseParams, specForTarget, structuredPlan, type PlanningData, type PruningMethod } from './method.ts';
import { unitReaders, type ChannelReader } from './readers.ts';
import type { ConvUnit } from './units.ts';
import { WidthTargetSchema, targetUnits, targetWidths } from './widths.ts';

export const ReconstructionParamsSchema = z.strictObject({
  widthsFrom: WidthTargetSchema,
  /** Training images sampled (ThiNet: 10 per ImageNet class); fewer where the set is smaller. */
  images: z.number().int().positive().default(256),
  /** Output entries sampled per image and reading layer (both papers: 10). */
  locations: z.number().int().positive().default(10),
  /** Rescale the readers' weights on the kept channels by least squares, as both papers reconstruct. */
  rescale: z.boolean().default(true),
  /**
   * Choose layer by layer in forward order, each on the network with the earlier layers already pruned
   * (ThiNet's and the regression paper's procedure, without their fine-tuning between layers); off: every
   * layer in one pass on the trained network (one forward pass per image instead of one per layer).
   */
  layerByLayer: z.boolean().default(true),
});
export type ReconstructionParams = z.infer<typeof ReconstructionParamsSchema>;

/**
 * A reconstruction method: predefined widths, planned from images by `choose` (the kept channels of one unit
 * from its contributions and target width); the rest — params, target spec, refusals — shared.
 */
export function reconstructionMethod(id: string, paper: string, choose: (contrib: Contributions, width: number) => number[]): PruningMethod {
  const method: PruningMethod = {
    id,
    paper,
    kind: 'predefined',
    paramsSchema: ReconstructionParamsSchema,
    exampleParams: { widthsFrom: { ratio: 0.5 } },
    needs: 'reconstructable-convs',
    targetSpec(spec, raw) {
      checkSupports(method, spec);
      return specForTarget(spec, parseParams<ReconstructionParams>(method, raw).widthsFrom, `${id} params.widthsFrom`);
    },
    plan(spec) {
      checkSupports(method, spec);
      throw needsImages(method);
    },
    planFromData(spec, weights, raw, rng, data) {
      checkSupports(method, spec);
      return reconstructionPlan(id, spec, weights, parseParams<ReconstructionParams>(method, raw), rng, data, choose);
    },
  };
  return method;
}

/** Images read per forward pass. */
const CHUNK = 32;

/** The plan: for each narrowed unit, `choose(contributions, width)` gives its kept channels (ascending). */
export async function reconstructionPlan(
  method: string, spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>, params: ReconstructionParams, rng: Rng, data: PlanningData,
  choose: (contrib: Contributions, width: number) => number[],
): Promise<PruningPlan> {
  const { units, widths, name } = targetWidths(spec, params.widthsFrom, `${method} params.widthsFrom`);
  const narrowed = units.filter((u) => widths.get(u.layer)! < u.width);
  if (data.size < 1) throw new ValidationError(`pruning method '${method}' needs training images: the dataset has none`);
  const count = Math.min(params.images, data.size);
  const order = rng.shuffle(Int32Array.from({ length: data.size }, (_, i) => i)).subarray(0, count);
  const kept = new Map<string, number[]>();
  const rescale: Record<string, number[]> = {};
  const planSoFar = (): PruningPlan => {
    const plan = structuredPlan(method, params, spec, units, kept, name);
    return Object.keys(rescale).length > 0 ? { ...plan, rescale: { ...rescale } } : plan;
  };
  const decide = (u: ConvUnit, contrib: Contributions): void => {
    const list = choose(contrib, widths.get(u.layer)!);
    kept.set(u.layer, list);
    if (params.rescale) rescale[u.layer] = Array.from(rescaleFactors(contrib, list), (f) => Math.fround(f));
  };
  if (!params.layerByLayer) {
    const contrib = await sample(method, spec, weights, narrowed, order, params.locations, rng, data);
    for (const u of narrowed) decide(u, contrib.get(u.layer)!);
  } else {
    // In forward order, each unit on the network with the units before it already pruned (and rescaled).
    for (const u of narrowed) {
      const sofar = planSoFar();
      const current = targetUnits(sofar.pruned).find((x) => x.layer === u.layer)!;
      const contrib = await sample(method, sofar.pruned, applyPlan(sofar, weights), [current], order, params.locations, rng, data);
      decide(u, contrib.get(u.layer)!);
    }
  }
  return planSoFar();
}

/** Each unit's contributions to its readers' sampled entries, on the images `order` of `data`. */
async function sample(
  method: string, spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>, units: readonly ConvUnit[], order: Int32Array, locations: number,
  rng: Rng, data: PlanningData,
): Promise<Map<string, Contributions>> {
  const readers = new Map<string, ChannelReader[]>();
  for (const [layer, r] of unitReaders(spec, units)) {
    if (typeof r === 'string') throw new ValidationError(`pruning method '${method}' cannot choose the channels of layer '${layer}': ${r}`);
    readers.set(layer, r);
  }
  const contrib = new Map(units.map((u) => [u.layer, new Contributions(u.width, order.length * locations * readers.get(u.layer)!.length)]));
  const wanted = new Set([...readers.values()].flat().map((r) => r.layer));
  for (let at = 0; at < order.length; at += CHUNK) {
    const indices = order.subarray(at, at + CHUNK);
    const inputs = await layerInputs(spec, weights, await data.read(indices), indices.length, wanted);
    for (const u of units) {
      for (const r of readers.get(u.layer)!) {
        sampleContributions(r, inputs.get(r.layer)!, weights.get(`${r.layer}.weight`)!, locations, rng, contrib.get(u.layer)!);
      }
    }
  }
  return contrib;
}
