// An ONNX model (what PyTorch, Keras and most frameworks export) as a graph ArchSpec and its weights.
// Supported: Conv (group 1, or depthwise with multiplier 1; square kernel, symmetric pads, dilation 1),
// BatchNormalization, Relu, Clip(0, 6) / Clip(0, ∞), Sigmoid, Mul of x and Sigmoid(x) (SiLU), MaxPool, AveragePool, GlobalAveragePool,
// ReduceMean over H and W, Add, Concat on channels, Flatten / Reshape to [N, −1], Gemm, MatMul (+ Add of
// its bias), Dropout, Identity, Constant, Cast of a constant. Weights go from ONNX's NCHW / OIHW layout to the workbench's
// NHWC / HWIO (a depthwise weight to [k, k, c, 1], a Gemm weight to [in, out], and a dense layer after a
// Flatten of a spatial map has its rows reordered from (c, h, w) to (h, w, c)).
// A BN's epsilon other than the workbench's 1e-5 is folded into its running variance (exact in eval
// mode). PyTorch's default eval-mode export folds BN into the convs (a conv with bias, no BN): it imports,
// but only methods that need no BN after a conv can prune it then — export with
// `training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False` to keep the BNs.
// Anything else is refused in one line naming the node, its op and what is supported.
import onnxProto from 'onnx-proto';
import { ValidationError } from '../../../src-shared/errors.ts';
import type { GraphNode } from '../models/graph.ts';
import { GraphBuilder, INPUT, type ImportedModel } from './graph-builder.ts';
import { constantOf, type Constant } from './onnx-tensors.ts';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;

export const SUPPORTED_ONNX_OPS = [
  'Conv', 'BatchNormalization', 'Relu', 'Clip', 'Sigmoid', 'Mul (x · Sigmoid(x))', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'ReduceMean', 'Add',
  'Concat', 'Flatten', 'Reshape', 'Gemm', 'MatMul', 'Dropout', 'Identity', 'Constant', 'Cast (of a constant)',
] as const;

export type { ImportedModel } from './graph-builder.ts';

export function importOnnx(bytes: Uint8Array, file: string): ImportedModel {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ValidationError(`${file}: not an ONNX model (${(e as Error).message})`);
  }
  const g = model.graph;
  if (!g || !g.node || g.node.length === 0) throw new ValidationError(`${file}: the ONNX model has no graph`);
  return new OnnxConverter(file).convert(g);
}

class OnnxConverter {
  private readonly consts = new Map<string, Constant>();
  /** ONNX value name → the graph node (or 'input') that computes it. */
  private readonly valueOf = new Map<string, string>();
  /** How many node inputs read each ONNX value. */
  private readonly reads = new Map<string, number>();
  /** ONNX Sigmoid outputs → the graph node made of it and the value it reads. */
  private readonly sigmoids = new Map<string, { node: GraphNode; input: string }>();
  private readonly graph = new GraphBuilder();
  private readonly nodes = this.graph.nodes;
  private readonly weights = this.graph.weights;
  private input: [number, number, number] = [1, 1, 1];
  private current: NodeProto | null = null;
  private readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  convert(g: onnxProto.onnx.IGraphProto): ImportedModel {
    for (const t of g.initializer ?? []) this.consts.set(t.name!, constantOf(t, this.file));
    this.readInput(g);
    for (const n of g.node ?? []) for (const i of n.input ?? []) this.reads.set(i, (this.reads.get(i) ?? 0) + 1);
    for (const n of g.node ?? []) {
      this.current = n;
      this.node(n);
    }
    this.current = null;
    const outputs = (g.output ?? []).map((o) => o.name!);
    if (outputs.length !== 1) throw new ValidationError(`${this.file}: the graph has ${outputs.length} outputs; one (the logits) is supported`);
    const output = this.valueOf.get(outputs[0]!);
    if (!output || output === INPUT) throw new ValidationError(`${this.file}: the graph output '${outputs[0]}' is not computed by a supported node`);
    // The file's name ('ResNet-18.onnx' → 'resnet_18') names the model in tables.
    const name = (this.file.split(/[\\/]/).at(-1) ?? '').replace(/\.onnx$/i, '');
    return this.graph.finish(this.file, name, this.input, output, (shapes) => this.reorderFlattenedRows(shapes));
  }

