// Where a network can be pruned, as "units" a method scores and plans over (anchors-mission §1.2):
//   conv unit    a conv (or classifier dense) whose output channels may go; its width lives in one
//                slot of the spec (cfg[i], fc[i], a graph node's filters); `bn` is the BN that normalises its output.
//   select unit  a channel-selection layer (PreResNet / DenseNet): which channels of the full tensor
//                after BN `bn` the `consumer` (conv or fc) reads; its width is cfg[i], its indices select[k].
// The units of a spec come from tracing its family's forward (unit-trace.ts), which marks the prunable
// layers and the selection points where it builds them: no family is named here.
// specWithKept turns kept channel lists into the pruned ArchSpec and the plan's `keep`.
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { WidthSlot } from '../models/ops.ts';
import { validateSpec } from '../models/register-all.ts';
import { traceUnits } from './unit-trace.ts';

export interface ConvUnit {
  kind: 'conv';
  /** The conv/dense layer; also the unit's id. */
  layer: string;
  /** The BN on its output; '' where none follows (a BN-folded import's conv with bias). */
  bn: string;
  width: number;
  slot: WidthSlot;
  /** 'classifier' for VGG head dense layers, which structured predefined methods leave alone. */
  role: 'feature' | 'classifier';
  /** 0-based stage (ResNets) for per-stage ratios. */
  stage?: number;
  /** RNP's layer id for skip lists (CIFAR ResNet, ImageNet ResNet). */
  refId?: number;
  /**
   * The other layers whose channels a residual sum couples to this one's (PrunableOutput.group): the
   * unit's kept channels are kept in each of them too, and importances score the group as a whole.
   */
  coupled?: CoupledLayer[];
}

/** A member of a coupled conv unit beside its first layer: its own BN and width slot, the unit's width. */
export interface CoupledLayer {
  layer: string;
  bn: string;
  slot: WidthSlot;
}

/** Every layer a conv unit prunes: its own, then the ones coupled to it. */
export const unitLayers = (u: ConvUnit): CoupledLayer[] => [{ layer: u.layer, bn: u.bn, slot: u.slot }, ...(u.coupled ?? [])];

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

/** Every place `spec` can be pruned, in forward order, as its family's forward states them (unit-trace.ts). */
export function prunableUnits(spec: ArchSpec): PrunableUnit[] {
  return traceUnits(spec);
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
      for (const member of unitLayers(u)) {
        const holder = pruned[member.slot.field] as unknown[];
        if (member.slot.key) (holder[member.slot.index] as Record<string, unknown>)[member.slot.key] = list.length;
        else holder[member.slot.index] = list.length;
        if (list.length !== u.width) keep[member.layer] = [...list];
      }
    } else {
      const all = prunableUnits(base).filter((x): x is SelectUnit => x.kind === 'select');
      pruned.select ??= all.map((x) => [...x.candidates]);
      pruned.select[u.selectIndex] = [...list];
      (pruned['cfg'] as number[])[u.cfgIndex] = list.length;
    }
  }
  validateSpec(pruned);
  return { pruned, keep };
}
