// Where each family can be pruned, as "units" a method scores and plans over (anchors-mission §1.2):
//   conv unit    a conv (or classifier dense) whose output channels may go; its width lives in one
//                slot of the spec (cfg[i] or fc[i]); `bn` is the BN that normalises its output.
//   select unit  a channel-selection layer (PreResNet / DenseNet): which channels of the full tensor
//                after BN `bn` the `consumer` (conv or fc) reads; its width is cfg[i], its indices select[k].
// Families:
//   vgg              every conv (features.i → BN features.i+1); head dense layers (classifier.3j →
//                    BN1d classifier.3j+1) as 'classifier' units
//   resnet           block conv1 (inner width), BN bn1; `refId` 2b+2 as RNP's skip lists number them
//   resnet_imagenet  basic: block conv1 (refId 2b+2, stem = 1); bottleneck: conv1 and conv2
//   preresnet        block conv1 → bn2, conv2 → bn3; selections after each block's bn1 and the final bn
//   densenet         selections before every dense layer's conv, every transition conv and the fc
// specWithKept turns kept channel lists into the pruned ArchSpec and the plan's `keep`.
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { densenetFullWidths } from '../models/densenet.ts';
import { preresnetFullWidths } from '../models/preresnet.ts';
import { validateSpec } from '../models/register-all.ts';

export interface ConvUnit {
  kind: 'conv';
  /** The conv/dense layer; also the unit's id. */
  layer: string;
  bn: string;
  width: number;
  slot: { field: 'cfg' | 'fc'; index: number };
  /** 'classifier' for VGG head dense layers, which structured predefined methods leave alone. */
  role: 'feature' | 'classifier';
  /** 0-based stage (ResNets) for per-stage ratios. */
  stage?: number;
  /** RNP's layer id for skip lists (CIFAR ResNet, ImageNet ResNet). */
  refId?: number;
}

export interface SelectUnit {
  kind: 'select';
  /** The BN whose output is selected; also the unit's id. */
  bn: string;
  /** Channels of the full tensor (the BN's width). */
  full: number;
  /** Indices the base spec already selects (all, unless the base is itself pruned). */
  candidates: number[];
  selectIndex: number;
  cfgIndex: number;
  /** The layer that reads the selection (its weight's input axis indexes the full tensor's channels). */
  consumer: string;
  /** The consumer's output width (its weight is [..., selected, consumerOut]). */
  consumerOut: number;
}

export type PrunableUnit = ConvUnit | SelectUnit;

