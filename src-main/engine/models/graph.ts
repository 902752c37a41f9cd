// A network written as data: a list of nodes in the Ops vocabulary (conv, depthwise conv, BN, ReLU, ReLU6,
// SiLU, sigmoid, pools, flatten, dense, add, concat, identity, dropout), each naming its inputs — what an imported model
// (ONNX, TF.js) becomes, and what a researcher writes for a CNN no family file describes. Nodes come in
// an order where every input is defined before it is read ('input' is the image); `output` names the node
// whose [classes] vector is the logits. A node's id is its layer name (parameters `${id}.weight`, …).
//
// Where it prunes is read off the graph: a conv (or dense) whose channels reach nothing but conv / dense
// layers — through BN, ReLU(6), pools, depthwise convs, identity, flatten and concatenations, never a sum or
// the output — is marked prunable, its width being the node's `filters` (`units`); the BN that reads it
// alone is its unit's BN, and where none does (a BN-folded import) methods that score by BN pass it by.
// Convs whose channels residual sums join form one coupled group (residualGroups: DepGraph's idea, found on
// the graph rather than declared), pruned as one unit — the same channels from every member.
// Init (for a graph trained from scratch): conv N(0, 2/fan_out), BN γ 1, Linear PyTorch's default.
import { z } from 'zod';
import { archSpecFields, positiveInt } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { ModelFamily } from './family.ts';
import type { Ops, PrunableOutput } from './ops.ts';
import { createShapeOps } from './shape-ops.ts';

const id = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'letters, digits, _ and . (not first)');
const inputs = z.array(z.string()).min(1);
const spatial = { stride: positiveInt.optional(), pad: z.number().int().nonnegative().optional() };

export const GraphNodeSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('conv'), id, inputs, filters: positiveInt, kernel: positiveInt, ...spatial, bias: z.boolean().optional() }),
  z.strictObject({ op: z.literal('depthwise'), id, inputs, kernel: positiveInt, ...spatial, bias: z.boolean().optional() }),
  z.strictObject({ op: z.literal('dense'), id, inputs, units: positiveInt, bias: z.boolean().optional() }),
  z.strictObject({ op: z.enum(['max_pool', 'avg_pool']), id, inputs, size: positiveInt, ...spatial }),
  /** Zeroes values with probability `rate` while training; the identity in eval mode. */
  z.strictObject({ op: z.literal('dropout'), id, inputs, rate: z.number().min(0).lt(1) }),
  z.strictObject({ op: z.enum(['bn', 'relu', 'relu6', 'sigmoid', 'silu', 'global_avg_pool', 'flatten', 'identity', 'add', 'concat']), id, inputs }),
]);
export type GraphNode = z.infer<typeof GraphNodeSchema>;

export const GraphSpecSchema = z.strictObject({
  family: z.literal('graph'),
  ...archSpecFields,
  nodes: z.array(GraphNodeSchema).min(1),
  /** The node whose output ([classes]) is the logits. */
  output: z.string(),
});
export type GraphSpec = z.infer<typeof GraphSpecSchema>;

const INPUT = 'input';
/** Ops that keep their input's channels, one for one. */
const CHANNELWISE = new Set<GraphNode['op']>(['bn', 'relu', 'relu6', 'sigmoid', 'silu', 'max_pool', 'avg_pool', 'global_avg_pool', 'depthwise', 'identity', 'dropout', 'flatten']);
const ARITY: Partial<Record<GraphNode['op'], string>> = { add: 'exactly 2', concat: 'at least 2' };

const fail = (node: string, what: string): never => {
  throw new ValidationError(`graph spec: node '${node}': ${what}`);
};

/** Which nodes read each node's output. */
function readers(spec: GraphSpec): Map<string, GraphNode[]> {
  const out = new Map<string, GraphNode[]>();
  for (const n of spec.nodes) for (const i of n.inputs) out.set(i, [...(out.get(i) ?? []), n]);
  return out;
}

