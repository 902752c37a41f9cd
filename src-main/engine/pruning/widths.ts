// Predefined targets: how many channels each prunable conv keeps, from the spec and params alone
// (no weights), shared by l1_norm, uniform and random. Exactly one of:
//   target       a named configuration of anchors-mission §1.3 (vgg16_a, resnet56_a, …)
//   cfg          the full target cfg in the family's own format (non-prunable entries as in the base)
//   ratio        one prune ratio for every prunable conv: kept = max(1, ⌊width·(1−ratio)⌋)
//   ratios       one ratio per prunable conv, in unit order
//   stageRatios  RNP's ResNet rule: one ratio per stage, kept = ⌊width·(1−p)⌋ (min 1), except the
//                layers listed in `skip` by RNP's ids (stem = 1, block b's convs 2b+2 and 2b+3; only
//                the even ids — each block's first conv — are candidates)
// and, beside cfg (or in a named target), `inputWidths`: how many channels of its stream each ImageNet ResNet
// block's first conv reads (input-selection.ts; only methods that choose them accept it: channel_regression).
import { z } from 'zod';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { RESNET50_2X_CFG } from '../models/resnet-imagenet.ts';
import { blockInputs } from './input-selection.ts';
import { prunableUnits, type ConvUnit } from './units.ts';

const M = 'M' as const;

interface NamedTarget {
  family: ArchSpec['family'];
  /** Base depth it applies to (ResNets); VGG targets check the conv layout instead. */
  depth?: number;
  cfg?: Array<number | 'M'>;
  skip?: number[];
  stageRatios?: number[];
  inputWidths?: number[];
}

/** anchors-mission §1.3 (RNP vggprune.py, res56prune.py, res110prune.py, imagenet/l1-norm-pruning/prune.py, imagenet/thinet, imagenet/regression-pruning). */
export const NAMED_TARGETS = {
  vgg16_a: { family: 'vgg', cfg: [32, 64, M, 128, 128, M, 256, 256, 256, M, 256, 256, 256, M, 256, 256, 256] },
  resnet56_a: { family: 'resnet', depth: 56, skip: [16, 20, 38, 54], stageRatios: [0.1, 0.1, 0.1] },
  resnet56_b: { family: 'resnet', depth: 56, skip: [16, 18, 20, 34, 38, 54], stageRatios: [0.6, 0.3, 0.1] },
  resnet110_a: { family: 'resnet', depth: 110, skip: [36], stageRatios: [0.5, 0.0, 0.0] },
  resnet110_b: { family: 'resnet', depth: 110, skip: [36, 38, 74], stageRatios: [0.5, 0.4, 0.3] },
  resnet34_a: { family: 'resnet_imagenet', depth: 34, skip: [2, 8, 14, 16, 26, 28, 30, 32], stageRatios: [0.3, 0.3, 0.3, 0.0] },
  resnet34_b: { family: 'resnet_imagenet', depth: 34, skip: [2, 8, 14, 16, 26, 28, 30, 32], stageRatios: [0.5, 0.6, 0.4, 0.0] },
  // ImageNet, on torchvision's VGG-16 without BN (vgg16_imagenet): ThiNet's VGG-Conv (imagenet/thinet/models/
  // thinetconv.py) and the regression method's VGG-16-5x (imagenet/regression-pruning/models/vgg_5x.py).
  thinet_conv: { family: 'vgg', cfg: [32, 32, M, 64, 64, M, 128, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M] },
  vgg16_5x: { family: 'vgg', cfg: [24, 22, M, 41, 51, M, 108, 89, 111, M, 184, 276, 228, M, 512, 512, 512, M] },
  // ThiNet-30/50/70 on ResNet-50 (imagenet/thinet/models/thinetresnet.py): both inner widths of every
  // bottleneck at the stage's value; block outputs unchanged.
  thinet30: { family: 'resnet_imagenet', depth: 50, cfg: bottleneckInner([19, 38, 76, 153]) },
  thinet50: { family: 'resnet_imagenet', depth: 50, cfg: bottleneckInner([32, 64, 128, 256]) },
  thinet70: { family: 'resnet_imagenet', depth: 50, cfg: bottleneckInner([44, 89, 179, 358]) },
  // The regression method's ResNet-50-2x (imagenet/regression-pruning/models/resnet_2x.py): per bottleneck
  // [conv1 input, conv1 out, conv2 out], the input a selection of the block's stream.
  resnet50_2x: {
    family: 'resnet_imagenet', depth: 50,
    cfg: RESNET50_2X_CFG.filter((_, i) => i % 3 !== 0),
    inputWidths: RESNET50_2X_CFG.filter((_, i) => i % 3 === 0),
  },
} satisfies Record<string, NamedTarget>;

