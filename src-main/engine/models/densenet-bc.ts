// DenseNet-BC (Huang et al., "Densely Connected Convolutional Networks", CVPR 2017: bottleneck layers and
// compression), depth 6n+4, as Liu et al. (ICLR 2019) prune its weights (RNP cifar/weight-level: `densenet
// --depth 100 --compressionRate 2`) and Crowley et al. prune its bottlenecks by Fisher pruning (BayesWatch/
// pytorch-prunes models/densenet.py); both follow one layout:
//   stem conv3×3 → 2·growth; three dense blocks of n bottlenecks, each BN → ReLU → conv1×1 (cfg[i]; 4·growth
//   unpruned) → BN → ReLU → conv3×3 (growth), concatenated onto its input; transitions BN → ReLU → conv1×1
//   (⌊width · reduction⌋) → F.avg_pool2d(2) (functional, uncounted); final BN → ReLU → average pool over
//   the 8×8 map → Linear.
// cfg: each bottleneck's inner width, the only prunable channels (pytorch-prunes' MaskBlock: the stream the
// blocks concatenate onto is never pruned), 3n entries.
// Init as both: conv N(0, 2/(k·k·out)), BN γ 1, β 0; Linear at PyTorch's default (pytorch-prunes also zeroes
// its bias, which InitScheme does not offer: as for WRN).
import { z } from 'zod';
import { archSpecFields, positiveInt } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { ModelFamily } from './family.ts';

export const DenseNetBCSpecSchema = z.strictObject({
  family: z.literal('densenet_bc'),
  ...archSpecFields,
  depth: positiveInt,
  growth: positiveInt,
  /** A transition's output width is ⌊its input width · reduction⌋ (0.5: RNP's `--compressionRate 2`). */
  reduction: z.number().gt(0).max(1),
  /** Each bottleneck's inner width (its 1×1 conv's output; 4·growth unpruned), block by block: 3n entries. */
  cfg: z.array(positiveInt),
});
export type DenseNetBCSpec = z.infer<typeof DenseNetBCSpecSchema>;

function densenetBC(id: string, depth: number, growth: number, input: [number, number, number] = [32, 32, 3]): DenseNetBCSpec {
  const n = (depth - 4) / 6;
  return { family: 'densenet_bc', id, input, classes: 10, depth, growth, reduction: 0.5, cfg: Array<number>(3 * n).fill(4 * growth) };
}

export const densenetBC100 = densenetBC('densenet_bc100', 100, 12);

export const densenetBc: ModelFamily<DenseNetBCSpec> = {
  family: 'densenet_bc',
  schema: DenseNetBCSpecSchema,
  source: 'Huang et al. CVPR 2017; Liu et al. ICLR 2019 (RNP cifar/weight-level); Crowley et al. arXiv:1810.04622 (BayesWatch/pytorch-prunes models/densenet.py)',
  init: { conv: 'fan_out', bnGamma: 1, dense: 'torch_default' },
  variants: { densenet_bc100: densenetBC100 },
  examples: [{ label: 'DenseNet-BC-16 (n=2, growth 4) at 16×16', spec: densenetBC('densenet_bc16', 16, 4, [16, 16, 3]) }],

  validate(spec) {
    if (spec.depth < 10 || (spec.depth - 4) % 6 !== 0) {
      throw new ValidationError(`densenet_bc spec: field 'depth' must be 6n+4 with n ≥ 1 (got ${spec.depth})`);
    }
    const n = (spec.depth - 4) / 6;
    if (spec.cfg.length !== 3 * n) {
      throw new ValidationError(`densenet_bc spec: field 'cfg' must list ${3 * n} bottleneck widths for depth ${spec.depth} (got ${spec.cfg.length})`);
    }
  },

  // [h, w, c] -> [classes]
  forward(ops, x, spec) {
    const n = spec.cfg.length / 3;
    x = ops.conv2d('conv1', x, { filters: 2 * spec.growth, kernel: 3 });
    for (let b = 0; b < 3; b++) {
      for (let j = 0; j < n; j++) {
        const name = `dense${b + 1}.${j}`;
        const prunable = { slot: { field: 'cfg', index: b * n + j }, stage: b } as const;
        let out = ops.conv2d(`${name}.conv1`, ops.relu(ops.batchNorm(`${name}.bn1`, x)), { filters: spec.cfg[b * n + j]!, kernel: 1, pad: 0, prunable });
        out = ops.conv2d(`${name}.conv2`, ops.relu(ops.batchNorm(`${name}.bn2`, out)), { filters: spec.growth, kernel: 3 });
        x = ops.concat([x, out]);
      }
      if (b < 2) {
        const width = Math.floor(ops.shape(x)[2]! * spec.reduction);
        x = ops.conv2d(`trans${b + 1}.conv1`, ops.relu(ops.batchNorm(`trans${b + 1}.bn1`, x)), { filters: width, kernel: 1, pad: 0 });
        x = ops.avgPool(x, { size: 2, functional: true });
      }
    }
    x = ops.relu(ops.batchNorm('bn1', x));
    return ops.dense('fc', ops.globalAvgPool(x), spec.classes);
  },
};