/** Conv / dense nodes whose output channels may be pruned on their own (see the header), by node index. */
function prunableNodes(spec: GraphSpec): Map<number, PrunableOutput> {
  const read = readers(spec);
  const onlyLayers = (id: string, seen: Set<string>): boolean => {
    if (id === spec.output || seen.has(id)) return id !== spec.output;
    seen.add(id);
    const rs = read.get(id) ?? [];
    return rs.length > 0 && rs.every((r) => r.op === 'conv' || r.op === 'dense' || ((CHANNELWISE.has(r.op) || r.op === 'concat') && onlyLayers(r.id, seen)));
  };
  const out = new Map<number, PrunableOutput>();
  spec.nodes.forEach((n, index) => {
    if (n.op !== 'conv' && n.op !== 'dense') return;
    const rs = read.get(n.id) ?? [];
    const withBn = rs.length === 1 && rs[0]!.op === 'bn';
    if (!withBn && rs.some((r) => r.op === 'bn')) return;
    // Without a BN (a BN-folded import: the conv keeps its bias) its channels may still go on their own.
    if (withBn ? !onlyLayers(rs[0]!.id, new Set()) : !onlyLayers(n.id, new Set())) return;
    const key = n.op === 'conv' ? 'filters' : 'units';
    out.set(index, { slot: { field: 'nodes', index, key }, role: n.op === 'conv' ? 'feature' : 'classifier', ...(withBn ? {} : { bn: false }) });
  });
  for (const [index, group] of residualGroups(spec, read)) {
    const rs = read.get(spec.nodes[index]!.id) ?? [];
    const withBn = rs.length === 1 && rs[0]!.op === 'bn';
    out.set(index, { slot: { field: 'nodes', index, key: 'filters' }, role: 'feature', group, ...(withBn ? {} : { bn: false }) });
  }
  return out;
}

/**
 * Convs whose channels residual sums join, by node index, each with its group (the first member's id):
 * the channel spaces of an add's two inputs are one. A group is prunable when it is made of convs only
 * (not the image, a concatenation or a dense layer), each read by one BN or by none, and its tensors reach
 * nothing but conv / dense layers, channel-wise ops and the group's own sums — never a concatenation or
 * the output.
 */
function residualGroups(spec: GraphSpec, read: Map<string, GraphNode[]>): Map<number, string> {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    if (!parent.has(k)) parent.set(k, k);
    let r = k;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(k, r);
    return r;
  };
  /** The channel space of each node's output: its own for a layer, the image or a concat; its input's for a channel-wise op. */
  const space = new Map<string, string>([[INPUT, INPUT]]);
  const summed = new Set<string>();
  for (const n of spec.nodes) {
    if (CHANNELWISE.has(n.op)) space.set(n.id, space.get(n.inputs[0]!)!);
    else if (n.op === 'add') {
      const [a, b] = n.inputs.map((i) => find(space.get(i)!)) as [string, string];
      if (a !== b) parent.set(b, a);
      summed.add(a);
      space.set(n.id, a);
    } else {
      space.set(n.id, n.id);
      find(n.id);
    }
  }
  const byRoot = new Map<string, { members: number[]; ok: boolean }>();
  for (const root of new Set([...summed].map(find))) byRoot.set(root, { members: [], ok: true });
  const groupOf = (id: string) => byRoot.get(find(space.get(id)!));
  const ops = new Map<string, GraphNode['op']>(spec.nodes.map((n) => [n.id, n.op]));
  for (const id of [INPUT, ...spec.nodes.map((n) => n.id)]) {
    const g = groupOf(id);
    if (!g) continue;
    const op = ops.get(id); // undefined for the image, whose channels cannot go
    if (space.get(id) === id && op !== 'conv') g.ok = false;
    if (id === spec.output) g.ok = false;
    const rs = read.get(id) ?? [];
    if (rs.some((r) => r.op === 'concat')) g.ok = false;
    if (op === 'conv' && space.get(id) === id) {
      const bns = rs.filter((r) => r.op === 'bn').length;
      if (bns > 1 || (bns === 1 && rs.length > 1)) g.ok = false;
      g.members.push(spec.nodes.findIndex((n) => n.id === id));
    }
  }
  const out = new Map<number, string>();
  for (const g of byRoot.values()) {
    if (!g.ok || g.members.length === 0) continue;
    const first = spec.nodes[Math.min(...g.members)]!.id;
    for (const index of g.members) out.set(index, first);
  }
  return out;
}