  private readInput(g: onnxProto.onnx.IGraphProto): void {
    const inputs = (g.input ?? []).filter((i) => !this.consts.has(i.name!));
    if (inputs.length !== 1) throw new ValidationError(`${this.file}: the graph has ${inputs.length} inputs besides its weights; one image input is supported`);
    const i = inputs[0]!;
    const dims = i.type?.tensorType?.shape?.dim ?? [];
    if (dims.length !== 4) throw new ValidationError(`${this.file}: input '${i.name}' has rank ${dims.length}; an NCHW image [N, C, H, W] is supported`);
    const fixed = dims.slice(1).map((d, k) => {
      const v = d.dimValue != null ? Number(d.dimValue) : NaN;
      if (!(v > 0)) throw new ValidationError(`${this.file}: input '${i.name}' has a dynamic ${['channel count', 'height', 'width'][k]} ('${d.dimParam ?? '?'}'); export with a fixed input size`);
      return v;
    }) as [number, number, number];
    this.input = [fixed[1], fixed[2], fixed[0]];
    this.valueOf.set(i.name!, INPUT);
  }

  // --- one ONNX node -------------------------------------------------------------------------------

  private node(n: NodeProto): void {
    const op = n.opType ?? '';
    switch (op) {
      case 'Conv': return this.conv(n);
      case 'BatchNormalization': return this.batchNorm(n);
      case 'Relu': return this.emit(n, { op: 'relu' });
      case 'Sigmoid':
        this.emit(n, { op: 'sigmoid' });
        this.sigmoids.set(n.output![0]!, { node: this.nodes.at(-1)!, input: n.input![0]! });
        return;
      case 'Mul': return this.silu(n);
      case 'Clip': return this.clip(n);
      case 'MaxPool': return this.pool(n, 'max_pool');
      case 'AveragePool': return this.pool(n, 'avg_pool');
      case 'GlobalAveragePool': return this.emit(n, { op: 'global_avg_pool' });
      case 'ReduceMean': return this.reduceMean(n);
      case 'Add': return this.add(n);
      case 'Concat':
        if (this.int(n, 'axis', 0) !== 1) this.refuse(`concatenates on axis ${this.int(n, 'axis', 0)}; channels (axis 1) are supported`);
        return this.emit(n, { op: 'concat' }, n.input!.map((x) => this.value(x)));
      case 'Flatten':
        if (this.int(n, 'axis', 1) !== 1) this.refuse(`flattens from axis ${this.int(n, 'axis', 1)}; axis 1 is supported`);
        return this.emit(n, { op: 'flatten' });
      case 'Reshape': return this.reshape(n);
      case 'Gemm': return this.gemm(n);
      case 'MatMul': return this.matMul(n);
      case 'Dropout': return this.dropout(n);
      case 'Identity': return this.alias(n);
      case 'Cast':
        // PyTorch's ReLU6 casts its Clip bounds: a cast of a constant is that constant.
        if (!this.consts.has(n.input![0]!)) this.refuse('casts a computed tensor; a cast of a constant (Clip\'s bounds) is supported');
        return this.alias(n);
      case 'Constant': {
        const value = n.attribute?.find((a) => a.name === 'value')?.t;
        if (!value) this.refuse('has no tensor value');
        this.consts.set(n.output![0]!, constantOf(value!, this.file));
        return;
      }
      default:
        this.refuse(`is not supported; supported ops: ${SUPPORTED_ONNX_OPS.join(', ')}`);
    }
  }

  private conv(n: NodeProto): void {
    const w = this.constant(n.input![1]!, 'weight');
    const [out, perGroup, kh, kw] = w.dims as [number, number, number, number];
    const group = this.int(n, 'group', 1);
    this.spatialChecks(n, kh, kw);
    const bias = n.input![2] ? this.constant(n.input![2]!, 'bias') : null;
    const id = this.id(this.layerName(n.input![1]!, n));
    const { stride, pad } = this.strideAndPad(n);
    const values = w.values as Float32Array;
    if (group === 1) {
      this.emit(n, { op: 'conv', id, filters: out, kernel: kh, ...(stride !== 1 ? { stride } : {}), pad, ...(bias ? { bias: true } : {}) });
      this.weights.set(`${id}.weight`, transpose(values, [out, perGroup, kh, kw], [2, 3, 1, 0]));
    } else if (perGroup === 1 && group === out) {
      this.emit(n, { op: 'depthwise', id, kernel: kh, ...(stride !== 1 ? { stride } : {}), pad, ...(bias ? { bias: true } : {}) });
      this.weights.set(`${id}.weight`, transpose(values, [out, 1, kh, kw], [2, 3, 0, 1]));
    } else {
      this.refuse(`is a grouped convolution (group ${group}, ${perGroup} input channels per group); group 1 and depthwise (one channel per group, multiplier 1) are supported`);
    }
    if (bias) this.weights.set(`${id}.bias`, Float32Array.from(bias.values));
  }

