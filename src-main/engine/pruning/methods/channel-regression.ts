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
import { lassoSelect } from '../lasso.ts';
import { reconstructionMethod } from '../reconstruction.ts';

export const channelRegression = reconstructionMethod(
  'channel_regression',
  'He et al., "Channel Pruning for Accelerating Very Deep Neural Networks", ICCV 2017',
  lassoSelect,
);