const example = (nodes: GraphNode[], output: string, input: [number, number, number] = [16, 16, 3]): GraphSpec => ({
  family: 'graph', input, classes: 10, nodes, output,
});

export const graph: ModelFamily<GraphSpec> = {
  family: 'graph',
  schema: GraphSpecSchema,
  source: 'this project (the Ops vocabulary as data; what `pwb import-model` writes)',
  init: { conv: 'fan_out', bnGamma: 1, dense: 'torch_default' },
  variants: {},
  examples: [
    {
      label: 'branches joined by a concat, global pool, linear',
      spec: example([
        { op: 'conv', id: 'stem', inputs: [INPUT], filters: 8, kernel: 3 },
        { op: 'bn', id: 'stem_bn', inputs: ['stem'] },
        { op: 'relu', id: 'stem_relu', inputs: ['stem_bn'] },
        { op: 'conv', id: 'a', inputs: ['stem_relu'], filters: 6, kernel: 1, pad: 0 },
        { op: 'bn', id: 'a_bn', inputs: ['a'] },
        { op: 'relu', id: 'a_relu', inputs: ['a_bn'] },
        { op: 'conv', id: 'b', inputs: ['stem_relu'], filters: 10, kernel: 3, stride: 2 },
        { op: 'bn', id: 'b_bn', inputs: ['b'] },
        { op: 'relu', id: 'b_relu', inputs: ['b_bn'] },
        { op: 'max_pool', id: 'a_pool', inputs: ['a_relu'], size: 2 },
        { op: 'concat', id: 'cat', inputs: ['a_pool', 'b_relu'] },
        { op: 'conv', id: 'mix', inputs: ['cat'], filters: 12, kernel: 3 },
        { op: 'bn', id: 'mix_bn', inputs: ['mix'] },
        { op: 'relu', id: 'mix_relu', inputs: ['mix_bn'] },
        { op: 'global_avg_pool', id: 'gap', inputs: ['mix_relu'] },
        { op: 'dense', id: 'fc', inputs: ['gap'], units: 10 },
      ], 'fc'),
    },
    {
      label: 'inverted residual (depthwise, ReLU6, SiLU, sum), flatten, BN1d head with dropout',
      spec: example([
        { op: 'conv', id: 'stem', inputs: [INPUT], filters: 8, kernel: 3, stride: 2 },
        { op: 'bn', id: 'stem_bn', inputs: ['stem'] },
        { op: 'relu6', id: 'stem_act', inputs: ['stem_bn'] },
        { op: 'conv', id: 'expand', inputs: ['stem_act'], filters: 24, kernel: 1, pad: 0 },
        { op: 'bn', id: 'expand_bn', inputs: ['expand'] },
        { op: 'relu6', id: 'expand_act', inputs: ['expand_bn'] },
        { op: 'depthwise', id: 'dw', inputs: ['expand_act'], kernel: 3 },
        { op: 'bn', id: 'dw_bn', inputs: ['dw'] },
        { op: 'silu', id: 'dw_act', inputs: ['dw_bn'] },
        { op: 'conv', id: 'project', inputs: ['dw_act'], filters: 8, kernel: 1, pad: 0 },
        { op: 'bn', id: 'project_bn', inputs: ['project'] },
        { op: 'add', id: 'sum', inputs: ['stem_act', 'project_bn'] },
        { op: 'avg_pool', id: 'pool', inputs: ['sum'], size: 2 },
        { op: 'identity', id: 'drop', inputs: ['pool'] },
        { op: 'flatten', id: 'flat', inputs: ['drop'] },
        { op: 'dense', id: 'hidden', inputs: ['flat'], units: 16 },
        { op: 'bn', id: 'hidden_bn', inputs: ['hidden'] },
        { op: 'relu', id: 'hidden_relu', inputs: ['hidden_bn'] },
        { op: 'dropout', id: 'hidden_drop', inputs: ['hidden_relu'], rate: 0.25 },
        { op: 'dense', id: 'fc', inputs: ['hidden_drop'], units: 10 },
      ], 'fc'),
    },
  ],

  validate(spec) {
    const defined = new Set([INPUT]);
    for (const n of spec.nodes) {
      if (defined.has(n.id)) fail(n.id, n.id === INPUT ? `'${INPUT}' is the image, not a node id` : 'id used twice');
      for (const i of n.inputs) if (!defined.has(i)) fail(n.id, `input '${i}' is not a node defined before it (or '${INPUT}')`);
      const arity = ARITY[n.op];
      const ok = n.op === 'add' ? n.inputs.length === 2 : n.op === 'concat' ? n.inputs.length >= 2 : n.inputs.length === 1;
      if (!ok) fail(n.id, `'${n.op}' takes ${arity ?? 'exactly 1'} input${arity ? 's' : ''}, got ${n.inputs.length}`);
      defined.add(n.id);
    }
    if (!defined.has(spec.output) || spec.output === INPUT) throw new ValidationError(`graph spec: field 'output': '${spec.output}' is not a node`);
    const read = readers(spec);
    const unused = spec.nodes.find((n) => n.id !== spec.output && !read.has(n.id));
    if (unused) fail(unused.id, 'its output is never used (remove it, or make it the output)');
  },

  // [h, w, c] -> [classes]
  forward(ops, x, spec) {
    const values = evaluate(ops, x, spec);
    const out = values.get(spec.output)!;
    const shape = ops.shape(out);
    if (shape.length !== 1 || shape[0] !== spec.classes) {
      throw new ValidationError(`graph spec: field 'output': node '${spec.output}' gives [${shape.join(', ')}], not the [${spec.classes}] logits`);
    }
    return out;
  },
};