  private batchNorm(n: NodeProto): void {
    const [, scale, offset, mean, variance] = n.input!.map((x, i) => (i === 0 ? null : this.constant(x, ['', 'scale', 'B', 'mean', 'var'][i]!)));
    const id = this.id(this.layerName(n.input![1]!, n));
    const epsilon = this.float(n, 'epsilon', 1e-5);
    const problem = this.graph.batchNorm(id, { gamma: scale!.values, beta: offset!.values, mean: mean!.values, variance: variance!.values, epsilon });
    if (problem) this.refuse(problem);
    this.emit(n, { op: 'bn', id });
  }

  /** x · Sigmoid(x), as PyTorch exports SiLU: the Sigmoid's node becomes the SiLU (when nothing else reads it). */
  private silu(n: NodeProto): void {
    const [a, b] = n.input as [string, string];
    const [x, s] = this.sigmoids.get(b)?.input === a ? [a, b] : this.sigmoids.get(a)?.input === b ? [b, a] : [null, null];
    if (x === null || s === null || this.reads.get(s) !== 1) {
      this.refuse('multiplies two tensors; x · Sigmoid(x) (SiLU, swish) is the product supported');
    }
    const sigmoid = this.sigmoids.get(s!)!.node as { op: GraphNode['op'] };
    sigmoid.op = 'silu';
    this.valueOf.set(n.output![0]!, this.valueOf.get(s!)!);
  }

  /** Its ratio: the constant second input (opset ≥ 12) or the attribute (older), default 0.5; 0 is the identity. */
  private dropout(n: NodeProto): void {
    const ratioInput = n.input![1];
    const rate = ratioInput ? Number(this.constant(ratioInput, 'ratio').values[0]) : this.float(n, 'ratio', 0.5);
    if (!(rate >= 0 && rate < 1)) this.refuse(`drops with ratio ${rate}; a ratio in [0, 1) is supported`);
    if (rate === 0) return this.alias(n);
    this.emit(n, { op: 'dropout', rate });
  }

  private clip(n: NodeProto): void {
    const bound = (index: number, attr: string): number | null => {
      const name = n.input![index];
      if (name) return Number(this.constant(name, attr).values[0]);
      const a = n.attribute?.find((x) => x.name === attr);
      return a ? Number(a.f) : null;
    };
    const lo = bound(1, 'min');
    const hi = bound(2, 'max');
    if (lo === 0 && hi === 6) return this.emit(n, { op: 'relu6' });
    if (lo === 0 && (hi === null || hi === Infinity)) return this.emit(n, { op: 'relu' });
    this.refuse(`clips to [${lo ?? '-∞'}, ${hi ?? '∞'}]; [0, 6] (ReLU6) and [0, ∞) (ReLU) are supported`);
  }

  private pool(n: NodeProto, op: 'max_pool' | 'avg_pool'): void {
    const [kh, kw] = this.ints(n, 'kernel_shape') ?? [];
    if (kh === undefined || kh !== kw) this.refuse(`has kernel ${this.ints(n, 'kernel_shape') ?? '?'}; square kernels are supported`);
    this.spatialChecks(n, kh!, kw!);
    if (this.int(n, 'ceil_mode', 0) !== 0) this.refuse('rounds its output size up (ceil_mode 1); ceil_mode 0 is supported');
    const { stride, pad } = this.strideAndPad(n);
    if (op === 'avg_pool' && pad > 0 && this.int(n, 'count_include_pad', 0) !== 1) {
      this.refuse('averages padded windows without counting the padding; count_include_pad 1 (PyTorch\'s default) is supported');
    }
    this.emit(n, { op, size: kh!, ...(stride !== kh ? { stride } : {}), ...(pad ? { pad } : {}) });
  }

  private reduceMean(n: NodeProto): void {
    const axes = this.ints(n, 'axes') ?? (n.input![1] ? (this.constant(n.input![1]!, 'axes').values as number[]) : null);
    if (!axes || [...axes].sort().join() !== '2,3') this.refuse(`averages over axes ${axes ?? 'all'}; the spatial axes (2, 3) are supported`);
    this.emit(n, { op: 'global_avg_pool' });
  }

