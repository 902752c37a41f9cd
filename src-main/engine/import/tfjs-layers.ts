// A TF.js Layers model (model.json + weight shards: what tfjs `model.save` writes, and what Keras models
// become through the tensorflowjs converter) as a graph ArchSpec and its weights. Keras is channels-last
// like the workbench, so kernels keep their layout ([k, k, in, out]; a depthwise kernel [k, k, c, 1];
// Dense [in, out]) and a Flatten needs no reordering.
// Supported layers: InputLayer, Conv2D, DepthwiseConv2D (multiplier 1), BatchNormalization (last axis),
// Activation / ReLU (relu, relu6, sigmoid, swish, linear), MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten,
// Dense, Add, Concatenate (last axis), Dropout; activations relu / relu6 / sigmoid / swish / linear inside Conv2D, DepthwiseConv2D
// and Dense, and a softmax on the output layer, which is dropped (the workbench's logits come before it).
// 'same' padding is taken where it pads symmetrically (stride 1, odd kernel); TensorFlow pads 0 before and 1
// after at stride 2, which a symmetric pad cannot say: such a layer is refused. Anything else is refused in
// one line naming the layer, its class and what is supported.
import { ValidationError } from '../../../src-shared/errors.ts';
import type { GraphNode } from '../models/graph.ts';
import { GraphBuilder, INPUT, type ImportedModel } from './graph-builder.ts';

export const SUPPORTED_LAYERS = [
  'InputLayer', 'Conv2D', 'DepthwiseConv2D', 'BatchNormalization', 'Activation', 'ReLU', 'MaxPooling2D', 'AveragePooling2D',
  'GlobalAveragePooling2D', 'Flatten', 'Dense', 'Add', 'Concatenate', 'Dropout',
] as const;

interface LayerJson {
  class_name: string;
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype?: string;
  quantization?: unknown;
}

/** `modelJson`: the parsed model.json; `readShard(path)`: the bytes of one weights file it names. */
export function importTfjsLayers(modelJson: unknown, readShard: (path: string) => Uint8Array, file: string): ImportedModel {
  const json = modelJson as { modelTopology?: { class_name?: string; config?: unknown; model_config?: unknown }; weightsManifest?: Array<{ paths: string[]; weights: WeightSpec[] }>; format?: string };
  const topology = (json.modelTopology?.model_config ?? json.modelTopology) as { class_name?: string; config?: unknown } | undefined;
  if (!topology?.class_name || !json.weightsManifest) {
    throw new ValidationError(`${file}: not a TF.js Layers model (no modelTopology and weightsManifest; a graph model from tf.saved_model is not supported)`);
  }
  return new LayersConverter(file, readWeights(json.weightsManifest, readShard, file)).convert(topology);
}

/** Every weight of the manifest by name, float32, from its shards laid end to end. */
function readWeights(manifest: Array<{ paths: string[]; weights: WeightSpec[] }>, readShard: (path: string) => Uint8Array, file: string): Map<string, { shape: number[]; values: Float32Array }> {
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const group of manifest) {
    const shards = group.paths.map((p) => readShard(p));
    const bytes = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
    let offset = 0;
    for (const s of shards) {
      bytes.set(s, offset);
      offset += s.byteLength;
    }
    const view = new DataView(bytes.buffer);
    let at = 0;
    for (const w of group.weights) {
      if ((w.dtype ?? 'float32') !== 'float32' || w.quantization) {
        throw new ValidationError(`${file}: weight '${w.name}' is ${w.quantization ? 'quantized' : w.dtype}; float32 weights are supported (save without quantization)`);
      }
      const count = w.shape.reduce((a, b) => a * b, 1);
      if (at + 4 * count > bytes.byteLength) throw new ValidationError(`${file}: the weight files end inside '${w.name}' (${bytes.byteLength} bytes)`);
      out.set(w.name, { shape: w.shape, values: Float32Array.from({ length: count }, (_, i) => view.getFloat32(at + 4 * i, true)) });
      at += 4 * count;
    }
  }
  return out;
}

class LayersConverter {
  private readonly graph = new GraphBuilder();
  /** Keras layer name → the graph node (or 'input') giving its output. */
  private readonly valueOf = new Map<string, string>();
  private input: [number, number, number] | null = null;
  private current: LayerJson | null = null;
  private output = '';
  /** The functional model's output layer names (its softmax may be dropped). */
  private readonly functionalOutputs = new Set<string>();
  private readonly file: string;
  private readonly stored: Map<string, { shape: number[]; values: Float32Array }>;

