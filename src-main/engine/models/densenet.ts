// DenseNet without bottleneck or compression (Huang et al., "Densely Connected Convolutional
// Networks", CVPR 2017), depth 3n+4, as pruned by Network Slimming (Liu et al., ICCV 2017) in
// Liu et al., ICLR 2019. Follows RNP cifar/network-slimming/models/densenet.py:
//   stem conv3×3 → 2·growth; three dense blocks of n layers, each BN → select → ReLU → conv3×3
//   (growth) concatenated onto its input; transitions BN → select → ReLU → conv1×1 (same full width)
//   → F.avg_pool2d(2) (functional, uncounted); final BN → select → ReLU → AvgPool2d(8) module → Linear.
// cfg: the selected input width of each layer, transition and the final BN, block by block (3n+3).
// select (optional): kept channel indices per selection layer, in the same order.
// Init: conv N(0, 2/(k·k·out)), BN γ 0.5, Linear left at PyTorch's default.
import { z } from 'zod';
import { archSpecFields, positiveInt, SelectionSchema } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { ModelFamily } from './family.ts';
import { checkSelection } from './preresnet.ts';

/**
 * CIFAR DenseNet (no bottleneck, no compression), depth 3n+4, as in network slimming.
 * `cfg` gives the selected input width of each dense layer, each transition and the final BN (3n+3 entries).
 * `select` as for PreResNet.
 */
export const DenseNetSpecSchema = z.strictObject({
  family: z.literal('densenet'),
  ...archSpecFields,
  depth: positiveInt,
  growth: positiveInt,
  cfg: z.array(positiveInt),
  select: z.array(SelectionSchema).optional(),
});
export type DenseNetSpec = z.infer<typeof DenseNetSpecSchema>;

/** Full channel count entering each selection layer (cfg order): per block n layers then its transition / final. */
export function densenetFullWidths(spec: Pick<DenseNetSpec, 'depth' | 'growth'>): number[] {
  const n = (spec.depth - 4) / 3;
  const full: number[] = [];
  let start = 2 * spec.growth;
  for (let b = 0; b < 3; b++) {
    for (let j = 0; j <= n; j++) full.push(start + spec.growth * j);
    start += spec.growth * n;
  }
  return full;
}

function defaultSpec(id: string, depth: number, growth: number, input: [number, number, number] = [32, 32, 3]): DenseNetSpec {
  const cfg = densenetFullWidths({ depth, growth });
  return { family: 'densenet', id, input, classes: 10, depth, growth, cfg };
}

export const densenet: ModelFamily<DenseNetSpec> = {
  family: 'densenet',
  schema: DenseNetSpecSchema,
  source: 'Huang et al. CVPR 2017; Liu et al. ICCV 2017 / ICLR 2019; RNP cifar/network-slimming/models/densenet.py',
  init: { conv: 'fan_out', bnGamma: 0.5, dense: 'torch_default' },
  variants: { densenet40: defaultSpec('densenet40', 40, 12) },
  examples: [{ label: 'densenet10 (n=2, growth 4) at 16×16', spec: defaultSpec('densenet10', 10, 4, [16, 16, 3]) }],

  validate(spec) {
    if (spec.depth < 7 || (spec.depth - 4) % 3 !== 0) {
      throw new ValidationError(`densenet spec: field 'depth' must be 3n+4 with n ≥ 1 (got ${spec.depth})`);
    }
    const full = densenetFullWidths(spec);
    if (spec.cfg.length !== full.length) {
      throw new ValidationError(
        `densenet spec: field 'cfg' must have ${full.length} entries (3n+3) ` +
          `for depth ${spec.depth} (got ${spec.cfg.length})`,
      );
    }
    checkSelection('densenet', full, spec.cfg, spec.select);
  },

  // [h, w, c] -> [classes]
  forward(ops, x, spec) {
    const n = (spec.depth - 4) / 3;
    // Selection k reads select[k] (all channels without `select`) and cfg[k] is its width.
    const pick = (y: typeof x, k: number): typeof x => ops.selection(y, { index: k, cfgIndex: k, indices: spec.select?.[k] ?? null });
    x = ops.conv2d('conv1', x, { filters: 2 * spec.growth, kernel: 3 });
    for (let b = 0; b < 3; b++) {
      for (let j = 0; j < n; j++) {
        const name = `dense${b + 1}.${j}`;
        const out = ops.relu(pick(ops.batchNorm(`${name}.bn1`, x), b * (n + 1) + j));
        x = ops.concat([x, ops.conv2d(`${name}.conv1`, out, { filters: spec.growth, kernel: 3 })]);
      }
      if (b < 2) {
        const width = ops.shape(x)[2]!;
        const out = ops.relu(pick(ops.batchNorm(`trans${b + 1}.bn1`, x), b * (n + 1) + n));
        x = ops.conv2d(`trans${b + 1}.conv1`, out, { filters: width, kernel: 1 });
        x = ops.avgPool(x, { size: 2, functional: true });
      }
    }
    x = ops.relu(pick(ops.batchNorm('bn', x), 3 * n + 2));
    return ops.dense('fc', ops.globalAvgPool(x), spec.classes);
  },
};