/** ResNet-50's cfg ([conv1-out, conv2-out] per bottleneck, blocks 3-4-6-3) with every block of stage s at widths[s]. */
function bottleneckInner(widths: [number, number, number, number]): number[] {
  return [3, 4, 6, 3].flatMap((blocks, s) => Array<number>(2 * blocks).fill(widths[s]!));
}

export type NamedTargetId = keyof typeof NAMED_TARGETS;
const NAMED_IDS = Object.keys(NAMED_TARGETS) as [NamedTargetId, ...NamedTargetId[]];

/** A prune ratio: the fraction of channels removed, in [0, 1). */
export const RatioSchema = z.number().min(0).lt(1);

const CHOICES = ['target', 'cfg', 'ratio', 'ratios', 'stageRatios'] as const;

export const WidthTargetSchema = z
  .strictObject({
    target: z.enum(NAMED_IDS).optional(),
    cfg: z.array(z.union([z.number().int().positive(), z.literal('M')])).optional(),
    ratio: RatioSchema.optional(),
    ratios: z.array(RatioSchema).optional(),
    stageRatios: z.array(RatioSchema).optional(),
    skip: z.array(z.number().int().positive()).optional(),
    inputWidths: z.array(z.number().int().positive()).optional(),
  })
  .superRefine((v, ctx) => {
    const given = CHOICES.filter((k) => v[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: given.length > 1 ? [given[1]!] : [],
        message: `give exactly one of ${CHOICES.join(', ')} (got ${given.length === 0 ? 'none' : given.join(', ')})`,
      });
    }
    if (v.skip !== undefined && v.stageRatios === undefined) {
      ctx.addIssue({ code: 'custom', path: ['skip'], message: 'skip applies only with stageRatios' });
    }
    if (v.inputWidths !== undefined && v.target !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['inputWidths'], message: 'a named target gives its own (give cfg with inputWidths instead)' });
    }
  });

export type WidthTarget = z.infer<typeof WidthTargetSchema>;

/** The convs a predefined target prunes: feature convs (not VGG's classifier, not selections). */
export function targetUnits(spec: ArchSpec): ConvUnit[] {
  return prunableUnits(spec).filter((u): u is ConvUnit => u.kind === 'conv' && u.role === 'feature');
}

export interface TargetWidths {
  units: ConvUnit[];
  widths: Map<string, number>;
  name?: string;
  /** Per block, the channels of its stream its first conv reads (input-selection.ts), where the target says. */
  inputWidths?: number[];
}

/**
 * Kept width per unit id for `target` on `spec`. `where` prefixes errors (e.g. "l1_norm params").
 * Returns the units too, the name the pruned spec takes for a named target, and the blocks' input widths where
 * the target has them — refused unless `opts.inputSelection` (the method chooses those channels).
 */
export function targetWidths(spec: ArchSpec, target: WidthTarget, where: string, opts: { inputSelection?: boolean } = {}): TargetWidths {
  if (target.target !== undefined) {
    const named: NamedTarget = NAMED_TARGETS[target.target];
    if (named.family !== spec.family || (named.depth !== undefined && 'depth' in spec && spec.depth !== named.depth)) {
      throw new ValidationError(`${where}: field 'target' '${target.target}' applies to ${named.family}${named.depth ? ` of depth ${named.depth}` : ''}, not this ${spec.family} spec`);
    }
    const inner = named.cfg
      ? targetWidths(spec, { cfg: named.cfg, ...(named.inputWidths ? { inputWidths: named.inputWidths } : {}) }, `${where} (target ${target.target})`, opts)
      : targetWidths(spec, { stageRatios: named.stageRatios, skip: named.skip }, `${where} (target ${target.target})`, opts);
    return { ...inner, name: target.target };
  }
  const result = convWidths(spec, target, where);
  return target.inputWidths === undefined ? result : { ...result, inputWidths: checkInputWidths(spec, target.inputWidths, where, opts) };
}