  constructor(file: string, stored: Map<string, { shape: number[]; values: Float32Array }>) {
    this.file = file;
    this.stored = stored;
  }

  convert(topology: { class_name?: string; config?: unknown }): ImportedModel {
    const config = topology.config as { name?: string; layers?: LayerJson[]; output_layers?: unknown[][] } | LayerJson[];
    const layers = Array.isArray(config) ? config : config.layers ?? [];
    const sequential = topology.class_name === 'Sequential';
    if (!sequential && topology.class_name !== 'Model' && topology.class_name !== 'Functional') {
      throw new ValidationError(`${this.file}: a '${topology.class_name}' model; Sequential and functional models are supported`);
    }
    if (!Array.isArray(config)) for (const o of config.output_layers ?? []) this.functionalOutputs.add(o[0] as string);
    let previous: string | null = null;
    layers.forEach((layer, index) => {
      this.current = layer;
      const name = layer.name ?? (layer.config.name as string);
      const inputs = sequential ? (previous === null ? [] : [this.value(previous)]) : inboundOf(layer).map((n) => this.value(n));
      if (sequential && index === 0 && layer.class_name !== 'InputLayer') this.readInputShape(layer.config.batch_input_shape);
      const last = sequential ? index === layers.length - 1 : false;
      this.layer(layer, name, inputs.length > 0 ? inputs : [INPUT], last);
      previous = name;
    });
    this.current = null;
    const outName = sequential ? previous : (((config as { output_layers?: unknown[][] }).output_layers ?? [])[0]?.[0] as string | undefined);
    if (!sequential && ((config as { output_layers?: unknown[][] }).output_layers ?? []).length !== 1) {
      throw new ValidationError(`${this.file}: the model has ${((config as { output_layers?: unknown[] }).output_layers ?? []).length} outputs; one (the logits) is supported`);
    }
    if (!this.input) throw new ValidationError(`${this.file}: no input shape (an InputLayer or the first layer's batch_input_shape)`);
    this.output = this.valueOf.get(outName ?? '') ?? '';
    if (!this.output || this.output === INPUT) throw new ValidationError(`${this.file}: the output layer '${outName}' is not computed by a supported layer`);
    const name = Array.isArray(config) ? 'tfjs_model' : config.name ?? 'tfjs_model';
    return this.graph.finish(this.file, name, this.input, this.output);
  }

  private readInputShape(shape: unknown): void {
    const s = shape as Array<number | null> | undefined;
    if (!s || s.length !== 4 || s.slice(1).some((d) => !(typeof d === 'number' && d > 0))) {
      this.refuse(`has input shape ${JSON.stringify(s ?? null)}; a fixed [null, height, width, channels] is supported`);
    }
    this.input = [s![1]!, s![2]!, s![3]!];
  }

  // --- one Keras layer -----------------------------------------------------------------------------

