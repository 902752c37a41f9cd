// Wide ResNet for CIFAR (Zagoruyko & Komodakis, "Wide Residual Networks", BMVC 2016), WRN-d-k: depth
// 6n+4, three groups of n pre-activation basic blocks of widths 16k, 32k, 64k (stride 2 at the start of
// groups 2 and 3) after a 3×3 stem of 16. The network Crowley et al. prune and shrink ("Moonshine", NeurIPS
// 2018; "A Closer Look at Structured Pruning", 2018: WRN-40-2 on CIFAR-10, pruning "between the two convs"
// of each block), in the layout of their code (BayesWatch/pytorch-prunes models/wideresnet.py, after
// xternalz/WideResNet-pytorch): block = BN → ReLU → conv3×3 (stride) → BN → ReLU → conv3×3, plus x, or a
// 1×1 conv (stride, no bias) of the pre-activated input where the width or stride changes; then BN → ReLU
// → global average (AvgPool2d(8) on 32×32) → Linear. No dropout (their default dropRate 0).
// `cfg[b]` is block b's inner width (its conv1's output), 3n entries; the group widths follow from `widen`.
// Init as theirs: conv N(0, 2/(k·k·out)), BN γ 1, β 0; Linear at PyTorch's default (they also zero its bias,
// which InitScheme does not offer: a difference of U(±1/√64k) in ten numbers at the start).
// A block may lose its residual branch, and each branch may carry a learned scale (residual-blocks.ts): a block
// without its branch is x, or its 1×1 shortcut of the pre-activated input where the width or stride changes.
import { z } from 'zod';
import { archSpecFields, positiveInt } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { ModelFamily } from './family.ts';
import { branchKept, checkBranchDepth, residualBlockFields, residualBlocksBy, scaleLayer, type BranchCount } from './residual-blocks.ts';

export const WideResNetSpecSchema = z.strictObject({
  family: z.literal('wrn'),
  ...archSpecFields,
  depth: positiveInt,
  /** k: group widths 16k, 32k, 64k. */
  widen: positiveInt,
  cfg: z.array(positiveInt),
  ...residualBlockFields,
});
export type WideResNetSpec = z.infer<typeof WideResNetSpecSchema>;

const STEM = 16;
const groupWidths = (widen: number): [number, number, number] => [16 * widen, 32 * widen, 64 * widen];

function wrn(id: string, depth: number, widen: number, input: [number, number, number] = [32, 32, 3]): WideResNetSpec {
  const n = (depth - 4) / 6;
  const cfg = groupWidths(widen).flatMap((w) => Array<number>(n).fill(w));
  return { family: 'wrn', id, input, classes: 10, depth, widen, cfg };
}

/** One block per cfg entry, two convs a branch, plus the stem, and (as WRN-d-k counts) the shortcut and classifier. */
const BRANCHES: BranchCount<WideResNetSpec> = { blocks: (spec) => spec.cfg.length, depth: (_, kept) => 2 * kept + 4 };

export const wideResNet: ModelFamily<WideResNetSpec> = {
  family: 'wrn',
  schema: WideResNetSpecSchema,
  source: 'Zagoruyko & Komodakis BMVC 2016; Crowley et al. NeurIPS 2018 / arXiv:1810.04622; BayesWatch/pytorch-prunes models/wideresnet.py',
  init: { conv: 'fan_out', bnGamma: 1, dense: 'torch_default' },
  variants: {
    wrn16_2: wrn('wrn16_2', 16, 2),
    wrn40_2: wrn('wrn40_2', 40, 2),
    wrn40_4: wrn('wrn40_4', 40, 4),
  },
  examples: [
    { label: 'WRN-16-2 at 16×16 (1×1 shortcuts and identity blocks)', spec: wrn('wrn16_2', 16, 2, [16, 16, 3]) },
    { label: 'WRN-10-1 at 8×8 (identity first block)', spec: wrn('wrn10_1', 10, 1, [8, 8, 3]) },
  ],

  validate(spec) {
    if (spec.residual) {
      if (spec.cfg.length === 0 || spec.cfg.length % 3 !== 0) {
        throw new ValidationError(`wrn spec: field 'cfg' must list n block widths per group, 3n in all (got ${spec.cfg.length})`);
      }
      checkBranchDepth('wrn', spec, BRANCHES);
      return;
    }
    if (spec.depth < 10 || (spec.depth - 4) % 6 !== 0) {
      throw new ValidationError(`wrn spec: field 'depth' must be 6n+4 with n ≥ 1 (got ${spec.depth})`);
    }
    const n = (spec.depth - 4) / 6;
    if (spec.cfg.length !== 3 * n) {
      throw new ValidationError(`wrn spec: field 'cfg' must list ${3 * n} block widths for depth ${spec.depth} (got ${spec.cfg.length})`);
    }
  },

  residualBlocks: residualBlocksBy(BRANCHES),

  // [h, w, c] -> [classes]
  forward(ops, x, spec) {
    const n = spec.cfg.length / 3;
    x = ops.conv2d('conv1', x, { filters: STEM, kernel: 3 });
    let b = 0;
    groupWidths(spec.widen).forEach((planes, g) => {
      for (let i = 0; i < n; i++, b++) {
        const name = `block${g + 1}.layer.${i}`;
        const stride = g > 0 && i === 0 ? 2 : 1;
        const equalInOut = stride === 1 && ops.shape(x)[2] === planes;
        if (!branchKept(spec, b) && equalInOut) continue;
        const pre = ops.relu(ops.batchNorm(`${name}.bn1`, x));
        const projection = (): typeof x => ops.conv2d(`${name}.convShortcut`, pre, { filters: planes, kernel: 1, stride, pad: 0 });
        if (!branchKept(spec, b)) {
          x = projection();
          continue;
        }
        // The inner width is free; the block's output joins the residual sum.
        const prunable = { slot: { field: 'cfg', index: b }, stage: g } as const;
        let out = ops.conv2d(`${name}.conv1`, pre, { filters: spec.cfg[b]!, kernel: 3, stride, prunable });
        out = ops.conv2d(`${name}.conv2`, ops.relu(ops.batchNorm(`${name}.bn2`, out)), { filters: planes, kernel: 3 });
        if (spec.blockScales) out = ops.scale(scaleLayer(name), out);
        x = ops.add(equalInOut ? x : projection(), out);
      }
    });
    x = ops.relu(ops.batchNorm('bn1', x));
    return ops.dense('fc', ops.globalAvgPool(x), spec.classes);
  },
};
