// Ops<ShapeValue>: runs a family's forward on per-example shapes only. It infers every tensor's
// shape, records each parameter as a ParamSpec (in call order) and each op's cost.
// Cost follows RNP's compute_flops.py (anchors-mission §1.7), for one example:
//   conv   (2·k·k·Cin + bias)·Cout·Hout·Wout     linear  2·in·out + out
//   depthwise conv (2·k·k + bias)·C·Hout·Wout    ReLU6   input elements
//   BN2d   2 × input elements (BN1d: 0)          ReLU    input elements
//   pool modules k² × output elements; a global-average module H·W × output elements;
//   functional pools, add, concat, select, flatten, padShortcut and a block's scale cost 0.
// MACs count multiply-accumulates of conv and dense weights only.
import { ValidationError } from '../../../src-shared/errors.ts';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { initSchemeOf, type ModelFamily } from './family.ts';
import type { ConvArgs, DepthwiseArgs, Ops, ParamRole, ParamSpec, PoolArgs } from './ops.ts';

export interface ShapeValue {
  /** [h, w, c] for feature maps, [features] after flatten / pooling. */
  readonly shape: readonly number[];
}

export type LayerKind =
  | 'conv'
  | 'depthwise_conv'
  | 'dense'
  | 'bn'
  | 'relu'
  | 'relu6'
  | 'sigmoid'
  | 'silu'
  | 'max_pool'
  | 'avg_pool'
  | 'global_avg_pool'
  | 'flatten'
  | 'add'
  | 'concat'
  | 'select'
  | 'pad_shortcut'
  | 'scale';

/** One op as the forward pass called it. Unnamed ops are named `${kind}_${n}` (n counts per kind). */
export interface LayerCost {
  name: string;
  kind: LayerKind;
  outShape: number[];
  /** Trainable parameters (weights, biases, BN γ/β). */
  params: number;
  macs: number;
  flops: number;
}

export interface ShapeTrace {
  params: ParamSpec[];
  layers: LayerCost[];
  output: number[];
}