  private add(n: NodeProto): void {
    const [a, b] = n.input! as [string, string];
    const constant = this.consts.has(a) ? a : this.consts.has(b) ? b : null;
    if (!constant) return this.emit(n, { op: 'add' }, [this.value(a), this.value(b)]);
    // x·W + b after a MatMul: the dense layer's bias.
    const dense = this.nodes.find((x) => x.id === this.value(constant === a ? b : a));
    if (!dense || dense.op !== 'dense' || dense.bias !== false) this.refuse('adds a constant to something other than a MatMul\'s output; a bias after MatMul is supported');
    const values = this.consts.get(constant)!.values;
    if (values.length !== (dense as { units: number }).units) this.refuse(`adds ${values.length} values to a ${(dense as { units: number }).units}-unit MatMul`);
    delete (dense as { bias?: boolean }).bias;
    this.weights.set(`${dense!.id}.bias`, Float32Array.from(values));
    this.valueOf.set(n.output![0]!, dense!.id);
  }

  private reshape(n: NodeProto): void {
    const shape = this.consts.has(n.input![1]!) ? (this.constant(n.input![1]!, 'shape').values as number[]) : null;
    if (!shape || shape.length !== 2 || shape[1] !== -1 || ![0, 1, -1].includes(shape[0]!)) {
      this.refuse(`reshapes to ${shape ? `[${shape}]` : 'a shape computed at run time'}; a constant [N, -1] (a flatten; torch.flatten(x, 1) exports one) is supported`);
    }
    this.emit(n, { op: 'flatten' });
  }

  private gemm(n: NodeProto): void {
    if (this.float(n, 'alpha', 1) !== 1 || this.float(n, 'beta', 1) !== 1 || this.int(n, 'transA', 0) !== 0) {
      this.refuse('scales or transposes its input (alpha, beta ≠ 1 or transA); x·Wᵀ + b and x·W + b are supported');
    }
    const w = this.constant(n.input![1]!, 'weight');
    const transB = this.int(n, 'transB', 0) === 1;
    const [rows, cols] = w.dims as [number, number];
    const units = transB ? rows : cols;
    const bias = n.input![2] ? this.constant(n.input![2]!, 'bias') : null;
    const id = this.id(this.layerName(n.input![1]!, n));
    this.emit(n, { op: 'dense', id, units, ...(bias ? {} : { bias: false }) });
    this.weights.set(`${id}.weight`, transB ? transpose(w.values as Float32Array, [rows, cols], [1, 0]) : Float32Array.from(w.values));
    if (bias) this.weights.set(`${id}.bias`, Float32Array.from(bias.values));
  }

  private matMul(n: NodeProto): void {
    const w = this.constant(n.input![1]!, 'weight');
    if (w.dims.length !== 2) this.refuse(`multiplies by a [${w.dims}] tensor; a [in, out] weight is supported`);
    const id = this.id(this.layerName(n.input![1]!, n));
    this.emit(n, { op: 'dense', id, units: w.dims[1]!, bias: false });
    this.weights.set(`${id}.weight`, Float32Array.from(w.values));
  }

  private alias(n: NodeProto): void {
    const x = n.input![0]!;
    if (this.consts.has(x)) this.consts.set(n.output![0]!, this.consts.get(x)!);
    else this.valueOf.set(n.output![0]!, this.value(x));
  }

  // --- helpers -------------------------------------------------------------------------------------

  /** Adds a graph node reading `inputs` (default: the node's first input) and maps the node's first output to it. */
  private emit(n: NodeProto, fields: Record<string, unknown> & { op: GraphNode['op'] }, inputs?: string[]): void {
    const id = (fields as { id?: string }).id ?? this.id(n.output![0]!);
    const node = { ...fields, id, inputs: inputs ?? [this.value(n.input![0]!)] } as GraphNode;
    this.nodes.push(node);
    this.valueOf.set(n.output![0]!, id);
  }

  private value(name: string): string {
    const v = this.valueOf.get(name);
    if (v === undefined) {
      this.refuse(this.consts.has(name) ? `reads the constant '${name}' where a computed tensor is supported` : `reads '${name}', which no supported node computes`);
    }
    return v!;
  }

  private constant(name: string, what: string): Constant {
    const c = this.consts.get(name);
    if (!c) this.refuse(`takes its ${what} '${name}' from a computed tensor; a constant (initializer) is supported`);
    return c!;
  }

