// The vocabulary a model family's forward pass is written in. A family writes its forward once,
// generically over the tensor type T; interpreters give it meaning:
//   - `shape-ops.ts` (T = a shape): infers shapes, collects parameter specs, counts params/MACs/FLOPs;
//   - `tf-ops.ts`    (T = tf.Tensor): runs it on a tfjs backend for training and inference.
// Layout is NHWC throughout. Parameter names are `${layerName}.${param}` (see ParamSpec).

export interface ConvArgs {
  filters: number;
  /** Square kernel size. */
  kernel: number;
  stride?: number;
  /** Symmetric zero padding in pixels; default floor(kernel / 2) ("same" for odd kernels at stride 1). */
  pad?: number;
  /** Default false: the reference CNNs have BN after every conv and no conv bias. */
  bias?: boolean;
  /** Its output channels may be pruned on their own: where the spec keeps this layer's width (see PrunableOutput). */
  prunable?: PrunableOutput;
}

/** A depthwise convolution: one k×k filter per channel (groups = channels, multiplier 1), channels in = out. */
export interface DepthwiseArgs {
  kernel: number;
  stride?: number;
  /** Symmetric zero padding in pixels; default floor(kernel / 2). */
  pad?: number;
  bias?: boolean;
}

/**
 * A conv or dense layer whose output channels a structured method may remove: their number is the spec
 * field `slot` (cfg[i], fc[i], a graph node's filters), and nothing but the layers that read them depends on them (no residual
 * sum, no concatenation). The pruning units are derived from these marks by tracing the forward
 * (engine/pruning/units.ts): a family states them where it builds the layer, and nowhere else.
 */
/** Where a spec keeps one layer's width: spec[field][index], or spec[field][index][key] (a graph's node). */
export interface WidthSlot {
  field: string;
  index: number;
  key?: string;
}

export interface PrunableOutput {
  slot: WidthSlot;
  /** 'classifier' for head dense layers, which the predefined structured methods leave alone. Default 'feature'. */
  role?: 'feature' | 'classifier';
  /** 0-based stage, for per-stage ratios (ResNets). */
  stage?: number;
  /** The reference's layer number in its skip lists (RNP res56prune.py etc.). */
  refId?: number;
  /**
   * false: no BN follows this layer (a conv with its bias, as in a BN-folded import). Methods that score by
   * the BN's γ skip it; the others prune it by its weights. Default true: a BN must take its output.
   */
  bn?: boolean;
  /**
   * Layers marked with the same group write channels a residual sum joins (DepGraph's coupled channels):
   * channel c of each is one channel of the sum, so they form one unit whose channels go together, from
   * every member (its first-marked layer names it). Their widths must be equal; each member keeps its own
   * slot and BN.
   */
  group?: string;
}

/**
 * A channel-selection point (the reference's `channel_selection` layer, PreResNet and DenseNet): the
 * consumer after it reads `indices` of the tensor's channels — all of them where `indices` is null (an
 * unpruned spec) — which the spec keeps as select[index], their number as cfg[cfgIndex].
 */
export interface SelectionPoint {
  index: number;
  cfgIndex: number;
  indices: readonly number[] | null;
}

export interface PoolArgs {
  size: number;
  stride?: number;
  pad?: number;
  /**
   * True when the reference applies this op functionally (inside forward, not as a module), so its
   * FLOP counter does not see it (RNP compute_flops.py; anchors-mission §1.7). Affects FLOPs only.
   */
  functional?: boolean;
}