export interface ShapeOps {
  ops: Ops<ShapeValue>;
  params: ParamSpec[];
  layers: LayerCost[];
}

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** `convFan` picks the fan recorded on conv weights (ParamSpec.fan), as the family's InitScheme says. */
export function createShapeOps(opts: { convFan?: 'fan_in' | 'fan_out' } = {}): ShapeOps {
  const convFan = opts.convFan ?? 'fan_out';
  const params: ParamSpec[] = [];
  const layers: LayerCost[] = [];
  const named = new Set<string>();
  const counters = new Map<LayerKind, number>();
  let lastNamed = '(input)';

  const fail = (layer: string, what: string): never => {
    throw new ValidationError(`layer '${layer}': ${what}`);
  };
  const unnamed = (kind: LayerKind): string => {
    const n = counters.get(kind) ?? 0;
    counters.set(kind, n + 1);
    return `${kind}_${n}`;
  };
  const where = (name: string): string => `${name} (after ${lastNamed})`;
  const record = (name: string, kind: LayerKind, out: number[], cost: Partial<LayerCost> = {}): ShapeValue => {
    if (out.some((d) => !Number.isInteger(d) || d <= 0)) {
      fail(name, `output shape [${out.join(', ')}] is not positive; the input is too small or a width is 0`);
    }
    layers.push({ name, kind, outShape: out, params: cost.params ?? 0, macs: cost.macs ?? 0, flops: cost.flops ?? 0 });
    return { shape: out };
  };
  const claim = (name: string): void => {
    if (named.has(name)) fail(name, 'name used twice (a bug in the family forward)');
    named.add(name);
    lastNamed = name;
  };
  const param = (layer: string, layerKind: ParamSpec['layerKind'], role: ParamRole, shape: number[], fan: number, bnOver?: ParamSpec['bnOver']): void => {
    const trainable = role !== 'running_mean' && role !== 'running_var';
    params.push({ name: `${layer}.${role}`, shape, role, layer, layerKind, ...(bnOver ? { bnOver } : {}), trainable, fan });
  };
  const map3 = (name: string, x: ShapeValue): [number, number, number] => {
    if (x.shape.length !== 3) fail(name, `expects a [h, w, c] feature map, got [${x.shape.join(', ')}]`);
    return x.shape as [number, number, number];
  };
  const outSize = (n: number, k: number, stride: number, pad: number): number =>
    Math.floor((n + 2 * pad - k) / stride) + 1;

  const pool = (kind: 'max_pool' | 'avg_pool', x: ShapeValue, args: PoolArgs): ShapeValue => {
    const name = unnamed(kind);
    const [h, w, c] = map3(where(name), x);
    const stride = args.stride ?? args.size;
    const pad = args.pad ?? 0;
    const out = [outSize(h, args.size, stride, pad), outSize(w, args.size, stride, pad), c];
    if (out[0]! <= 0 || out[1]! <= 0) fail(where(name), `${args.size}×${args.size} pool of a ${h}×${w} map is empty`);
    return record(name, kind, out, { flops: args.functional ? 0 : args.size * args.size * numel(out) });
  };

  const ops: Ops<ShapeValue> = {
    shape: (x) => x.shape,

    conv2d(name, x, args: ConvArgs) {
      claim(name);
      const [h, w, cin] = map3(name, x);
      const { filters, kernel: k } = args;
      const stride = args.stride ?? 1;
      const pad = args.pad ?? Math.floor(k / 2);
      const bias = args.bias ?? false;
      const out = [outSize(h, k, stride, pad), outSize(w, k, stride, pad), filters];
      const weights = k * k * cin * filters;
      param(name, 'conv', 'weight', [k, k, cin, filters], convFan === 'fan_out' ? k * k * filters : k * k * cin);
      if (bias) param(name, 'conv', 'bias', [filters], k * k * cin);
      const hw = (out[0] ?? 0) * (out[1] ?? 0);
      return record(name, 'conv', out, {
        params: weights + (bias ? filters : 0),
        macs: weights * hw,
        flops: (2 * k * k * cin + (bias ? 1 : 0)) * filters * hw,
      });
    },

    depthwiseConv2d(name, x, args: DepthwiseArgs) {
      claim(name);
      const [h, w, c] = map3(name, x);
      const k = args.kernel;
      const stride = args.stride ?? 1;
      const pad = args.pad ?? Math.floor(k / 2);
      const bias = args.bias ?? false;
      const out = [outSize(h, k, stride, pad), outSize(w, k, stride, pad), c];
      param(name, 'depthwise', 'weight', [k, k, c, 1], convFan === 'fan_out' ? k * k * c : k * k);
      if (bias) param(name, 'depthwise', 'bias', [c], k * k);
      const hw = (out[0] ?? 0) * (out[1] ?? 0);
      return record(name, 'depthwise_conv', out, {
        params: k * k * c + (bias ? c : 0),
        macs: k * k * c * hw,
        flops: (2 * k * k + (bias ? 1 : 0)) * c * hw,
      });
    },

    batchNorm(name, x) {
      claim(name);
      const c = x.shape[x.shape.length - 1]!;
      const over = x.shape.length === 3 ? 'maps' : 'features';
      for (const role of ['gamma', 'beta', 'running_mean', 'running_var'] as const) param(name, 'bn', role, [c], c, over);
      // BN1d (on [features]) is not counted by RNP's FLOP counter.
      return record(name, 'bn', [...x.shape], { params: 2 * c, flops: x.shape.length === 3 ? 2 * numel(x.shape) : 0 });
    },

    relu: (x) => record(unnamed('relu'), 'relu', [...x.shape], { flops: numel(x.shape) }),
    relu6: (x) => record(unnamed('relu6'), 'relu6', [...x.shape], { flops: numel(x.shape) }),
    sigmoid: (x) => record(unnamed('sigmoid'), 'sigmoid', [...x.shape], { flops: numel(x.shape) }),
    silu: (x) => record(unnamed('silu'), 'silu', [...x.shape], { flops: numel(x.shape) }),
    // No parameters and, as in the reference's FLOP counter, no cost: not a layer of the table.
    dropout: (x) => x,
    maxPool: (x, args) => pool('max_pool', x, args),
    reluMaxPool(x, args) {
      return this.maxPool(this.relu(x), args);
    },
    avgPool: (x, args) => pool('avg_pool', x, args),

    globalAvgPool(x, args) {
      const name = unnamed('global_avg_pool');
      const [h, w, c] = map3(where(name), x);
      return record(name, 'global_avg_pool', [c], { flops: args?.functional ? 0 : h * w * c });
    },

    flatten: (x) => record(unnamed('flatten'), 'flatten', [numel(x.shape)]),

    dense(name, x, units, opts) {
      claim(name);
      if (x.shape.length !== 1) fail(name, `expects [features], got [${x.shape.join(', ')}]; pool or flatten first`);
      const fin = x.shape[0]!;
      const bias = opts?.bias ?? true;
      param(name, 'dense', 'weight', [fin, units], fin);
      if (bias) param(name, 'dense', 'bias', [units], fin);
      return record(name, 'dense', [units], {
        params: fin * units + (bias ? units : 0),
        macs: fin * units,
        flops: 2 * fin * units + (bias ? units : 0),
      });
    },

    add(a, b) {
      const name = unnamed('add');
      if (a.shape.join() !== b.shape.join()) {
        fail(where(name), `cannot add [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
      }
      return record(name, 'add', [...a.shape]);
    },

    concat(xs) {
      const name = unnamed('concat');
      const maps = xs.map((x) => map3(where(name), x));
      if (maps.length === 0) fail(where(name), 'nothing to concatenate');
      const [h, w] = maps[0]!;
      if (maps.some(([hh, ww]) => hh !== h || ww !== w)) fail(where(name), 'spatial sizes differ');
      return record(name, 'concat', [h, w, maps.reduce((s, m) => s + m[2], 0)]);
    },

    selectChannels(x, indices) {
      const name = unnamed('select');
      const c = x.shape[x.shape.length - 1]!;
      indices.forEach((idx, i) => {
        if (!Number.isInteger(idx) || idx < 0 || idx >= c) {
          fail(where(name), `select index ${idx} is out of range for ${c} channels`);
        }
        if (i > 0 && idx <= indices[i - 1]!) fail(where(name), 'select indices must be strictly ascending');
      });
      return record(name, 'select', [...x.shape.slice(0, -1), indices.length]);
    },

    selection(x, at) {
      return at.indices ? ops.selectChannels(x, at.indices) : x;
    },

    padShortcut(x, channels, stride) {
      const name = unnamed('pad_shortcut');
      const [h, w, c] = map3(where(name), x);
      if (channels < c) fail(where(name), `cannot pad ${c} channels down to ${channels}`);
      return record(name, 'pad_shortcut', [Math.floor(h / stride), Math.floor(w / stride), channels]);
    },

    scale(name, x) {
      claim(name);
      param(name, 'scale', 'scale', [1], 1);
      return record(name, 'scale', [...x.shape], { params: 1 });
    },
  };
  return { ops, params, layers };
}

/** Runs `family.forward` on `spec.input` and checks that it ends in [classes] logits. */
export function traceShapes(family: ModelFamily, spec: ArchSpec): ShapeTrace {
  const { ops, params, layers } = createShapeOps({ convFan: initSchemeOf(family, spec).conv });
  const out = family.forward(ops, { shape: [...spec.input] }, spec);
  if (out.shape.length !== 1 || out.shape[0] !== spec.classes) {
    throw new ValidationError(`${family.family} forward ended in [${out.shape.join(', ')}], expected [${spec.classes}]`);
  }
  return { params, layers, output: [...out.shape] };
}