  private layer(layer: LayerJson, name: string, inputs: string[], lastOfSequential: boolean): void {
    const c = layer.config;
    const one = (): string => {
      if (inputs.length !== 1) this.refuse(`takes ${inputs.length} inputs; one is supported`);
      return inputs[0]!;
    };
    const isOutput = lastOfSequential || this.functionalOutputs.has(name);
    switch (layer.class_name) {
      case 'InputLayer':
        this.readInputShape(c.batch_input_shape ?? c.batch_shape);
        this.valueOf.set(name, INPUT);
        return;
      case 'Conv2D': {
        const k = this.squareKernel(c.kernel_size);
        const { stride, pad } = this.strideAndPad(c, k);
        if (((c.dilation_rate as number[] | undefined) ?? [1, 1]).some((d) => d !== 1)) this.refuse('is dilated; dilation 1 is supported');
        if ((c.groups as number | undefined) !== undefined && c.groups !== 1) this.refuse(`has ${c.groups} groups; 1 is supported`);
        const id = this.graph.id(name);
        const kernel = this.weight(name, 'kernel');
        this.emit(name, { op: 'conv', id, filters: kernel.shape[3]!, kernel: k, ...(stride !== 1 ? { stride } : {}), pad, ...(c.use_bias ? { bias: true } : {}) }, [one()]);
        this.graph.weights.set(`${id}.weight`, kernel.values);
        if (c.use_bias) this.graph.weights.set(`${id}.bias`, this.weight(name, 'bias').values);
        return this.activation(name, c.activation, isOutput);
      }
      case 'DepthwiseConv2D': {
        const k = this.squareKernel(c.kernel_size);
        const { stride, pad } = this.strideAndPad(c, k);
        if ((c.depth_multiplier ?? 1) !== 1) this.refuse(`has depth_multiplier ${c.depth_multiplier}; 1 is supported`);
        const id = this.graph.id(name);
        this.emit(name, { op: 'depthwise', id, kernel: k, ...(stride !== 1 ? { stride } : {}), pad, ...(c.use_bias ? { bias: true } : {}) }, [one()]);
        this.graph.weights.set(`${id}.weight`, this.weight(name, 'depthwise_kernel').values);
        if (c.use_bias) this.graph.weights.set(`${id}.bias`, this.weight(name, 'bias').values);
        return this.activation(name, c.activation, isOutput);
      }
      case 'BatchNormalization': {
        const axis = c.axis as number | number[];
        if (!(axis === -1 || axis === 3 || (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 3)))) this.refuse(`normalises axis ${JSON.stringify(axis)}; the channel axis (-1) is supported`);
        const id = this.graph.id(name);
        const mean = this.weight(name, 'moving_mean').values;
        const ones = new Float32Array(mean.length).fill(1);
        const problem = this.graph.batchNorm(id, {
          gamma: c.scale === false ? ones : this.weight(name, 'gamma').values,
          beta: c.center === false ? new Float32Array(mean.length) : this.weight(name, 'beta').values,
          mean,
          variance: this.weight(name, 'moving_variance').values,
          epsilon: (c.epsilon as number | undefined) ?? 1e-3,
        });
        if (problem) this.refuse(problem);
        return this.emit(name, { op: 'bn', id }, [one()]);
      }
      case 'Activation':
        this.valueOf.set(name, one());
        return this.activation(name, c.activation, isOutput);
      case 'ReLU': {
        const max = c.max_value as number | null | undefined;
        if ((c.negative_slope ?? 0) !== 0 || (c.threshold ?? 0) !== 0 || (max != null && max !== 6)) {
          this.refuse(`is a ReLU with max_value ${max}, negative_slope ${c.negative_slope ?? 0}, threshold ${c.threshold ?? 0}; plain ReLU and ReLU6 are supported`);
        }
        return this.emit(name, { op: max === 6 ? 'relu6' : 'relu', id: this.graph.id(name) }, [one()]);
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const size = this.squareKernel(c.pool_size);
        if (c.padding !== 'valid') this.refuse(`pads '${c.padding}'; 'valid' is supported`);
        const strides = (c.strides as number[] | null) ?? [size, size];
        if (strides[0] !== strides[1]) this.refuse(`has strides ${strides}; equal strides are supported`);
        const op = layer.class_name === 'MaxPooling2D' ? 'max_pool' : 'avg_pool';
        return this.emit(name, { op, id: this.graph.id(name), size, ...(strides[0] !== size ? { stride: strides[0] } : {}) }, [one()]);
      }
      case 'GlobalAveragePooling2D':
        if (c.keepdims === true) this.refuse('keeps the spatial dimensions (keepdims); a [channels] vector is supported');
        return this.emit(name, { op: 'global_avg_pool', id: this.graph.id(name) }, [one()]);
      case 'Flatten':
        return this.emit(name, { op: 'flatten', id: this.graph.id(name) }, [one()]);
      case 'Dropout': {
        const rate = Number(c.rate ?? 0);
        if (!(rate >= 0 && rate < 1)) this.refuse(`drops with rate ${c.rate}; a rate in [0, 1) is supported`);
        if (c.noise_shape != null) this.refuse('has a noise_shape; dropout of single values is supported');
        if (rate === 0) {
          this.valueOf.set(name, one());
          return;
        }
        return this.emit(name, { op: 'dropout', id: this.graph.id(name), rate }, [one()]);
      }
      case 'Dense': {
        const id = this.graph.id(name);
        const kernel = this.weight(name, 'kernel');
        this.emit(name, { op: 'dense', id, units: kernel.shape[1]!, ...(c.use_bias === false ? { bias: false } : {}) }, [one()]);
        this.graph.weights.set(`${id}.weight`, kernel.values);
        if (c.use_bias !== false) this.graph.weights.set(`${id}.bias`, this.weight(name, 'bias').values);
        return this.activation(name, c.activation, isOutput);
      }
      case 'Add':
        if (inputs.length !== 2) this.refuse(`adds ${inputs.length} tensors; 2 are supported`);
        return this.emit(name, { op: 'add', id: this.graph.id(name) }, inputs);
      case 'Concatenate':
        if (c.axis !== -1 && c.axis !== 3) this.refuse(`concatenates on axis ${c.axis}; channels (-1) are supported`);
        return this.emit(name, { op: 'concat', id: this.graph.id(name) }, inputs);
      default:
        this.refuse(`is not supported; supported layers: ${SUPPORTED_LAYERS.join(', ')}`);
    }
  }

  /** A layer's own activation as a node after it: relu / relu6 / sigmoid / swish (SiLU) / linear; softmax only on the output (dropped). */
  private activation(name: string, activation: unknown, isOutput: boolean): void {
    const a = (activation as string | undefined) ?? 'linear';
    if (a === 'linear') return;
    if (a === 'softmax' && isOutput) {
      this.graph.notes.push(`layer '${name}': its softmax is dropped (the workbench's logits are what comes before it; predictions are unchanged)`);
      return;
    }
    const op = ({ relu: 'relu', relu6: 'relu6', sigmoid: 'sigmoid', swish: 'silu', silu: 'silu' } as const)[a as 'relu'];
    if (op === undefined) this.refuse(`has activation '${a}'; relu, relu6, sigmoid, swish / silu, linear (and softmax on the output) are supported`);
    const id = this.graph.id(`${name}_${a}`);
    this.graph.nodes.push({ op, id, inputs: [this.valueOf.get(name)!] });
    this.valueOf.set(name, id);
  }

  private emit(name: string, node: Record<string, unknown> & { op: GraphNode['op']; id: string }, inputs: string[]): void {
    this.graph.nodes.push({ ...node, inputs } as GraphNode);
    this.valueOf.set(name, node.id);
  }

  private value(name: string): string {
    const v = this.valueOf.get(name);
    if (v === undefined) this.refuse(`reads '${name}', which no supported layer before it computes`);
    return v!;
  }

  private weight(layer: string, kind: string): { shape: number[]; values: Float32Array } {
    const suffix = `${layer}/${kind}`;
    for (const [name, w] of this.stored) if (name === suffix || name.endsWith(`/${suffix}`)) return w;
    this.refuse(`has no '${kind}' in the weights manifest`);
    throw new Error('unreachable');
  }

  private squareKernel(size: unknown): number {
    const s = Array.isArray(size) ? (size as number[]) : [size as number, size as number];
    if (s[0] !== s[1]) this.refuse(`has a ${s[0]}×${s[1]} window; square windows are supported`);
    return s[0]!;
  }

  private strideAndPad(c: Record<string, unknown>, k: number): { stride: number; pad: number } {
    if ((c.data_format ?? 'channels_last') !== 'channels_last') this.refuse(`is ${c.data_format}; channels_last is supported`);
    const strides = (c.strides as number[] | undefined) ?? [1, 1];
    if (strides[0] !== strides[1]) this.refuse(`has strides ${strides}; equal strides are supported`);
    if (c.padding === 'valid') return { stride: strides[0]!, pad: 0 };
    if (c.padding === 'same' && strides[0] === 1 && k % 2 === 1) return { stride: 1, pad: (k - 1) / 2 };
    this.refuse(`pads 'same' at stride ${strides[0]} with a ${k}×${k} kernel, which TensorFlow does unevenly (0 before, 1 after); 'valid', or 'same' at stride 1 with an odd kernel, is supported (a ZeroPadding2D is not yet)`);
    throw new Error('unreachable');
  }

  private refuse(what: string): never {
    const l = this.current;
    throw new ValidationError(`${this.file}: layer '${l?.name ?? l?.config?.name ?? '?'}' (${l?.class_name ?? '?'}) ${what}`);
  }
}

/** The layer names a functional layer reads (its first call's inbound node). */
function inboundOf(layer: LayerJson): string[] {
  const nodes = layer.inbound_nodes ?? [];
  if (nodes.length === 0) return [];
  if (nodes.length > 1) throw new ValidationError(`layer '${layer.name}' (${layer.class_name}) is called ${nodes.length} times; shared layers are not supported`);
  const first = nodes[0];
  // Keras 2 / tfjs: [[name, nodeIndex, tensorIndex, kwargs], …]; Keras 3: {args: [...]} — not supported.
  if (!Array.isArray(first)) throw new ValidationError(`layer '${layer.name}' (${layer.class_name}): inbound nodes in a format other than Keras 2's`);
  return first.map((entry) => (entry as unknown[])[0] as string);
}
