// ArchSpec: plain JSON that fully describes a network. A model is built from an ArchSpec,
// pruning produces one, and scratch training needs nothing else. `cfg` keeps the meaning it has
// in the reference code (Eric-mingjie/rethinking-network-pruning), per family, as documented below.
import { z } from 'zod';

const positiveInt = z.number().int().positive();
/** [height, width, channels] of one input image. */
export const InputShapeSchema = z.tuple([positiveInt, positiveInt, positiveInt]);

const common = {
  /** Stable snake_case id of the variant this spec came from (e.g. `vgg16`, `resnet56_b`). */
  id: z.string().regex(/^[a-z0-9_]+$/).optional(),
  input: InputShapeSchema,
  classes: z.number().int().min(2),
};

/** Channel indices kept by a channel-selection layer (PreResNet / DenseNet), ascending. */
const SelectionSchema = z.array(z.number().int().nonnegative());

/**
 * VGG: `cfg` lists conv widths (3×3, pad 1, BN, ReLU) and 'M' for a 2×2 max-pool.
 * Head: `pool` then one Linear–BN1d–ReLU per entry of `fc`, then Linear(classes).
 * L1-norm CIFAR head: pool 'global_avg', fc [512]; slimming CIFAR head: 'global_avg', fc [];
 * ImageNet VGG-11-BN: 'flatten', fc [4096, 4096].
 * 'global_avg' averages the whole final map. The reference's CIFAR VGG applies `AvgPool2d(2)` there,
 * which is the same thing for its cfgs on 32×32 inputs (the map is 2×2) but not for a custom cfg or input
 * that ends on a larger map: there the reference would pool 2×2 windows and flatten, this averages all.
 */
export const VggSpecSchema = z.strictObject({
  family: z.literal('vgg'),
  ...common,
  cfg: z.array(z.union([positiveInt, z.literal('M')])).min(1),
  pool: z.enum(['global_avg', 'flatten']),
  fc: z.array(positiveInt),
  /**
   * Which reference vgg.py sets the conv bias and the initialisation. 'pruning' (the default): RNP's
   * cifar/{l1-norm-pruning,network-slimming} models, no conv bias (except with the 'flatten' head, as
   * torchvision's ImageNet VGG), conv N(0, 2/(k·k·out)), BatchNorm2d γ 0.5. 'weight_level': RNP's
   * cifar/weight-level/models/cifar/vgg.py (its `vgg19_bn`), conv bias, conv N(0, 2/(k·k·in)), γ 1.
   */
  reference: z.enum(['pruning', 'weight_level']).optional(),
});

/**
 * CIFAR ResNet (He et al. 2016), basic blocks, depth 6n+2, option-A (zero-padding) shortcuts.
 * `widths` are the three stage widths; `cfg` the inner width (first conv output) of each of the 3n blocks.
 */
export const ResNetSpecSchema = z.strictObject({
  family: z.literal('resnet'),
  ...common,
  depth: positiveInt,
  widths: z.tuple([positiveInt, positiveInt, positiveInt]),
  cfg: z.array(positiveInt),
});

/**
 * CIFAR PreResNet with bottleneck blocks (depth 9n+2), as in network slimming.
 * `cfg` is flat: per block [selected-input-width, conv1-out, conv2-out], then the final selected width.
 * `select` (optional) names the kept channels of each channel-selection layer (3n blocks + final);
 * absent means "all channels", which requires cfg's selected widths to equal the full widths.
 */
export const PreResNetSpecSchema = z.strictObject({
  family: z.literal('preresnet'),
  ...common,
  depth: positiveInt,
  widths: z.tuple([positiveInt, positiveInt, positiveInt]),
  cfg: z.array(positiveInt),
  select: z.array(SelectionSchema).optional(),
});

/**
 * CIFAR DenseNet (no bottleneck, no compression), depth 3n+4, as in network slimming.
 * `cfg` gives the selected input width of each dense layer, each transition and the final BN (3n+3 entries).
 * `select` as for PreResNet.
 */
export const DenseNetSpecSchema = z.strictObject({
  family: z.literal('densenet'),
  ...common,
  depth: positiveInt,
  growth: positiveInt,
  cfg: z.array(positiveInt),
  select: z.array(SelectionSchema).optional(),
});

/**
 * ImageNet ResNet (torchvision layout: 7×7 stem, max-pool, four stages, 1×1 projection shortcuts).
 * Basic blocks: `cfg` holds each block's inner width (one entry per block).
 * Bottleneck blocks: `cfg` holds [conv1-out, conv2-out] per block, flattened.
 */
export const ImageNetResNetSpecSchema = z.strictObject({
  family: z.literal('resnet_imagenet'),
  ...common,
  depth: positiveInt,
  block: z.enum(['basic', 'bottleneck']),
  blocks: z.tuple([positiveInt, positiveInt, positiveInt, positiveInt]),
  cfg: z.array(positiveInt),
});

export const ArchSpecSchema = z.discriminatedUnion('family', [
  VggSpecSchema,
  ResNetSpecSchema,
  PreResNetSpecSchema,
  DenseNetSpecSchema,
  ImageNetResNetSpecSchema,
]);

export type ArchSpec = z.infer<typeof ArchSpecSchema>;
export type VggSpec = z.infer<typeof VggSpecSchema>;
export type ResNetSpec = z.infer<typeof ResNetSpecSchema>;
export type PreResNetSpec = z.infer<typeof PreResNetSpecSchema>;
export type DenseNetSpec = z.infer<typeof DenseNetSpecSchema>;
export type ImageNetResNetSpec = z.infer<typeof ImageNetResNetSpecSchema>;
export type ArchFamily = ArchSpec['family'];
