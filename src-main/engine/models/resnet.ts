// CIFAR ResNet with basic blocks (He et al., "Deep Residual Learning", CVPR 2016), depth 6n+2, as
// pruned by L1-norm filter pruning in Liu et al., ICLR 2019. Follows RNP
// cifar/l1-norm-pruning/models/resnet.py: stem conv3×3 → BN → ReLU, three stages of n blocks
// (stride 2 at the start of stages 2 and 3), option-A parameter-free shortcut where the shape changes,
// AvgPool2d(8) as a module (counted) → Linear. One ReLU module is called after bn1 and after the add
// of every block (each call counted). `cfg[b]` is block b's inner width (conv1 out), len 3n.
// Init: the reference fills every conv with N(0, 2/(k·k·out)) — fan_out, despite "kaiming" naming —
// BN γ 1, and leaves Linear at PyTorch's default.
// A block may lose its residual branch, and each branch may carry a learned scale (residual-blocks.ts):
// a block without its branch is its shortcut alone, which the ReLU after the sum leaves as it is.
import { z } from 'zod';
import { archSpecFields, positiveInt } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { ModelFamily } from './family.ts';
import { branchKept, checkBranchDepth, residualBlockFields, residualBlocksBy, scaleLayer, type BranchCount } from './residual-blocks.ts';

/**
 * CIFAR ResNet (He et al. 2016), basic blocks, depth 6n+2, option-A (zero-padding) shortcuts.
 * `widths` are the three stage widths; `cfg` the inner width (first conv output) of each of the 3n blocks.
 * With `residual` flags, depth counts the kept branches: 2 · kept + 2.
 */
export const ResNetSpecSchema = z.strictObject({
  family: z.literal('resnet'),
  ...archSpecFields,
  depth: positiveInt,
  widths: z.tuple([positiveInt, positiveInt, positiveInt]),
  cfg: z.array(positiveInt),
  ...residualBlockFields,
});
export type ResNetSpec = z.infer<typeof ResNetSpecSchema>;

function cifar(id: string, depth: number, widths: [number, number, number] = [16, 32, 64]): ResNetSpec {
  const n = (depth - 2) / 6;
  const cfg = widths.flatMap((w) => Array<number>(n).fill(w));
  return { family: 'resnet', id, input: [32, 32, 3], classes: 10, depth, widths, cfg };
}

const variants: Record<string, ResNetSpec> = {
  resnet20: cifar('resnet20', 20),
  resnet32: cifar('resnet32', 32),
  resnet56: cifar('resnet56', 56),
  resnet110: cifar('resnet110', 110),
  // Fashion-MNIST 28×28×1 → 28 → 14 → 7; two blocks per stage.
  resnet_mini: { ...cifar('resnet_mini', 14, [8, 16, 32]), input: [28, 28, 1] },
};

/** One block per cfg entry, two convs a branch, plus the stem and the classifier. */
const BRANCHES: BranchCount<ResNetSpec> = { blocks: (spec) => spec.cfg.length, depth: (_, kept) => 2 * kept + 2 };

export const resnet: ModelFamily<ResNetSpec> = {
  family: 'resnet',
  schema: ResNetSpecSchema,
  source: 'He et al. CVPR 2016; Liu et al. ICLR 2019; RNP cifar/l1-norm-pruning/models/resnet.py',
  init: { conv: 'fan_out', bnGamma: 1, dense: 'torch_default' },
  variants,
  examples: [{ label: 'resnet20 at 16×16', spec: { ...variants.resnet20!, input: [16, 16, 3], classes: 10 } }],

  validate(spec) {
    if (spec.residual) {
      if (spec.cfg.length === 0 || spec.cfg.length % 3 !== 0) {
        throw new ValidationError(`resnet spec: field 'cfg' must list n block widths per stage, 3n in all (got ${spec.cfg.length})`);
      }
      checkBranchDepth('resnet', spec, BRANCHES);
    } else if (spec.depth < 8 || (spec.depth - 2) % 6 !== 0) {
      throw new ValidationError(`resnet spec: field 'depth' must be 6n+2 with n ≥ 1 (got ${spec.depth})`);
    }
    const n = (spec.depth - 2) / 6;
    if (!spec.residual && spec.cfg.length !== 3 * n) {
      throw new ValidationError(
        `resnet spec: field 'cfg' must list ${3 * n} block widths for depth ${spec.depth} (got ${spec.cfg.length})`,
      );
    }
    const [a, b, c] = spec.widths;
    if (b < a || c < b) {
      throw new ValidationError(
        `resnet spec: field 'widths' must not decrease (option-A shortcuts only pad; got ${spec.widths})`,
      );
    }
  },

  residualBlocks: residualBlocksBy(BRANCHES),

  // [h, w, c] -> [classes]
  forward(ops, x, spec) {
    const n = spec.cfg.length / 3;
    x = ops.conv2d('conv1', x, { filters: spec.widths[0], kernel: 3 });
    x = ops.relu(ops.batchNorm('bn1', x));
    let b = 0;
    spec.widths.forEach((planes, s) => {
      for (let i = 0; i < n; i++, b++) {
        const name = `layer${s + 1}.${i}`;
        const stride = s > 0 && i === 0 ? 2 : 1;
        const changes = stride !== 1 || ops.shape(x)[2] !== planes;
        if (!branchKept(spec, b)) {
          if (changes) x = ops.padShortcut(x, planes, stride);
          continue;
        }
        // The block's inner width is free; its output joins the residual sum. refId: RNP's skip-list numbering.
        const prunable = { slot: { field: 'cfg', index: b }, stage: s, refId: 2 * b + 2 } as const;
        let out = ops.conv2d(`${name}.conv1`, x, { filters: spec.cfg[b]!, kernel: 3, stride, prunable });
        out = ops.relu(ops.batchNorm(`${name}.bn1`, out));
        out = ops.batchNorm(`${name}.bn2`, ops.conv2d(`${name}.conv2`, out, { filters: planes, kernel: 3 }));
        if (spec.blockScales) out = ops.scale(scaleLayer(name), out);
        x = ops.relu(ops.add(out, changes ? ops.padShortcut(x, planes, stride) : x));
      }
    });
    return ops.dense('fc', ops.globalAvgPool(x), spec.classes);
  },
};
