// MobileNetV2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks", CVPR 2018) for
// CIFAR: the paper's blocks and settings table, with the two CIFAR changes of the widely used
// kuangliu/pytorch-cifar model (stem conv at stride 1, and stride 1 instead of 2 in the second stage), so
// a 32×32 image ends on a 4×4 map. Block (t, stride s): 1×1 expansion conv → BN → ReLU6 (absent where t = 1),
// 3×3 depthwise conv (stride s) → BN → ReLU6, 1×1 projection conv → BN (linear), plus x where s = 1 and the
// width is unchanged. Stem 3×3 conv 32 → BN → ReLU6; head 1×1 conv 1280 → BN → ReLU6 → global average →
// Linear. The classifier's dropout (0.2 in torchvision) is left out.
// `cfg[e]` is the expanded (hidden) width of the e-th block that has an expansion conv (16 of the 17
// blocks): the width a structured method prunes, carried through the depthwise conv to the projection.
// Init as torchvision's mobilenetv2.py: conv N(0, 2/fan_out) (a depthwise weight's fan_out is k·k·c, as
// PyTorch computes it), BN γ 1, β 0, Linear N(0, 0.01²) with zero bias.
import { z } from 'zod';
import { archSpecFields, positiveInt } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { ModelFamily } from './family.ts';

export const MobileNetV2SpecSchema = z.strictObject({
  family: z.literal('mobilenetv2'),
  ...archSpecFields,
  /** The expanded width of each block with an expansion conv, in order. */
  cfg: z.array(positiveInt),
});
export type MobileNetV2Spec = z.infer<typeof MobileNetV2SpecSchema>;

/** [expansion t, output width c, blocks n, first stride s], stride 2 → 1 in row 2 for CIFAR. */
const SETTINGS: ReadonlyArray<readonly [number, number, number, number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 1],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];
const STEM = 32;
const HEAD = 1280;

interface Block {
  expansion: number;
  inWidth: number;
  outWidth: number;
  stride: number;
  stage: number;
}

const BLOCKS: Block[] = (() => {
  const out: Block[] = [];
  let inWidth = STEM;
  SETTINGS.forEach(([expansion, outWidth, n, stride], stage) => {
    for (let i = 0; i < n; i++) {
      out.push({ expansion, inWidth, outWidth, stride: i === 0 ? stride : 1, stage });
      inWidth = outWidth;
    }
  });
  return out;
})();
const EXPANDING = BLOCKS.filter((b) => b.expansion !== 1);

function cifar(id: string, input: [number, number, number] = [32, 32, 3]): MobileNetV2Spec {
  return { family: 'mobilenetv2', id, input, classes: 10, cfg: EXPANDING.map((b) => b.inWidth * b.expansion) };
}

export const mobileNetV2: ModelFamily<MobileNetV2Spec> = {
  family: 'mobilenetv2',
  schema: MobileNetV2SpecSchema,
  source: 'Sandler et al. CVPR 2018; kuangliu/pytorch-cifar models/mobilenetv2.py (CIFAR strides); torchvision mobilenetv2.py (init)',
  init: { conv: 'fan_out', bnGamma: 1, dense: 'normal_0.01' },
  variants: { mobilenetv2: cifar('mobilenetv2') },
  examples: [
    { label: 'MobileNetV2 at 16×16 (expansions, depthwise strides, residuals)', spec: { ...cifar('mobilenetv2', [16, 16, 3]), cfg: EXPANDING.map((b) => Math.max(8, (b.inWidth * b.expansion) / 8)) } },
  ],

  validate(spec) {
    if (spec.cfg.length !== EXPANDING.length) {
      throw new ValidationError(`mobilenetv2 spec: field 'cfg' must list ${EXPANDING.length} expanded widths (got ${spec.cfg.length})`);
    }
  },

  // [h, w, c] -> [classes]
  forward(ops, x, spec) {
    x = ops.relu6(ops.batchNorm('stem.bn', ops.conv2d('stem.conv', x, { filters: STEM, kernel: 3 })));
    let e = 0;
    BLOCKS.forEach((b, i) => {
      const name = `blocks.${i}`;
      let out = x;
      if (b.expansion !== 1) {
        const prunable = { slot: { field: 'cfg', index: e }, stage: b.stage } as const;
        out = ops.conv2d(`${name}.expand.conv`, out, { filters: spec.cfg[e]!, kernel: 1, pad: 0, prunable });
        out = ops.relu6(ops.batchNorm(`${name}.expand.bn`, out));
        e++;
      }
      out = ops.relu6(ops.batchNorm(`${name}.dw.bn`, ops.depthwiseConv2d(`${name}.dw.conv`, out, { kernel: 3, stride: b.stride })));
      out = ops.batchNorm(`${name}.project.bn`, ops.conv2d(`${name}.project.conv`, out, { filters: b.outWidth, kernel: 1, pad: 0 }));
      x = b.stride === 1 && b.inWidth === b.outWidth ? ops.add(x, out) : out;
    });
    x = ops.relu6(ops.batchNorm('head.bn', ops.conv2d('head.conv', x, { filters: HEAD, kernel: 1, pad: 0 })));
    return ops.dense('classifier', ops.globalAvgPool(x), spec.classes);
  },
};
