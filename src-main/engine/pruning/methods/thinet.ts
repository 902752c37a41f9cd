// ThiNet: Luo, Wu, Lin, "ThiNet: A Filter Level Pruning Method for Deep Neural Network Compression",
// ICCV 2017, the predefined method of Liu et al. (ICLR 2019) Table 2 (ImageNet VGG-16 and ResNet-50;
// the reference ships only the architectures, the fine-tuned numbers are the authors' Caffe models).
// A layer's filters are chosen by the NEXT layer: sample output entries of every layer that reads the
// unit's channels (readers.ts) on training images (`images` of them, `locations` entries each: a
// position and an output channel, uniformly), split each entry into the channels' contributions
// (contributions.ts) and greedily remove the channels whose removal changes the sampled entries least
// (squared error, Algorithm 1). Then (`rescale`, on by default as in §3.3) each reader's weights on the
// kept channels are scaled by the least-squares factors that best restore the sampled entries.
// Widths are predefined, as for L1 (`widthsFrom`: thinet_conv, thinet30/50/70 or any width target).
// Layer by layer in forward order (`layerByLayer`, default on), each layer's samples taken on the network
// with the layers before it already pruned, as in the paper — but without its fine-tuning between layers
// (the deviation; off, every layer is chosen in one pass on the trained network).
import type { ArchSpec } from '../../../../src-shared/arch-spec.ts';
import { greedyRemoval } from '../contributions.ts';
import { checkSupports, needsImages, parseParams, specForTarget, type PruningMethod } from '../method.ts';
import { ReconstructionParamsSchema, reconstructionPlan, type ReconstructionParams } from '../reconstruction.ts';

export const thinet: PruningMethod = {
  id: 'thinet',
  paper: 'Luo et al., "ThiNet: A Filter Level Pruning Method for Deep Neural Network Compression", ICCV 2017',
  kind: 'predefined',
  paramsSchema: ReconstructionParamsSchema,
  exampleParams: { widthsFrom: { ratio: 0.5 } },
  needs: 'reconstructable-convs',

  targetSpec(spec: ArchSpec, raw: unknown): ArchSpec {
    checkSupports(thinet, spec);
    return specForTarget(spec, parseParams<ReconstructionParams>(thinet, raw).widthsFrom, `${thinet.id} params.widthsFrom`);
  },

  plan(spec) {
    checkSupports(thinet, spec);
    throw needsImages(thinet);
  },

  planFromData(spec, weights, raw, rng, data) {
    checkSupports(thinet, spec);
    return reconstructionPlan(thinet.id, spec, weights, parseParams<ReconstructionParams>(thinet, raw), rng, data, (contrib, width) => {
      const removed = new Set(greedyRemoval(contrib, contrib.channels - width));
      return Array.from({ length: contrib.channels }, (_, c) => c).filter((c) => !removed.has(c));
    });
  },
};