  /**
   * A layer's name: its weight's, PyTorch's module path ('layer1.0.conv1.weight' → 'layer1.0.conv1'), else
   * its node's ('/layer1/0/conv1/Conv' → 'layer1.0.conv1', where a folding export renamed the weights).
   */
  private layerName(weight: string, n: NodeProto): string {
    if (/\.(weight|scale)$/.test(weight)) return weight.replace(/\.(weight|scale)$/, '');
    const parts = (n.name ?? '').split('/').filter(Boolean);
    if (parts.length > 1 && parts.at(-1)!.startsWith(n.opType!)) parts.pop();
    return parts.join('.') || weight || n.opType!;
  }

  private id(name: string): string {
    return this.graph.id(name);
  }

  private attribute(n: NodeProto, name: string) {
    return n.attribute?.find((a) => a.name === name);
  }
  private int(n: NodeProto, name: string, fallback: number): number {
    const a = this.attribute(n, name);
    return a ? Number(a.i) : fallback;
  }
  private float(n: NodeProto, name: string, fallback: number): number {
    const a = this.attribute(n, name);
    return a ? Number(a.f) : fallback;
  }
  private ints(n: NodeProto, name: string): number[] | null {
    const a = this.attribute(n, name);
    return a ? (a.ints ?? []).map((v) => Number(v)) : null;
  }

  private spatialChecks(n: NodeProto, kh: number, kw: number): void {
    if (kh !== kw) this.refuse(`has a ${kh}×${kw} kernel; square kernels are supported`);
    const dilations = this.ints(n, 'dilations');
    if (dilations && dilations.some((d) => d !== 1)) this.refuse(`is dilated (${dilations}); dilation 1 is supported`);
    const autoPad = this.attribute(n, 'auto_pad')?.s;
    const mode = autoPad ? new TextDecoder().decode(autoPad) : 'NOTSET';
    if (mode !== 'NOTSET') this.refuse(`pads by auto_pad ${mode}; explicit pads are supported`);
  }

  private strideAndPad(n: NodeProto): { stride: number; pad: number } {
    const strides = this.ints(n, 'strides') ?? [1, 1];
    const pads = this.ints(n, 'pads') ?? [0, 0, 0, 0];
    if (strides[0] !== strides[1]) this.refuse(`has strides ${strides}; equal strides are supported`);
    if (pads.some((p) => p !== pads[0])) this.refuse(`pads asymmetrically (${pads}); the same padding on every side is supported`);
    return { stride: strides[0]!, pad: pads[0]! };
  }

  private refuse(what: string): never {
    const n = this.current;
    throw new ValidationError(`${this.file}: ONNX node '${n?.name || n?.output?.[0] || '?'}' (op ${n?.opType ?? '?'}) ${what}`);
  }

  /** Dense layers fed by a flatten of a spatial map: ONNX orders its rows (c, h, w), the workbench (h, w, c). */
  private reorderFlattenedRows(shapes: Map<string, readonly number[]>): void {
    for (const d of this.nodes) {
      if (d.op !== 'dense') continue;
      const flat = this.nodes.find((x) => x.id === d.inputs[0]);
      if (!flat || flat.op !== 'flatten') continue;
      const map = shapes.get(flat.inputs[0]!)!;
      if (map.length !== 3 || map[0]! * map[1]! === 1) continue;
      const [h, w, c] = map as [number, number, number];
      const weight = this.weights.get(`${d.id}.weight`)!;
      const units = weight.length / (h * w * c);
      const out = new Float32Array(weight.length);
      for (let ci = 0; ci < c; ci++) {
        for (let p = 0; p < h * w; p++) {
          const from = (ci * h * w + p) * units;
          out.set(weight.subarray(from, from + units), (p * c + ci) * units);
        }
      }
      this.weights.set(`${d.id}.weight`, out);
    }
  }
}

/** `values` of shape `dims`, axes permuted (out axis i is in axis perm[i]). */
function transpose(values: Float32Array, dims: readonly number[], perm: readonly number[]): Float32Array {
  const outDims = perm.map((p) => dims[p]!);
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(values.length);
  const index = new Array<number>(outDims.length).fill(0);
  for (let k = 0; k < out.length; k++) {
    let src = 0;
    for (let i = 0; i < perm.length; i++) src += index[i]! * strides[perm[i]!]!;
    out[k] = values[src]!;
    for (let i = outDims.length - 1; i >= 0; i--) {
      if (++index[i]! < outDims[i]!) break;
      index[i] = 0;
    }
  }
  return out;
}

