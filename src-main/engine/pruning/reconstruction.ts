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
import { structuredPlan, type PlanningData } from './method.ts';
import { unitReaders, type ChannelReader } from './readers.ts';
import { WidthTargetSchema, targetWidths } from './widths.ts';

export const ReconstructionParamsSchema = z.strictObject({
  widthsFrom: WidthTargetSchema,
  /** Training images sampled (ThiNet: 10 per ImageNet class); fewer where the set is smaller. */
  images: z.number().int().positive().default(256),
  /** Output entries sampled per image and reading layer (both papers: 10). */
  locations: z.number().int().positive().default(10),
  /** Rescale the readers' weights on the kept channels by least squares, as both papers reconstruct. */
  rescale: z.boolean().default(true),
});
export type ReconstructionParams = z.infer<typeof ReconstructionParamsSchema>;

/** Images read per forward pass. */
const CHUNK = 32;

/** The plan: for each narrowed unit, `choose(contributions, width)` gives its kept channels (ascending). */
export async function reconstructionPlan(
  method: string, spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>, params: ReconstructionParams, rng: Rng, data: PlanningData,
  choose: (contrib: Contributions, width: number) => number[],
): Promise<PruningPlan> {
  const { units, widths, name } = targetWidths(spec, params.widthsFrom, `${method} params.widthsFrom`);
  const narrowed = units.filter((u) => widths.get(u.layer)! < u.width);
  const readers = new Map<string, ChannelReader[]>();
  for (const [layer, r] of unitReaders(spec, narrowed)) {
    if (typeof r === 'string') throw new ValidationError(`pruning method '${method}' cannot choose the channels of layer '${layer}': ${r}`);
    readers.set(layer, r);
  }
  if (data.size < 1) throw new ValidationError(`pruning method '${method}' needs training images: the dataset has none`);
  const count = Math.min(params.images, data.size);
  const order = rng.shuffle(Int32Array.from({ length: data.size }, (_, i) => i)).subarray(0, count);
  const contrib = new Map(narrowed.map((u) => [u.layer, new Contributions(u.width, count * params.locations * readers.get(u.layer)!.length)]));
  const wanted = new Set([...readers.values()].flat().map((r) => r.layer));
  for (let at = 0; at < count; at += CHUNK) {
    const indices = order.subarray(at, at + CHUNK);
    const inputs = await layerInputs(spec, weights, await data.read(indices), indices.length, wanted);
    for (const u of narrowed) {
      for (const r of readers.get(u.layer)!) {
        sampleContributions(r, inputs.get(r.layer)!, weights.get(`${r.layer}.weight`)!, params.locations, rng, contrib.get(u.layer)!);
      }
    }
  }
  const kept = new Map<string, number[]>();
  const rescale: Record<string, number[]> = {};
  for (const u of narrowed) {
    const list = choose(contrib.get(u.layer)!, widths.get(u.layer)!);
    kept.set(u.layer, list);
    if (params.rescale) rescale[u.layer] = Array.from(rescaleFactors(contrib.get(u.layer)!, list), (f) => Math.fround(f));
  }
  const plan = structuredPlan(method, params, spec, units, kept, name);
  return Object.keys(rescale).length > 0 ? { ...plan, rescale } : plan;
}
