// Regression-based channel pruning: He, Zhang, Sun, "Channel Pruning for Accelerating Very Deep Neural
// Networks", ICCV 2017, the predefined method of Liu et al. (ICLR 2019) Table 2 (ImageNet VGG-16-5x and
// ResNet-50-2x; the reference ships only the architectures). Per layer: the channels' contributions to
// sampled output entries of the layers that read them (as ThiNet's, reconstruction.ts), a LASSO over
// per-channel coefficients to choose the kept ones (lasso.ts), then the readers' weights on them refitted
// by least squares towards the un-pruned network's outputs (`refit`, on by default: refit.ts; off, one
// factor per kept channel as ThiNet's `rescale`).
// Layer by layer on the partly pruned network, as in the paper (`layerByLayer`, default on).
// Deviations from the paper: the LASSO chooses from contributions on the network pruned so far (the paper's
// target Y is the un-pruned network's, as the refit's here); β is not folded into the weights (the refit
// that follows replaces them); no fine-tuning between layers by default (`finetune` adds ThiNet's). ResNets: a
// target's `inputWidths` (the target resnet50_2x) also chooses which channels of its stream each block's first
// conv reads (input-selection.ts, the paper's channel sampling before a branch), after the inner convs.
import { lassoSelect } from '../lasso.ts';
import { reconstructionMethod } from '../reconstruction.ts';

export const channelRegression = reconstructionMethod(
  'channel_regression',
  'He et al., "Channel Pruning for Accelerating Very Deep Neural Networks", ICCV 2017',
  lassoSelect,
  { refit: true, inputSelection: true },
);