export const unitId = (u: PrunableUnit): string => (u.kind === 'conv' ? u.layer : u.bn);
/** Channels a unit chooses from: output channels of a conv, full-tensor indices of a selection. */
export const candidatesOf = (u: PrunableUnit): number[] => (u.kind === 'conv' ? range(u.width) : u.candidates);

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export function prunableUnits(spec: ArchSpec): PrunableUnit[] {
  const units: PrunableUnit[] = [];
  switch (spec.family) {
    case 'vgg': {
      let i = 0;
      spec.cfg.forEach((v, index) => {
        if (v === 'M') {
          i += 1;
          return;
        }
        units.push({ kind: 'conv', layer: `features.${i}`, bn: `features.${i + 1}`, width: v, slot: { field: 'cfg', index }, role: 'feature' });
        i += 3;
      });
      spec.fc.forEach((units_, j) => {
        units.push({
          kind: 'conv',
          layer: `classifier.${3 * j}`,
          bn: `classifier.${3 * j + 1}`,
          width: units_,
          slot: { field: 'fc', index: j },
          role: 'classifier',
        });
      });
      return units;
    }
    case 'resnet': {
      const n = (spec.depth - 2) / 6;
      spec.cfg.forEach((width, b) => {
        const name = `layer${Math.floor(b / n) + 1}.${b % n}`;
        units.push({
          kind: 'conv', layer: `${name}.conv1`, bn: `${name}.bn1`, width,
          slot: { field: 'cfg', index: b }, role: 'feature', stage: Math.floor(b / n), refId: 2 * b + 2,
        });
      });
      return units;
    }
    case 'resnet_imagenet': {
      let k = 0;
      spec.blocks.forEach((count, s) => {
        for (let i = 0; i < count; i++, k++) {
          const name = `layer${s + 1}.${i}`;
          if (spec.block === 'basic') {
            units.push({
              kind: 'conv', layer: `${name}.conv1`, bn: `${name}.bn1`, width: spec.cfg[k]!,
              slot: { field: 'cfg', index: k }, role: 'feature', stage: s, refId: 2 * k + 2,
            });
          } else {
            for (const c of [0, 1]) {
              units.push({
                kind: 'conv', layer: `${name}.conv${c + 1}`, bn: `${name}.bn${c + 1}`, width: spec.cfg[2 * k + c]!,
                slot: { field: 'cfg', index: 2 * k + c }, role: 'feature', stage: s, refId: 3 * k + 2 + c,
              });
            }
          }
        }
      });
      return units;
    }
    case 'preresnet': {
      const n = (spec.depth - 2) / 9;
      const full = preresnetFullWidths(spec);
      for (let k = 0; k < 3 * n; k++) {
        const name = `layer${Math.floor(k / n) + 1}.${k % n}`;
        units.push(selectUnit(`${name}.bn1`, full[k]!, spec.select?.[k], k, 3 * k, `${name}.conv1`, spec.cfg[3 * k + 1]!));
        units.push({ kind: 'conv', layer: `${name}.conv1`, bn: `${name}.bn2`, width: spec.cfg[3 * k + 1]!, slot: { field: 'cfg', index: 3 * k + 1 }, role: 'feature', stage: Math.floor(k / n) });
        units.push({ kind: 'conv', layer: `${name}.conv2`, bn: `${name}.bn3`, width: spec.cfg[3 * k + 2]!, slot: { field: 'cfg', index: 3 * k + 2 }, role: 'feature', stage: Math.floor(k / n) });
      }
      units.push(selectUnit('bn', full[3 * n]!, spec.select?.[3 * n], 3 * n, 9 * n, 'fc', spec.classes));
      return units;
    }
    case 'densenet': {
      const n = (spec.depth - 4) / 3;
      const full = densenetFullWidths(spec);
      let k = 0;
      for (let b = 0; b < 3; b++) {
        for (let j = 0; j < n; j++, k++) {
          units.push(selectUnit(`dense${b + 1}.${j}.bn1`, full[k]!, spec.select?.[k], k, k, `dense${b + 1}.${j}.conv1`, spec.growth));
        }
        const name = b < 2 ? `trans${b + 1}` : null;
        units.push(selectUnit(name ? `${name}.bn1` : 'bn', full[k]!, spec.select?.[k], k, k, name ? `${name}.conv1` : 'fc', name ? full[k]! : spec.classes));
        k++;
      }
      return units;
    }
  }
}

function selectUnit(
  bn: string, full: number, selected: number[] | undefined, selectIndex: number, cfgIndex: number,
  consumer: string, consumerOut: number,
): SelectUnit {
  return { kind: 'select', bn, full, candidates: selected ? [...selected] : range(full), selectIndex, cfgIndex, consumer, consumerOut };
}

/**
 * The pruned spec and the plan's `keep` from kept channels per unit id (units absent from `kept`
 * keep everything). Kept lists must be ascending, non-empty subsets of the unit's candidates.
 * The result is validated as a spec (family rules and a shape pass).
 */
export function specWithKept(
  base: ArchSpec,
  units: readonly PrunableUnit[],
  kept: ReadonlyMap<string, readonly number[]>,
): { pruned: ArchSpec; keep: Record<string, number[]> } {
  const pruned = structuredClone(base) as ArchSpec & { select?: number[][]; fc?: number[] };
  // The base variant's id no longer describes the result; a method that knows a name sets one.
  delete pruned.id;
  const keep: Record<string, number[]> = {};
  const known = new Set(units.map(unitId));
  for (const id of kept.keys()) if (!known.has(id)) throw new ValidationError(`no prunable layer '${id}' in this ${base.family} spec`);
  for (const u of units) {
    const list = kept.get(unitId(u));
    if (!list) continue;
    const candidates = new Set(candidatesOf(u));
    if (list.length === 0) throw new ValidationError(`layer '${unitId(u)}' would keep no channels`);
    list.forEach((c, i) => {
      if (!candidates.has(c)) throw new ValidationError(`layer '${unitId(u)}': channel ${c} is not one it can keep`);
      if (i > 0 && c <= list[i - 1]!) throw new ValidationError(`layer '${unitId(u)}': kept channels must be ascending`);
    });
    if (u.kind === 'conv') {
      (pruned[u.slot.field] as unknown[])[u.slot.index] = list.length;
      if (list.length !== u.width) keep[u.layer] = [...list];
    } else {
      const all = prunableUnits(base).filter((x): x is SelectUnit => x.kind === 'select');
      pruned.select ??= all.map((x) => [...x.candidates]);
      pruned.select[u.selectIndex] = [...list];
      (pruned as { cfg: number[] }).cfg[u.cfgIndex] = list.length;
    }
  }
  validateSpec(pruned);
  return { pruned, keep };
}
