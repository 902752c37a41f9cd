// VGG with batch norm (Simonyan & Zisserman 2015) — or without, as torchvision's `vgg16` (batchNorm: false) — as used by Liu et al., "Rethinking the Value of
// Network Pruning" (ICLR 2019). Follows RNP (Eric-mingjie/rethinking-network-pruning):
//   cifar/l1-norm-pruning/models/vgg.py   — head Linear(c,512)–BN1d–ReLU–Linear  (fc [512])
//   cifar/network-slimming/models/vgg.py  — head single Linear                    (fc [])
//   imagenet/network-slimming/vgg.py      — VGG-11-BN, flatten, 4096–BN1d–ReLU ×2 (fc [4096, 4096])
// In the CIFAR models `nn.AvgPool2d(2)` on the final 2×2 map is created inside forward, so it is a
// functional (uncounted) global average. The ImageNet model's convs carry a bias (torchvision's
// make_layers), the CIFAR ones do not: a 'flatten' head implies conv biases.
// Layer names are the reference module paths: features.<i> (conv, BN), classifier[.<i>].
// Initialisation as RNP's `_initialize_weights`: conv N(0, 2/(k·k·out)), BatchNorm2d γ 0.5, Linear
// N(0, 0.01²) with zero bias; the head's BatchNorm1d is not touched there, so it keeps PyTorch's γ = 1.
// `vgg19_bn` (and its depth siblings) is the weight-level experiments' model instead
// (cifar/weight-level/models/cifar/vgg.py, spec.reference 'weight_level'): the same cfgs and functional
// 2×2 average on the 2×2 map, a single Linear(512, classes), conv with bias, conv N(0, 2/(k·k·in)),
// BatchNorm2d γ 1, Linear N(0, 0.01²).
import { z } from 'zod';
import { archSpecFields, positiveInt } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { ModelFamily } from './family.ts';
import type { InitScheme } from './ops.ts';

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
  ...archSpecFields,
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
  /**
   * false: torchvision's VGG without batch norm (`vgg16`, the ImageNet base of ThiNet and the regression
   * method in RNP imagenet/{thinet,regression-pruning}): conv (bias) → ReLU in the features, and each head
   * entry Linear → ReLU → Dropout(0.5). Module indices follow torchvision's (features.<i>, classifier.<i>).
   */
  batchNorm: z.boolean().optional(),
});
export type VggSpec = z.infer<typeof VggSpecSchema>;

type Cfg = VggSpec['cfg'];

const M = 'M' as const;
const CFGS: Record<11 | 13 | 16 | 19, Cfg> = {
  11: [64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512],
  13: [64, 64, M, 128, 128, M, 256, 256, M, 512, 512, M, 512, 512],
  16: [64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512],
  19: [64, 64, M, 128, 128, M, 256, 256, 256, 256, M, 512, 512, 512, 512, M, 512, 512, 512, 512],
};

function cifar(id: string, depth: 11 | 13 | 16 | 19, fc: number[]): VggSpec {
  return { family: 'vgg', id, input: [32, 32, 3], classes: 10, cfg: [...CFGS[depth]], pool: 'global_avg', fc };
}

function weightLevel(id: string, depth: 11 | 13 | 16 | 19): VggSpec {
  return { ...cifar(id, depth, []), reference: 'weight_level' };
}

const RNP_PRUNING_INIT: InitScheme = { conv: 'fan_out', bnGamma: 0.5, dense: 'normal_0.01' };
const RNP_WEIGHT_LEVEL_INIT: InitScheme = { conv: 'fan_in', bnGamma: 1, dense: 'normal_0.01' };

const variants: Record<string, VggSpec> = {
  vgg11: cifar('vgg11', 11, [512]),
  vgg13: cifar('vgg13', 13, [512]),
  vgg16: cifar('vgg16', 16, [512]),
  vgg19: cifar('vgg19', 19, [512]),
  vgg11_slim: cifar('vgg11_slim', 11, []),
  vgg13_slim: cifar('vgg13_slim', 13, []),
  vgg16_slim: cifar('vgg16_slim', 16, []),
  vgg19_slim: cifar('vgg19_slim', 19, []),
  vgg11_bn: weightLevel('vgg11_bn', 11),
  vgg13_bn: weightLevel('vgg13_bn', 13),
  vgg16_bn: weightLevel('vgg16_bn', 16),
  vgg19_bn: weightLevel('vgg19_bn', 19),
  vgg11_bn_imagenet: {
    family: 'vgg',
    id: 'vgg11_bn_imagenet',
    input: [224, 224, 3],
    classes: 1000,
    cfg: [64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M],
    pool: 'flatten',
    fc: [4096, 4096],
  },
  // torchvision's VGG-16 (no BN; 138,357,544 parameters), the ImageNet base of ThiNet and the regression method.
  vgg16_imagenet: {
    family: 'vgg', id: 'vgg16_imagenet', input: [224, 224, 3], classes: 1000,
    cfg: [...CFGS[16], M], pool: 'flatten', fc: [4096, 4096], batchNorm: false,
  },
  // ThiNet's VGG-GAP and VGG-Tiny (RNP imagenet/thinet/models/thinetvgg.py; anchors-mission §1.3): VGG-16 without BN,
  // thinner, no last max-pool, the FC layers replaced by an average over the final 14×14 map (the reference's
  // AvgPool2d(14, stride 2) there, a module it counts; here an uncounted average, ≈ 0.1 MFLOPs of 15 GFLOPs) and one FC.
  thinet_vgg_gap: {
    family: 'vgg', id: 'thinet_vgg_gap', input: [224, 224, 3], classes: 1000, batchNorm: false, pool: 'global_avg', fc: [],
    cfg: [32, 32, M, 64, 64, M, 128, 128, 128, M, 256, 256, 256, M, 512, 512, 512],
  },
  thinet_vgg_tiny: {
    family: 'vgg', id: 'thinet_vgg_tiny', input: [224, 224, 3], classes: 1000, batchNorm: false, pool: 'global_avg', fc: [],
    cfg: [16, 16, M, 32, 32, M, 64, 64, 64, M, 128, 128, 128, M, 128, 128, 256],
  },
  // Small enough to train on a 2-core CPU: Fashion-MNIST 28×28×1 → 14 → 7 → 3, then average.
  vgg_mini: {
    family: 'vgg',
    id: 'vgg_mini',
    input: [28, 28, 1],
    classes: 10,
    cfg: [16, M, 32, M, 64, M],
    pool: 'global_avg',
    fc: [],
  },
};