/** The input widths, checked against the spec's blocks. */
function checkInputWidths(spec: ArchSpec, widths: readonly number[], where: string, opts: { inputSelection?: boolean }): number[] {
  const fail = (what: string): never => {
    throw new ValidationError(`${where}: field 'inputWidths' ${what}`);
  };
  if (!opts.inputSelection) fail('chooses which channels each residual block\'s first conv reads, which only channel_regression does: give the inner widths alone (cfg)');
  const inputs = blockInputs(spec);
  if (!inputs) return fail(`applies to ImageNet ResNets (resnet_imagenet), not this ${spec.family} spec`);
  if ('inputSelect' in spec && spec.inputSelect) fail('needs a base whose blocks read all of their stream (this one already selects)');
  if ('residual' in spec && spec.residual) fail('needs a base with every residual branch (this one has branches removed)');
  if (widths.length !== inputs.length) fail(`must have one width per block: ${inputs.length} for this spec (got ${widths.length})`);
  inputs.forEach((b, k) => {
    if (widths[k]! > b.full) fail(`entry ${k} must be from 1 to ${b.full}, the width of the stream '${b.conv1}' reads (got ${widths[k]})`);
  });
  return [...widths];
}

function convWidths(spec: ArchSpec, target: WidthTarget, where: string): TargetWidths {
  const units = targetUnits(spec);
  const fail = (field: string, what: string): never => {
    throw new ValidationError(`${where}: field '${field}' ${what}`);
  };
  if (units.length === 0) fail('(root)', `: a ${spec.family} spec has no convs a predefined target can prune`);
  const widths = new Map<string, number>();
  const byRatio = (u: ConvUnit, r: number): number => Math.max(1, Math.floor(u.width * (1 - r)));

  if (target.cfg !== undefined) {
    const base = spec.cfg as ReadonlyArray<number | 'M'>;
    const cfg = target.cfg;
    if (cfg.length !== base.length) fail('cfg', `must have ${base.length} entries like the base spec's cfg (got ${cfg.length})`);
    const slots = new Map(units.filter((u) => u.slot.field === 'cfg').map((u) => [u.slot.index, u]));
    cfg.forEach((v, i) => {
      const u = slots.get(i);
      if (!u) {
        if (v !== base[i]) fail(`cfg.${i}`, `is not prunable by this method and must stay ${JSON.stringify(base[i])} (got ${JSON.stringify(v)})`);
        return;
      }
      if (v === 'M' || v > u.width) fail(`cfg.${i}`, `must be a width from 1 to ${u.width} for '${u.layer}' (got ${JSON.stringify(v)})`);
      widths.set(u.layer, v as number);
    });
    return { units, widths };
  }

  if (target.ratio !== undefined) {
    for (const u of units) widths.set(u.layer, byRatio(u, target.ratio));
    return { units, widths };
  }

  if (target.ratios !== undefined) {
    if (target.ratios.length !== units.length) {
      fail('ratios', `must have one ratio per prunable conv: ${units.length} for this spec (got ${target.ratios.length})`);
    }
    units.forEach((u, i) => widths.set(u.layer, byRatio(u, target.ratios![i]!)));
    return { units, widths };
  }

  const stageRatios = target.stageRatios!;
  const stages = Math.max(...units.map((u) => u.stage ?? -1)) + 1;
  if (stages === 0) fail('stageRatios', `needs a staged network (ResNet); this ${spec.family} spec has none`);
  if (stageRatios.length !== stages) fail('stageRatios', `must have ${stages} entries, one per stage (got ${stageRatios.length})`);
  const skip = new Set(target.skip ?? []);
  if (skip.size > 0) {
    const ids = new Set(units.map((u) => u.refId));
    if (ids.has(undefined)) fail('skip', `needs RNP layer ids, which this ${spec.family} spec does not have`);
    for (const id of skip) {
      if (!ids.has(id)) {
        const sorted = [...ids].map(Number).sort((a, b) => a - b);
        fail('skip', `id ${id} is not a prunable layer; candidates are ${sorted[0]}..${sorted.at(-1)} (${sorted.slice(0, 3).join(', ')}, …)`);
      }
    }
  }
  for (const u of units) widths.set(u.layer, u.refId !== undefined && skip.has(u.refId) ? u.width : byRatio(u, stageRatios[u.stage!]!));
  return { units, widths };
}