export interface Ops<T> {
  /** Per-example shape: [h, w, c] for feature maps, [features] after flatten. */
  shape(x: T): readonly number[];
  /** 2-D convolution; weight [k, k, in, out], optional bias [out]. */
  conv2d(name: string, x: T, args: ConvArgs): T;
  /**
   * Depthwise 2-D convolution; weight [k, k, channels, 1], optional bias [channels]. Its channels are its
   * input's: pruning the layer before it prunes this one alike.
   */
  depthwiseConv2d(name: string, x: T, args: DepthwiseArgs): T;
  /** BatchNorm over the last axis (BN2d on [h,w,c], BN1d on [f]); gamma, beta, running mean/var. */
  batchNorm(name: string, x: T): T;
  relu(x: T): T;
  /** min(max(x, 0), 6) (MobileNetV2; ONNX Clip(0, 6)). */
  relu6(x: T): T;
  /** 1 / (1 + e^−x). */
  sigmoid(x: T): T;
  /** x · sigmoid(x) (SiLU, swish; EfficientNet, ONNX Sigmoid + Mul). */
  silu(x: T): T;
  /** Zeroes each value with probability `rate` while training (the rest scaled by 1/(1 − rate)); the identity in eval mode. */
  dropout(x: T, rate: number): T;
  maxPool(x: T, args: PoolArgs): T;
  /**
   * maxPool(relu(x)), the conv–BN–ReLU–pool pattern. Equal to relu(maxPool(x)), gradients included
   * (ReLU is monotone: a window's first maximum is the same element either way, and where it is ≤ 0
   * both gradients are 0), so an interpreter may pool first and apply ReLU to the 4× smaller map.
   */
  reluMaxPool(x: T, args: PoolArgs): T;
  avgPool(x: T, args: PoolArgs): T;
  /** Average over the whole spatial extent: [h, w, c] -> [c]. */
  globalAvgPool(x: T, args?: { functional?: boolean }): T;
  flatten(x: T): T;
  /** Fully connected; weight [in, out], bias [out]. */
  dense(name: string, x: T, units: number, opts?: { bias?: boolean; prunable?: PrunableOutput }): T;
  add(a: T, b: T): T;
  /** Concatenate on the channel axis. */
  concat(xs: readonly T[]): T;
  /** Keep the given channels (ascending indices) — the reference's `channel_selection` layer. */
  selectChannels(x: T, indices: readonly number[]): T;
  /** A selection point: selectChannels(x, at.indices), or x itself where at.indices is null. */
  selection(x: T, at: SelectionPoint): T;
  /**
   * Option-A shortcut of CIFAR ResNets, as RNP's downsample_basic_block: a stride×stride average pool
   * (when stride > 1), then zero channels appended after the real ones up to `channels`.
   * Parameter-free; applied functionally in the reference, so not counted in FLOPs. (The reference
   * also blocks the gradient through it, an artefact of PyTorch 0.3's Variable(x.data); we do not.)
   */
  padShortcut(x: T, channels: number, stride: number): T;
  /**
   * x times one learned scalar, parameter `${name}.scale` [1], initialised to 1: the scaling factor λ of a
   * residual block's branch (Sparse Structure Selection). Elementwise, so not counted in FLOPs.
   */
  scale(name: string, x: T): T;
}

/** How a family initialises its parameters (as in the reference code). */
export interface InitScheme {
  /**
   * Conv weights ~ N(0, 2/fan): 'fan_out' uses k·k·out (every RNP CIFAR model and torchvision's
   * ResNet), 'fan_in' uses k·k·in (PyTorch's kaiming_normal default, for families that ask for it).
   */
  conv: 'fan_out' | 'fan_in';
  /**
   * Initial scale γ of the BN layers on feature maps (BatchNorm2d): 0.5 in RNP's VGG/PreResNet/DenseNet
   * (their `_initialize_weights` fills only BatchNorm2d), 1 elsewhere. BN on feature vectors (BatchNorm1d,
   * the VGG head) always starts at γ = 1, PyTorch's default, which every reference model keeps. β starts at 0.
   */
  bnGamma: number;
  /** Dense weights: N(0, 0.01²) with zero bias (RNP VGG), or PyTorch's default U(±1/√fan_in). */
  dense: 'normal_0.01' | 'torch_default';
}

export type ParamRole = 'weight' | 'bias' | 'gamma' | 'beta' | 'running_mean' | 'running_var' | 'scale';

/** One tensor a model owns. `trainable` is false for BN running statistics. */
export interface ParamSpec {
  name: string;
  shape: number[];
  role: ParamRole;
  /** The layer that owns it and that layer's kind. */
  layer: string;
  /** 'depthwise': a depthwise conv's weight [k, k, c, 1] (no output filters of its own to prune). */
  layerKind: 'conv' | 'depthwise' | 'dense' | 'bn' | 'scale';
  /** BN only: over feature maps [h, w, c] (BatchNorm2d) or feature vectors [f] (BatchNorm1d). */
  bnOver?: 'maps' | 'features';
  trainable: boolean;
  /**
   * Fan used by the initialiser (k·k·out or k·k·in for convs, in for dense; for a depthwise weight
   * PyTorch's own: fan_out k·k·c, fan_in k·k).
   */
  fan: number;
}