export const vgg: ModelFamily<VggSpec> = {
  family: 'vgg',
  schema: VggSpecSchema,
  source:
    'Liu et al. ICLR 2019; RNP cifar/{l1-norm-pruning,network-slimming}/models/vgg.py, imagenet/network-slimming/vgg.py, ' +
    'cifar/weight-level/models/cifar/vgg.py',
  init: RNP_PRUNING_INIT,
  initFor: (spec) => (spec.reference === 'weight_level' ? RNP_WEIGHT_LEVEL_INIT : RNP_PRUNING_INIT),
  variants,
  examples: [
    { label: 'vgg_mini (global pool, single linear)', spec: variants.vgg_mini! },
    { label: 'vgg11 L1 head at 16×16 (Linear–BN1d–ReLU–Linear)', spec: { ...variants.vgg11!, input: [16, 16, 3], classes: 10 } },
    {
      label: 'tiny flatten head (conv bias, flatten, BN1d ×2)',
      spec: { family: 'vgg', input: [8, 8, 3], classes: 5, cfg: [8, 'M', 12, 'M'], pool: 'flatten', fc: [24, 16] },
    },
    {
      label: 'VGG without BN (conv bias, flatten, Linear–ReLU–Dropout head)',
      spec: { family: 'vgg', input: [8, 8, 3], classes: 5, cfg: [8, 'M', 12, 'M'], pool: 'flatten', fc: [16], batchNorm: false },
    },
    {
      label: 'weight-level VGG (conv bias, global pool, single linear)',
      spec: { family: 'vgg', input: [8, 8, 3], classes: 5, cfg: [8, 'M', 12, 12], pool: 'global_avg', fc: [], reference: 'weight_level' },
    },
  ],

  validate(spec) {
    if (!spec.cfg.some((v) => v !== 'M')) {
      throw new ValidationError(`vgg spec: field 'cfg' needs at least one conv width (got ${JSON.stringify(spec.cfg)})`);
    }
  },

  // [h, w, c] -> [classes]
  forward(ops, x, spec) {
    const bn = spec.batchNorm !== false;
    // torchvision's VGG without BN: every conv has a bias; with BN, only the 'flatten' head's and weight-level's.
    const bias = !bn || spec.pool === 'flatten' || spec.reference === 'weight_level';
    let i = 0; // the reference's features.<i> module index: conv, BN, ReLU, or pool
    for (let j = 0; j < spec.cfg.length; j++) {
      const v = spec.cfg[j]!;
      if (v === 'M') {
        x = ops.maxPool(x, { size: 2 });
        i += 1;
        continue;
      }
      const prunable = { slot: { field: 'cfg', index: j }, ...(bn ? {} : { bn: false }) } as const;
      const conv = ops.conv2d(`features.${i}`, x, { filters: v, kernel: 3, pad: 1, bias, prunable });
      x = bn ? ops.batchNorm(`features.${i + 1}`, conv) : conv;
      i += bn ? 3 : 2;
      if (spec.cfg[j + 1] === 'M') {
        x = ops.reluMaxPool(x, { size: 2 });
        i += 1;
        j += 1;
      } else {
        x = ops.relu(x);
      }
    }
    x = spec.pool === 'global_avg' ? ops.globalAvgPool(x, { functional: true }) : ops.flatten(x);
    spec.fc.forEach((units, j) => {
      x = ops.dense(`classifier.${3 * j}`, x, units, { prunable: { slot: { field: 'fc', index: j }, role: 'classifier', ...(bn ? {} : { bn: false }) } });
      // Linear–BN1d–ReLU, or torchvision's Linear–ReLU–Dropout(0.5).
      x = bn ? ops.relu(ops.batchNorm(`classifier.${3 * j + 1}`, x)) : ops.dropout(ops.relu(x), 0.5);
    });
    return ops.dense(spec.fc.length === 0 ? 'classifier' : `classifier.${3 * spec.fc.length}`, x, spec.classes);
  },
};

