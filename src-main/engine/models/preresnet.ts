// Pre-activation ResNet with bottleneck blocks (He et al., "Identity Mappings in Deep Residual
// Networks", ECCV 2016), depth 9n+2, as pruned by Network Slimming (Liu et al., ICCV 2017) in
// Liu et al., ICLR 2019. Follows RNP cifar/network-slimming/models/preresnet.py:
//   stem conv3×3 → widths[0]; block: BN(full in) → select → ReLU → conv1×1 → BN → ReLU →
//   conv3×3 (stride) → BN → ReLU → conv1×1 → 4·planes, plus x or a 1×1 conv (stride, no BN) where the
//   shape changes; then BN → select → ReLU → AvgPool2d(8) module → Linear.
// cfg, flat: per block [selected-input, conv1-out, conv2-out] (9n entries), then the final selected width.
// select (optional): kept channel indices per selection layer (3n blocks + final).
// Init: conv N(0, 2/(k·k·out)), BN γ 0.5, Linear left at PyTorch's default.
// A block may lose its residual branch, and each branch may carry a learned scale (residual-blocks.ts): a block
// without its branch is x, or its 1×1 downsample conv of x where the shape changes (its BN, selection and
// cfg entries stay, unread). With `residual` flags, depth counts the kept branches: 3 · kept + 2.
import { z } from 'zod';
import { archSpecFields, positiveInt, SelectionSchema } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { ModelFamily } from './family.ts';
import { branchKept, checkBranchDepth, residualBlockFields, residualBlocksBy, scaleLayer, type BranchCount } from './residual-blocks.ts';

/**
 * CIFAR PreResNet with bottleneck blocks (depth 9n+2), as in network slimming.
 * `cfg` is flat: per block [selected-input-width, conv1-out, conv2-out], then the final selected width.
 * `select` (optional) names the kept channels of each channel-selection layer (3n blocks + final);
 * absent means "all channels", which requires cfg's selected widths to equal the full widths.
 */
export const PreResNetSpecSchema = z.strictObject({
  family: z.literal('preresnet'),
  ...archSpecFields,
  depth: positiveInt,
  widths: z.tuple([positiveInt, positiveInt, positiveInt]),
  cfg: z.array(positiveInt),
  select: z.array(SelectionSchema).optional(),
  ...residualBlockFields,
});
export type PreResNetSpec = z.infer<typeof PreResNetSpecSchema>;

const EXPANSION = 4;

/** Full (unselected) channel count entering each selection layer: 3n blocks, then the final BN. */
export function preresnetFullWidths(spec: Pick<PreResNetSpec, 'depth' | 'widths'>, n = (spec.depth - 2) / 9): number[] {
  const full: number[] = [];
  spec.widths.forEach((planes, s) => {
    for (let i = 0; i < n; i++) {
      full.push(i > 0 ? EXPANSION * planes : s === 0 ? spec.widths[0] : EXPANSION * spec.widths[s - 1]!);
    }
  });
  full.push(EXPANSION * spec.widths[2]);
  return full;
}

/** Blocks per stage: from the cfg (9 entries a block's three widths, three stages, plus the final width). */
const blocksPerStage = (spec: Pick<PreResNetSpec, 'cfg'>): number => (spec.cfg.length - 1) / 9;

/** Three stages of blocks, three convs a branch, plus the stem and the classifier. */
const BRANCHES: BranchCount<PreResNetSpec> = { blocks: (spec) => 3 * blocksPerStage(spec), depth: (_, kept) => 3 * kept + 2 };

function defaultSpec(id: string, depth: number, input: [number, number, number] = [32, 32, 3]): PreResNetSpec {
  const widths: [number, number, number] = [16, 32, 64];
  const full = preresnetFullWidths({ depth, widths });
  const n = (depth - 2) / 9;
  const cfg = full.flatMap((c, k) => (k < 3 * n ? [c, widths[Math.floor(k / n)]!, widths[Math.floor(k / n)]!] : [c]));
  return { family: 'preresnet', id, input, classes: 10, depth, widths, cfg };
}