/** Every node's per-example output shape ([h, w, c] or [features]), by node id: what an importer needs to lay out weights. */
export function nodeShapes(spec: GraphSpec): Map<string, readonly number[]> {
  const { ops } = createShapeOps();
  const values = evaluate(ops, { shape: [...spec.input] }, spec);
  return new Map([...values].map(([k, v]) => [k, v.shape]));
}

/** Runs the nodes in order on `ops`: every node's value by id ('input' included). */
function evaluate<T>(ops: Ops<T>, x: T, spec: GraphSpec): Map<string, T> {
  const values = new Map<string, T>([[INPUT, x]]);
  const prunable = prunableNodes(spec);
  spec.nodes.forEach((n, index) => {
    const args = n.inputs.map((i) => values.get(i)!);
    const a = args[0];
    let y: T;
    switch (n.op) {
      case 'conv': {
        const p = prunable.get(index);
        y = ops.conv2d(n.id, a!, { filters: n.filters, kernel: n.kernel, stride: n.stride, pad: n.pad, bias: n.bias, ...(p ? { prunable: p } : {}) });
        break;
      }
      case 'depthwise':
        y = ops.depthwiseConv2d(n.id, a!, { kernel: n.kernel, stride: n.stride, pad: n.pad, bias: n.bias });
        break;
      case 'dense': {
        const p = prunable.get(index);
        y = ops.dense(n.id, a!, n.units, { bias: n.bias ?? true, ...(p ? { prunable: p } : {}) });
        break;
      }
      case 'max_pool':
        y = ops.maxPool(a!, { size: n.size, stride: n.stride, pad: n.pad });
        break;
      case 'avg_pool':
        y = ops.avgPool(a!, { size: n.size, stride: n.stride, pad: n.pad });
        break;
      case 'bn':
        y = ops.batchNorm(n.id, a!);
        break;
      case 'relu':
        y = ops.relu(a!);
        break;
      case 'relu6':
        y = ops.relu6(a!);
        break;
      case 'sigmoid':
        y = ops.sigmoid(a!);
        break;
      case 'silu':
        y = ops.silu(a!);
        break;
      case 'global_avg_pool':
        y = ops.globalAvgPool(a!);
        break;
      case 'flatten':
        y = ops.flatten(a!);
        break;
      case 'identity':
        y = a!;
        break;
      case 'dropout':
        y = ops.dropout(a!, n.rate);
        break;
      case 'add':
        y = ops.add(args[0]!, args[1]!);
        break;
      case 'concat':
        y = ops.concat(args);
        break;
    }
    values.set(n.id, y);
  });
  return values;
}
