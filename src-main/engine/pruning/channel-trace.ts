// Ops<ChannelValue>: runs a family's forward and tracks the identity (a label) of every channel of every
// tensor, so surgery can tell which base channel each channel of a pruned model is.
//   conv / dense      create labels `${layer}:${c}`; with `keep`, output j is `${layer}:${keep[layer][j]}`
//                     (the base channel it was copied from)
//   BN, ReLU(6), pools, depthwise conv, a block's scale   keep their input's labels (a depthwise conv
//                     reads and writes the same channels)
//   add               channel i of the sum is one label interned from both operands' labels (the
//                     residual stream); the operands must have the same channel count
//   concat            concatenates; selectChannels picks; padShortcut appends `zero` labels
//   flatten           expands [h, w, c] labels over positions in NHWC order: `${label}@${h·w index}`
// Tracing a base spec with no `keep` and its pruned spec with the plan's `keep` (sharing one Interner)
// gives labels that agree wherever the pruned model computes what the base model computes.
// Shapes and validation come from shape-ops.ts, which this interpreter wraps.
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { Ops } from '../models/ops.ts';
import { checkSpec, familyOf } from '../models/register-all.ts';
import { createShapeOps, type ShapeValue } from '../models/shape-ops.ts';

export interface ChannelValue {
  shape: ShapeValue;
  /** One label per entry of the last axis. */
  labels: readonly string[];
}

/** The channels one parametrised layer reads and writes (BN and depthwise conv: input = output). */
export interface LayerChannels {
  kind: 'conv' | 'depthwise' | 'dense' | 'bn' | 'scale';
  input: readonly string[];
  output: readonly string[];
}

export interface ChannelTrace {
  layers: Map<string, LayerChannels>;
  output: readonly string[];
}

/** Short, stable names for composite labels (sums), shared by the traces that are compared. */
export class Interner {
  private readonly ids = new Map<string, string>();
  intern(key: string): string {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = `s${this.ids.size}`;
      this.ids.set(key, id);
    }
    return id;
  }
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function createChannelOps(keep: Readonly<Record<string, readonly number[]>>, interner: Interner): {
  ops: Ops<ChannelValue>;
  layers: Map<string, LayerChannels>;
} {
  const { ops: shapes } = createShapeOps();
  const layers = new Map<string, LayerChannels>();

  const created = (layer: string, width: number): string[] => {
    const kept = keep[layer];
    if (kept && kept.length !== width) {
      throw new ValidationError(`plan keeps ${kept.length} channels of '${layer}' but the pruned spec gives it ${width}`);
    }
    return (kept ?? range(width)).map((c) => `${layer}:${c}`);
  };
  const same = (x: ChannelValue, shape: ShapeValue): ChannelValue => ({ shape, labels: x.labels });

  const ops: Ops<ChannelValue> = {
    shape: (x) => x.shape.shape,

    conv2d(name, x, args) {
      const shape = shapes.conv2d(name, x.shape, args);
      const output = created(name, args.filters);
      layers.set(name, { kind: 'conv', input: x.labels, output });
      return { shape, labels: output };
    },

    depthwiseConv2d(name, x, args) {
      const shape = shapes.depthwiseConv2d(name, x.shape, args);
      layers.set(name, { kind: 'depthwise', input: x.labels, output: x.labels });
      return same(x, shape);
    },

    batchNorm(name, x) {
      const shape = shapes.batchNorm(name, x.shape);
      layers.set(name, { kind: 'bn', input: x.labels, output: x.labels });
      return same(x, shape);
    },

    relu: (x) => same(x, shapes.relu(x.shape)),
    relu6: (x) => same(x, shapes.relu6(x.shape)),
    sigmoid: (x) => same(x, shapes.sigmoid(x.shape)),
    silu: (x) => same(x, shapes.silu(x.shape)),
    dropout: (x) => x,
    maxPool: (x, args) => same(x, shapes.maxPool(x.shape, args)),
    reluMaxPool: (x, args) => same(x, shapes.reluMaxPool(x.shape, args)),
    avgPool: (x, args) => same(x, shapes.avgPool(x.shape, args)),
    globalAvgPool: (x, args) => same(x, shapes.globalAvgPool(x.shape, args)),

    flatten(x) {
      const shape = shapes.flatten(x.shape);
      const positions = x.shape.shape.length === 3 ? x.shape.shape[0]! * x.shape.shape[1]! : 1;
      const labels: string[] = [];
      for (let p = 0; p < positions; p++) for (const l of x.labels) labels.push(`${l}@${p}`);
      return { shape, labels };
    },

    dense(name, x, units, opts) {
      const shape = shapes.dense(name, x.shape, units, opts);
      const output = created(name, units);
      layers.set(name, { kind: 'dense', input: x.labels, output });
      return { shape, labels: output };
    },

    add(a, b) {
      if (a.labels.length !== b.labels.length) {
        throw new ValidationError(
          `cannot add ${a.labels.length} and ${b.labels.length} channels: a plan must prune both sides of a residual sum alike`,
        );
      }
      const shape = shapes.add(a.shape, b.shape);
      return { shape, labels: a.labels.map((l, i) => interner.intern(`${l}+${b.labels[i]}`)) };
    },

    concat(xs) {
      const shape = shapes.concat(xs.map((x) => x.shape));
      return { shape, labels: xs.flatMap((x) => x.labels) };
    },

    selectChannels(x, indices) {
      const shape = shapes.selectChannels(x.shape, indices);
      return { shape, labels: indices.map((i) => x.labels[i]!) };
    },

    selection(x, at) {
      return at.indices ? ops.selectChannels(x, at.indices) : x;
    },

    padShortcut(x, channels, stride) {
      const shape = shapes.padShortcut(x.shape, channels, stride);
      return { shape, labels: [...x.labels, ...Array<string>(channels - x.labels.length).fill('zero')] };
    },

    scale(name, x) {
      const shape = shapes.scale(name, x.shape);
      layers.set(name, { kind: 'scale', input: x.labels, output: x.labels });
      return same(x, shape);
    },
  };
  return { ops, layers };
}

/**
 * Channel labels of every conv/dense/BN layer of `spec`. `keep` (from a plan) says which base channels
 * the pruned conv/dense layers' outputs are; layers not in `keep` keep their identity.
 */
export function traceChannels(
  spec: ArchSpec,
  keep: Readonly<Record<string, readonly number[]>> = {},
  interner: Interner = new Interner(),
): ChannelTrace {
  const family = familyOf(checkSpec(spec));
  const { ops, layers } = createChannelOps(keep, interner);
  const labels = range(spec.input[2]).map((c) => `input:${c}`);
  const out = family.forward(ops, { shape: { shape: [...spec.input] }, labels }, spec);
  for (const layer of Object.keys(keep)) {
    const l = layers.get(layer);
    if (!l || l.kind === 'bn' || l.kind === 'depthwise' || l.kind === 'scale') throw new ValidationError(`plan field 'keep.${layer}': no conv or dense layer of that name`);
  }
  return { layers, output: out.labels };
}
