// Where a network can be pruned, read off its forward: Ops<UnitValue> runs a family's forward on shapes
// (shape-ops.ts) and collects the pruning units (units.ts) from what the forward states as it builds
// each layer — a conv or dense marked `prunable` (ops.ts PrunableOutput: its width's spec field, stage,
// reference id) and every `selection` point — and from what follows in the graph:
//   conv unit    the BN that takes the marked layer's output directly is the unit's `bn` ('' where the mark
//                says no BN follows); layers marked with the same group (channels a residual sum joins)
//                are one unit, the first its `layer`, the others `coupled`, each with its own BN
//   select unit  the BN whose output is selected is the unit's `bn`; the first conv or dense that reads
//                the selection (through ReLU and pools) is its `consumer`, and the tensor's channel count
//                its `full`
// So a family file says once, in its forward, what may be pruned; nothing here names a family.
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { Ops, PrunableOutput } from '../models/ops.ts';
import { checkSpec, familyOf } from '../models/register-all.ts';
import { createShapeOps, type ShapeValue } from '../models/shape-ops.ts';
import type { ConvUnit, CoupledLayer, PrunableUnit, SelectUnit } from './units.ts';

interface UnitValue {
  shape: ShapeValue;
  /** The conv unit (or coupled member of one) this tensor is the raw output of (until a BN takes it). */
  producer?: { layer: string; bn: string };
  /** The BN this tensor is the output of. */
  bn?: string;
  /** A selection this tensor carries to its consumer. */
  selection?: SelectUnit;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Every pruning unit of `spec`, in forward order. */
export function traceUnits(spec: ArchSpec): PrunableUnit[] {
  const family = familyOf(checkSpec(spec));
  const { ops: shapes } = createShapeOps();
  const units: PrunableUnit[] = [];
  const needsBn: Array<{ layer: string; bn: string }> = [];
  /** Coupled units by their group (PrunableOutput.group): later members join the first one's unit. */
  const groups = new Map<string, ConvUnit>();
  const needsConsumer = new Set<SelectUnit>();
  const channels = (x: UnitValue): number => x.shape.shape[x.shape.shape.length - 1]!;

  /** A conv or dense reading `x` with `width` outputs: it consumes x's selection; marked, it is a unit. */
  const layer = (name: string, x: UnitValue, width: number, shape: ShapeValue, prunable: PrunableOutput | undefined, isConv: boolean): UnitValue => {
    if (x.selection) {
      x.selection.consumer = name;
      x.selection.consumerOut = width;
      needsConsumer.delete(x.selection);
    }
    if (!prunable) return { shape };
    const group = prunable.group !== undefined ? groups.get(prunable.group) : undefined;
    if (group) {
      if (group.width !== width) throw new ValidationError(`${spec.family} forward: '${name}' (${width} channels) is coupled to '${group.layer}' (${group.width})`);
      const member: CoupledLayer = { layer: name, bn: '', slot: { ...prunable.slot } };
      (group.coupled ??= []).push(member);
      if (prunable.bn === false) return { shape };
      needsBn.push(member);
      return { shape, producer: member };
    }
    const unit: ConvUnit = {
      kind: 'conv', layer: name, bn: '', width, slot: { ...prunable.slot },
      role: prunable.role ?? (isConv ? 'feature' : 'classifier'),
      ...(prunable.stage !== undefined ? { stage: prunable.stage } : {}),
      ...(prunable.refId !== undefined ? { refId: prunable.refId } : {}),
    };
    units.push(unit);
    if (prunable.group !== undefined) groups.set(prunable.group, unit);
    if (prunable.bn === false) return { shape };
    needsBn.push(unit);
    return { shape, producer: unit };
  };
  /** Ops that keep channels: a carried selection goes on to the consumer. */
  const through = (x: UnitValue, shape: ShapeValue): UnitValue => ({ shape, ...(x.selection ? { selection: x.selection } : {}) });

  const ops: Ops<UnitValue> = {
    shape: (x) => x.shape.shape,
    conv2d: (name, x, args) => layer(name, x, args.filters, shapes.conv2d(name, x.shape, args), args.prunable, true),
    dense: (name, x, units_, opts) => layer(name, x, units_, shapes.dense(name, x.shape, units_, opts), opts?.prunable, false),
    batchNorm(name, x) {
      if (x.producer && x.producer.bn === '') x.producer.bn = name;
      return { ...through(x, shapes.batchNorm(name, x.shape)), bn: name };
    },
    // A depthwise conv keeps its input's channels: a selection passes through it to the next conv.
    depthwiseConv2d: (name, x, args) => through(x, shapes.depthwiseConv2d(name, x.shape, args)),
    relu: (x) => through(x, shapes.relu(x.shape)),
    relu6: (x) => through(x, shapes.relu6(x.shape)),
    sigmoid: (x) => through(x, shapes.sigmoid(x.shape)),
    silu: (x) => through(x, shapes.silu(x.shape)),
    dropout: (x) => x,
    maxPool: (x, args) => through(x, shapes.maxPool(x.shape, args)),
    reluMaxPool: (x, args) => through(x, shapes.reluMaxPool(x.shape, args)),
    avgPool: (x, args) => through(x, shapes.avgPool(x.shape, args)),
    globalAvgPool: (x, args) => through(x, shapes.globalAvgPool(x.shape, args)),
    flatten: (x) => ({ shape: shapes.flatten(x.shape) }),
    add: (a, b) => ({ shape: shapes.add(a.shape, b.shape) }),
    concat: (xs) => ({ shape: shapes.concat(xs.map((x) => x.shape)) }),
    padShortcut: (x, c, stride) => ({ shape: shapes.padShortcut(x.shape, c, stride) }),
    scale: (name, x) => through(x, shapes.scale(name, x.shape)),
    selectChannels: (x, indices) => ({ shape: shapes.selectChannels(x.shape, indices) }),
    selection(x, at) {
      if (!x.bn) throw new ValidationError(`${spec.family} forward: selection point ${at.index} does not follow a BN`);
      const full = channels(x);
      const unit: SelectUnit = {
        kind: 'select', bn: x.bn, full, candidates: at.indices ? [...at.indices] : range(full),
        selectIndex: at.index, cfgIndex: at.cfgIndex, consumer: '', consumerOut: 0,
      };
      units.push(unit);
      needsConsumer.add(unit);
      const shape = at.indices ? shapes.selectChannels(x.shape, at.indices) : x.shape;
      return { shape, selection: unit };
    },
  };
  family.forward(ops, { shape: { shape: [...spec.input] } }, spec);
  const noBn = needsBn.find((u) => u.bn === '');
  if (noBn) throw new ValidationError(`${spec.family} forward: prunable layer '${noBn.layer}' has no BN on its output`);
  const unread = [...needsConsumer][0];
  if (unread) throw new ValidationError(`${spec.family} forward: selection point ${unread.selectIndex} is read by no conv or dense layer`);
  return units;
}
