// Regression-based channel pruning: He, Zhang, Sun, "Channel Pruning for Accelerating Very Deep Neural
// Networks", ICCV 2017, the predefined method of Liu et al. (ICLR 2019) Table 2 (ImageNet VGG-16-5x and
// ResNet-50-2x; the reference ships only the architectures). Per layer: the channels' contributions to
// sampled output entries of the layers that read them (as ThiNet's, reconstruction.ts), a LASSO over
// per-channel coefficients to choose the kept ones (lasso.ts), then the readers' weights on them
// rescaled by least squares (`rescale`).
// Layer by layer on the partly pruned network, as in the paper (`layerByLayer`, default on).
// Deviations from the paper, choices for this first version: the reconstruction is per channel (one
// factor each), not the paper's full least-squares refit of the next layer's weights; no fine-tuning
// between layers; no channel selection before a ResNet block's first conv (the paper's ResNet-50-2x).
import type { ArchSpec } from '../../../../src-shared/arch-spec.ts';
import { lassoSelect } from '../lasso.ts';
import { checkSupports, needsImages, parseParams, specForTarget, type PruningMethod } from '../method.ts';
import { ReconstructionParamsSchema, reconstructionPlan, type ReconstructionParams } from '../reconstruction.ts';

export const channelRegression: PruningMethod = {
  id: 'channel_regression',
  paper: 'He et al., "Channel Pruning for Accelerating Very Deep Neural Networks", ICCV 2017',
  kind: 'predefined',
  paramsSchema: ReconstructionParamsSchema,
  exampleParams: { widthsFrom: { ratio: 0.5 } },
  needs: 'reconstructable-convs',

  targetSpec(spec: ArchSpec, raw: unknown): ArchSpec {
    checkSupports(channelRegression, spec);
    return specForTarget(spec, parseParams<ReconstructionParams>(channelRegression, raw).widthsFrom, `${channelRegression.id} params.widthsFrom`);
  },

  plan(spec) {
    checkSupports(channelRegression, spec);
    throw needsImages(channelRegression);
  },

  planFromData(spec, weights, raw, rng, data) {
    checkSupports(channelRegression, spec);
    return reconstructionPlan(channelRegression.id, spec, weights, parseParams<ReconstructionParams>(channelRegression, raw), rng, data, lassoSelect);
  },
};
