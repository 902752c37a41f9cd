// ImageNet ResNet-18/34 (basic) and ResNet-50 (bottleneck) (He et al., CVPR 2016), torchvision
// layout, as pruned by L1-norm (ResNet-34) in Liu et al., ICLR 2019. Follows RNP
// imagenet/l1-norm-pruning/resnet.py (torchvision 0.2 with per-block widths):
//   conv7×7/2 (64) → BN → ReLU → MaxPool 3×3/2 pad 1; stages of planes 64/128/256/512 (stride 2 from
//   stage 2, on the 3×3 conv); conv1×1/stride + BN projection where the shape changes; ReLU after each
//   add; AvgPool2d(7) module (a counted global average at 224²) → Linear.
// cfg: basic blocks one inner width each; bottleneck blocks [conv1-out, conv2-out] each, flattened.
// Init: conv N(0, 2/(k·k·out)), BN γ 1, Linear left at PyTorch's default.
// A block may lose its residual branch, and each branch may carry a learned scale (residual-blocks.ts):
// a block without its branch is its shortcut alone (the identity, or ReLU after the projection).
// SSS's ResNet-26/32/41 (Huang & Wang, ECCV 2018, as trained in Liu et al. ICLR 2019) are ResNet-50 with the
// branches RNP imagenet/sparse-structure-selection/README.md lists per stage: (a, b) = a branches remain, b
// whether the stage's first block keeps its own; which of the other blocks keep theirs the README leaves open
// (their shapes are equal): here the first ones. Those networks are MXNet's pre-activation ResNets; these are
// the torchvision layout, like every other network of this family.
// `resnet50_2x` is the regression method's ResNet-50-2x: a channel selection before each block's first conv
// (inputSelect) and a bias on the projection shortcuts, as RNP's resnet_2x.py.
import { z } from 'zod';
import { archSpecFields, positiveInt } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { ModelFamily } from './family.ts';
import type { Ops } from './ops.ts';
import { branchKept, checkResidual, keptBranches, residualBlockFields, residualBlocksBy, scaleLayer } from './residual-blocks.ts';

/**
 * ImageNet ResNet (torchvision layout: 7×7 stem, max-pool, four stages, 1×1 projection shortcuts).
 * Basic blocks: `cfg` holds each block's inner width (one entry per block).
 * Bottleneck blocks: `cfg` holds [conv1-out, conv2-out] per block, flattened.
 * `blocks` counts block positions; with `residual` flags, depth counts the kept branches ((2|3) · kept + 2).
 */
export const ImageNetResNetSpecSchema = z.strictObject({
  family: z.literal('resnet_imagenet'),
  ...archSpecFields,
  depth: positiveInt,
  block: z.enum(['basic', 'bottleneck']),
  blocks: z.tuple([positiveInt, positiveInt, positiveInt, positiveInt]),
  cfg: z.array(positiveInt),
  ...residualBlockFields,
  /**
   * Per block, the channels of its input its first conv reads (a channel_selection before conv1, the
   * regression method's ResNet-50-2x); the shortcut reads them all. Absent: conv1 reads every channel.
   */
  inputSelect: z.array(z.array(z.number().int().nonnegative())).optional(),
  /** The projection shortcut's conv carries a bias (RNP's resnet_2x.py); torchvision's has none. */
  downsampleBias: z.boolean().optional(),
});
export type ImageNetResNetSpec = z.infer<typeof ImageNetResNetSpecSchema>;

type Block = ImageNetResNetSpec['block'];

const PLANES = [64, 128, 256, 512] as const;
const perBlock = (block: Block): number => (block === 'basic' ? 1 : 2);
const expansion = (block: Block): number => (block === 'basic' ? 1 : 4);

function imagenet(id: string, depth: number, block: Block, blocks: [number, number, number, number]): ImageNetResNetSpec {
  const cfg = blocks.flatMap((count, s) => Array<number>(count * perBlock(block)).fill(PLANES[s]!));
  return { family: 'resnet_imagenet', id, input: [224, 224, 3], classes: 1000, depth, block, blocks, cfg };
}