export const preresnet: ModelFamily<PreResNetSpec> = {
  family: 'preresnet',
  schema: PreResNetSpecSchema,
  source: 'He et al. ECCV 2016; Liu et al. ICCV 2017 / ICLR 2019; RNP cifar/network-slimming/models/preresnet.py',
  init: { conv: 'fan_out', bnGamma: 0.5, dense: 'torch_default' },
  variants: { preresnet164: defaultSpec('preresnet164', 164) },
  examples: [{ label: 'preresnet20 (n=2) at 16×16', spec: defaultSpec('preresnet20', 20, [16, 16, 3]) }],

  validate(spec) {
    const n = spec.residual ? blocksPerStage(spec) : (spec.depth - 2) / 9;
    if (spec.residual) {
      if (!Number.isInteger(n) || n < 1) {
        throw new ValidationError(`preresnet spec: field 'cfg' must have 9n + 1 entries (3 per block + final), got ${spec.cfg.length}`);
      }
      checkBranchDepth('preresnet', spec, BRANCHES);
    } else if (spec.depth < 11 || (spec.depth - 2) % 9 !== 0) {
      throw new ValidationError(`preresnet spec: field 'depth' must be 9n+2 with n ≥ 1 (got ${spec.depth})`);
    }
    const full = preresnetFullWidths(spec, n);
    if (spec.cfg.length !== 9 * n + 1) {
      throw new ValidationError(
        `preresnet spec: field 'cfg' must have ${9 * n + 1} entries (3 per block + final) ` +
          `for depth ${spec.depth} (got ${spec.cfg.length})`,
      );
    }
    const selected = full.map((_, k) => spec.cfg[k < 3 * n ? 3 * k : 9 * n]!);
    checkSelection('preresnet', full, selected, spec.select);
  },

  residualBlocks: residualBlocksBy(BRANCHES),

  // [h, w, c] -> [classes]
  forward(ops, x, spec) {
    const n = blocksPerStage(spec);
    // Selection k reads select[k] (all channels without `select`); cfg keeps its width at 3k (the final one at 9n).
    const pick = (y: typeof x, k: number): typeof x => ops.selection(y, { index: k, cfgIndex: k < 3 * n ? 3 * k : 9 * n, indices: spec.select?.[k] ?? null });
    x = ops.conv2d('conv1', x, { filters: spec.widths[0], kernel: 3 });
    let k = 0;
    spec.widths.forEach((planes, s) => {
      for (let i = 0; i < n; i++, k++) {
        const name = `layer${s + 1}.${i}`;
        const stride = s > 0 && i === 0 ? 2 : 1;
        const changes = stride !== 1 || ops.shape(x)[2] !== EXPANSION * planes;
        const projection = (): typeof x => ops.conv2d(`${name}.downsample.0`, x, { filters: EXPANSION * planes, kernel: 1, stride });
        if (!branchKept(spec, k)) {
          if (changes) x = projection();
          continue;
        }
        const [, c1, c2] = spec.cfg.slice(3 * k, 3 * k + 3) as [number, number, number];
        let out = ops.relu(pick(ops.batchNorm(`${name}.bn1`, x), k));
        out = ops.conv2d(`${name}.conv1`, out, { filters: c1, kernel: 1, prunable: { slot: { field: 'cfg', index: 3 * k + 1 }, stage: s } });
        out = ops.relu(ops.batchNorm(`${name}.bn2`, out));
        out = ops.conv2d(`${name}.conv2`, out, { filters: c2, kernel: 3, stride, prunable: { slot: { field: 'cfg', index: 3 * k + 2 }, stage: s } });
        out = ops.relu(ops.batchNorm(`${name}.bn3`, out));
        out = ops.conv2d(`${name}.conv3`, out, { filters: EXPANSION * planes, kernel: 1 });
        if (spec.blockScales) out = ops.scale(scaleLayer(name), out);
        x = ops.add(out, changes ? projection() : x);
      }
    });
    x = ops.relu(pick(ops.batchNorm('bn', x), 3 * n));
    return ops.dense('fc', ops.globalAvgPool(x), spec.classes);
  },
};

/**
 * Shared by PreResNet and DenseNet: `selected[k]` is the width cfg gives selection layer k, `full[k]`
 * the channels it reads. Without `select`, every selected width must equal the full width.
 */
export function checkSelection(family: string, full: number[], selected: number[], select?: number[][]): void {
  if (!select) {
    const k = selected.findIndex((c, i) => c !== full[i]);
    if (k >= 0) {
      throw new ValidationError(
        `${family} spec: field 'cfg' selects ${selected[k]} of ${full[k]} channels at selection layer ${k} ` +
          `but 'select' is absent; give 'select' or use the full width`,
      );
    }
    return;
  }
  if (select.length !== full.length) {
    throw new ValidationError(`${family} spec: field 'select' must have ${full.length} lists (got ${select.length})`);
  }
  select.forEach((list, k) => {
    const field = `${family} spec: field 'select.${k}'`;
    if (list.length !== selected[k]) {
      throw new ValidationError(`${field} has ${list.length} indices but cfg says ${selected[k]}`);
    }
    list.forEach((idx, j) => {
      if (idx >= full[k]!) {
        throw new ValidationError(`${field} index ${idx} is out of range for ${full[k]} channels`);
      }
      if (j > 0 && idx <= list[j - 1]!) {
        throw new ValidationError(`${field} must be strictly ascending`);
      }
    });
  });
}
