// ThiNet: Luo, Wu, Lin, "ThiNet: A Filter Level Pruning Method for Deep Neural Network Compression",
// ICCV 2017, the predefined method of Liu et al. (ICLR 2019) Table 2 (ImageNet VGG-16 and ResNet-50;
// the reference ships only the architectures, the fine-tuned numbers are the authors' Caffe models).
// A layer's filters are chosen by the NEXT layer: sample output entries of every layer that reads the
// unit's channels (readers.ts) on training images (`images` of them, `locations` entries each: a
// position and an output channel, uniformly), split each entry into the channels' contributions
// (contributions.ts) and greedily remove the channels whose removal changes the sampled entries least
// (squared error, Algorithm 1). Widths are predefined, as for L1 (`widthsFrom`: thinet_conv, thinet30/50/70
// or any width target).
// Then (`rescale`, on by default as in §3.3) each reader's weights on the kept channels are scaled by the
// least-squares factors that best restore the sampled entries (the plan's `rescale`; applyPlan applies it).
// Deviation from the paper, a choice for this first version: every layer is chosen in one pass on the
// trained model's activations (the paper prunes layer by layer, fine-tuning between layers, and reads the
// pruned model's activations).
import { z } from 'zod';
import type { ArchSpec } from '../../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../../src-shared/errors.ts';
import type { Rng } from '../../random.ts';
import { Contributions, greedyRemoval, rescaleFactors, sampleContributions } from '../contributions.ts';
import { layerInputs } from '../layer-inputs.ts';
import { checkSupports, needsImages, parseParams, specForTarget, structuredPlan, type PlanningData, type PruningMethod } from '../method.ts';
import { unitReaders, type ChannelReader } from '../readers.ts';
import { WidthTargetSchema, targetWidths } from '../widths.ts';

const ParamsSchema = z.strictObject({
  widthsFrom: WidthTargetSchema,
  /** Training images sampled (the paper: 10 per ImageNet class); fewer where the set is smaller. */
  images: z.number().int().positive().default(256),
  /** Output entries sampled per image and reading layer (the paper: 10). */
  locations: z.number().int().positive().default(10),
  /** Rescale the next layer's weights on the kept channels by least squares (§3.3), as the paper does. */
  rescale: z.boolean().default(true),
});
type Params = z.infer<typeof ParamsSchema>;

/** Images read per forward pass. */
const CHUNK = 32;

export const thinet: PruningMethod = {
  id: 'thinet',
  paper: 'Luo et al., "ThiNet: A Filter Level Pruning Method for Deep Neural Network Compression", ICCV 2017',
  kind: 'predefined',
  paramsSchema: ParamsSchema,
  exampleParams: { widthsFrom: { ratio: 0.5 } },
  needs: 'reconstructable-convs',

  targetSpec(spec: ArchSpec, raw: unknown): ArchSpec {
    checkSupports(thinet, spec);
    return specForTarget(spec, parseParams<Params>(thinet, raw).widthsFrom, `${thinet.id} params.widthsFrom`);
  },

  plan(spec) {
    checkSupports(thinet, spec);
    throw needsImages(thinet);
  },

  async planFromData(spec, weights, raw, rng: Rng, data: PlanningData) {
    checkSupports(thinet, spec);
    const params = parseParams<Params>(thinet, raw);
    const { units, widths, name } = targetWidths(spec, params.widthsFrom, `${thinet.id} params.widthsFrom`);
    const narrowed = units.filter((u) => widths.get(u.layer)! < u.width);
    const readers = new Map<string, ChannelReader[]>();
    for (const [layer, r] of unitReaders(spec, narrowed)) {
      if (typeof r === 'string') throw new ValidationError(`pruning method 'thinet' cannot choose the channels of layer '${layer}': ${r}`);
      readers.set(layer, r);
    }
    if (data.size < 1) throw new ValidationError(`pruning method 'thinet' needs training images: the dataset has none`);
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
      const removed = new Set(greedyRemoval(contrib.get(u.layer)!, u.width - widths.get(u.layer)!));
      const list = Array.from({ length: u.width }, (_, c) => c).filter((c) => !removed.has(c));
      kept.set(u.layer, list);
      if (params.rescale) rescale[u.layer] = Array.from(rescaleFactors(contrib.get(u.layer)!, list), (f) => Math.fround(f));
    }
    const plan = structuredPlan(thinet.id, params, spec, units, kept, name);
    return Object.keys(rescale).length > 0 ? { ...plan, rescale } : plan;
  },
};