/**
 * The regression method's ResNet-50-2x (RNP imagenet/regression-pruning/models/resnet_2x.py): its 48-entry cfg,
 * [conv1 input, conv1 out, conv2 out] per bottleneck, the input a selection of the block's input channels. The
 * reference loads which channels from filter.pkl (made from the authors' released Caffe model, not shipped);
 * the widths are what Scratch-E/B need, and here the selection keeps the first ones.
 */
export const RESNET50_2X_CFG = [35, 64, 55, 101, 51, 39, 97, 50, 37, 144, 128, 106, 205, 105, 72, 198, 105, 72, 288, 128, 110, 278, 256, 225, 418, 209, 147,
  407, 204, 158, 423, 212, 155, 412, 211, 148, 595, 256, 213, 606, 512, 433, 1222, 512, 437, 1147, 512, 440];

function resnet50x2(): ImageNetResNetSpec {
  const triples = Array.from({ length: 16 }, (_, k) => RESNET50_2X_CFG.slice(3 * k, 3 * k + 3));
  return {
    ...imagenet('resnet50_2x', 50, 'bottleneck', [3, 4, 6, 3]),
    cfg: triples.flatMap(([, a, b]) => [a!, b!]),
    inputSelect: triples.map(([n]) => Array.from({ length: n! }, (_, i) => i)),
    downsampleBias: true,
  };
}

/** ResNet-50 with, per stage, `a` branches left and whether the first block keeps its own (`b`): the README's (a, b). */
function sss(id: string, depth: number, stages: Array<[number, boolean]>): ImageNetResNetSpec {
  const base = imagenet(id, depth, 'bottleneck', [3, 4, 6, 3]);
  const residual = base.blocks.flatMap((count, s) => {
    const [a, first] = stages[s]!;
    return Array.from({ length: count }, (_, i) => (i === 0 ? first : i <= a - (first ? 1 : 0)));
  });
  return { ...base, residual };
}

const totalBlocks = (spec: ImageNetResNetSpec): number => spec.blocks.reduce((a, b) => a + b, 0);
/** Two (basic) or three (bottleneck) convs a branch, plus the stem and the classifier. */
const depthOf = (spec: ImageNetResNetSpec, kept: number): number => (spec.block === 'basic' ? 2 : 3) * kept + 2;

