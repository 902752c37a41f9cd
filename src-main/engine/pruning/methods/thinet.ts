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
// with the layers before it already pruned, as in the paper; `finetune` adds its fine-tuning between layers
// (a given number of batches after each layer; off by default, as it needs training data and time). Off,
// layerByLayer chooses every layer in one pass on the trained network.
import { greedyRemoval } from '../contributions.ts';
import { reconstructionMethod } from '../reconstruction.ts';

export const thinet = reconstructionMethod(
  'thinet',
  'Luo et al., "ThiNet: A Filter Level Pruning Method for Deep Neural Network Compression", ICCV 2017',
  (contrib, width) => {
    const removed = new Set(greedyRemoval(contrib, contrib.channels - width));
    return Array.from({ length: contrib.channels }, (_, c) => c).filter((c) => !removed.has(c));
  },
  { refit: false, inputSelection: false },
);