export const resnetImagenet: ModelFamily<ImageNetResNetSpec> = {
  family: 'resnet_imagenet',
  schema: ImageNetResNetSpecSchema,
  source: 'He et al. CVPR 2016; Liu et al. ICLR 2019; RNP imagenet/l1-norm-pruning/resnet.py (torchvision layout)',
  init: { conv: 'fan_out', bnGamma: 1, dense: 'torch_default' },
  variants: {
    resnet18_imagenet: imagenet('resnet18_imagenet', 18, 'basic', [2, 2, 2, 2]),
    resnet34_imagenet: imagenet('resnet34_imagenet', 34, 'basic', [3, 4, 6, 3]),
    resnet50_imagenet: imagenet('resnet50_imagenet', 50, 'bottleneck', [3, 4, 6, 3]),
    resnet41_sss: sss('resnet41_sss', 41, [[0, false], [4, true], [6, true], [3, true]]),
    resnet32_sss: sss('resnet32_sss', 32, [[1, false], [4, true], [4, true], [1, true]]),
    resnet26_sss: sss('resnet26_sss', 26, [[0, false], [2, false], [5, false], [1, true]]),
    resnet50_2x: resnet50x2(),
  },
  examples: [
    { label: 'resnet18_imagenet at 32×32', spec: { ...imagenet('resnet18_imagenet', 18, 'basic', [2, 2, 2, 2]), input: [32, 32, 3], classes: 10 } },
    {
      label: 'bottleneck ResNet-14 (one block per stage) at 32×32',
      spec: {
        family: 'resnet_imagenet', input: [32, 32, 3], classes: 10, depth: 14, block: 'bottleneck',
        blocks: [1, 1, 1, 1], cfg: [64, 64, 128, 128, 256, 256, 512, 512],
      },
    },
  ],

  validate(spec) {
    const total = totalBlocks(spec);
    checkResidual('resnet_imagenet', spec, total);
    if (spec.inputSelect && spec.inputSelect.length !== total) {
      throw new ValidationError(`resnet_imagenet spec: field 'inputSelect' must have one channel list per block (${total}), got ${spec.inputSelect.length}`);
    }
    const kept = keptBranches(spec, total);
    const depth = depthOf(spec, kept);
    if (spec.depth !== depth) {
      throw new ValidationError(
        `resnet_imagenet spec: field 'depth' is ${spec.depth} ` +
          `but ${spec.block} blocks ${JSON.stringify(spec.blocks)}${spec.residual ? ` keeping ${kept} residual branches` : ''} make ${depth}`,
      );
    }
    if (spec.cfg.length !== total * perBlock(spec.block)) {
      throw new ValidationError(
        `resnet_imagenet spec: field 'cfg' must have ${total * perBlock(spec.block)} entries ` +
          `(${perBlock(spec.block)} per ${spec.block} block) (got ${spec.cfg.length})`,
      );
    }
  },

  residualBlocks: residualBlocksBy({ blocks: totalBlocks, depth: depthOf }),

  // [h, w, c] -> [classes]
  forward<T>(ops: Ops<T>, x: T, spec: ImageNetResNetSpec): T {
    const per = perBlock(spec.block);
    x = ops.conv2d('conv1', x, { filters: PLANES[0], kernel: 7, stride: 2, pad: 3 });
    x = ops.reluMaxPool(ops.batchNorm('bn1', x), { size: 3, stride: 2, pad: 1 });
    let k = 0;
    spec.blocks.forEach((count, s) => {
      const width = expansion(spec.block) * PLANES[s]!;
      for (let i = 0; i < count; i++, k++) {
        const name = `layer${s + 1}.${i}`;
        const stride = s > 0 && i === 0 ? 2 : 1;
        const changes = stride !== 1 || ops.shape(x)[2] !== width;
        const projection = (): T =>
          ops.batchNorm(`${name}.downsample.1`, ops.conv2d(`${name}.downsample.0`, x, { filters: width, kernel: 1, stride, bias: spec.downsampleBias === true }));
        if (!branchKept(spec, k)) {
          if (changes) x = ops.relu(projection());
          continue;
        }
        const inner = spec.cfg.slice(per * k, per * k + per);
        const select = spec.inputSelect?.[k];
        let out = select ? ops.selectChannels(x, select) : x;
        if (spec.block === 'basic') {
          const prunable = { slot: { field: 'cfg', index: k }, stage: s, refId: 2 * k + 2 } as const;
          out = ops.conv2d(`${name}.conv1`, out, { filters: inner[0]!, kernel: 3, stride, prunable });
          out = ops.relu(ops.batchNorm(`${name}.bn1`, out));
          out = ops.batchNorm(`${name}.bn2`, ops.conv2d(`${name}.conv2`, out, { filters: width, kernel: 3 }));
        } else {
          const prunable = (c: number) => ({ slot: { field: 'cfg', index: 2 * k + c }, stage: s, refId: 3 * k + 2 + c }) as const;
          out = ops.relu(ops.batchNorm(`${name}.bn1`, ops.conv2d(`${name}.conv1`, out, { filters: inner[0]!, kernel: 1, prunable: prunable(0) })));
          out = ops.conv2d(`${name}.conv2`, out, { filters: inner[1]!, kernel: 3, stride, prunable: prunable(1) });
          out = ops.relu(ops.batchNorm(`${name}.bn2`, out));
          out = ops.batchNorm(`${name}.bn3`, ops.conv2d(`${name}.conv3`, out, { filters: width, kernel: 1 }));
        }
        if (spec.blockScales) out = ops.scale(scaleLayer(name), out);
        x = ops.relu(ops.add(out, changes ? projection() : x));
      }
    });
    return ops.dense('fc', ops.globalAvgPool(x), spec.classes);
  },
};
