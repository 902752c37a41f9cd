// Our tensorflow-backend kernels run one TensorFlow op each through tfjs-node's binding
// (NodeJSKernelBackend.executeSingleOutput / executeMultipleOutputs), as tfjs-node's own kernels do.
// tfjs-node is an optional dependency, so its backend is described here by the few members we use
// instead of importing its types.
import { tensor1d, type DataType, type KernelBackend, type Tensor, type TensorInfo, type backend_util } from '@tensorflow/tfjs-core';

export const TENSORFLOW = 'tensorflow';

interface Binding {
  TF_ATTR_STRING: number;
  TF_ATTR_INT: number;
  TF_ATTR_FLOAT: number;
  TF_ATTR_BOOL: number;
  TF_ATTR_TYPE: number;
  TF_FLOAT: number;
  TF_INT32: number;
}

export interface OpAttr {
  name: string;
  type: number;
  value: string | number | boolean | number[];
}

/** The part of tfjs-node's NodeJSKernelBackend our kernels call. */
export interface NativeBackend extends KernelBackend {
  binding: Binding;
  isUsingGpuDevice: boolean;
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: TensorInfo[]): Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: TensorInfo[], numOutputs: number): Tensor[];
}

/** Builders for a TensorFlow op's attributes. */
export function attrs(backend: NativeBackend) {
  const b = backend.binding;
  return {
    type: (name: string, dtype: DataType): OpAttr => ({ name, type: b.TF_ATTR_TYPE, value: dtype === 'int32' ? b.TF_INT32 : b.TF_FLOAT }),
    int: (name: string, value: number): OpAttr => ({ name, type: b.TF_ATTR_INT, value }),
    ints: (name: string, value: number[]): OpAttr => ({ name, type: b.TF_ATTR_INT, value }),
    float: (name: string, value: number): OpAttr => ({ name, type: b.TF_ATTR_FLOAT, value }),
    bool: (name: string, value: boolean): OpAttr => ({ name, type: b.TF_ATTR_BOOL, value }),
    string: (name: string, value: string): OpAttr => ({ name, type: b.TF_ATTR_STRING, value }),
    nhwc: (): OpAttr => ({ name: 'data_format', type: b.TF_ATTR_STRING, value: 'NHWC' }),
    /**
     * `padding` (+ `explicit_paddings`) for a tfjs padding of any kind. tfjs-node's own kernels pass only
     * VALID and SAME; a numeric pad (PyTorch's symmetric padding) becomes VALID or SAME where those pad
     * alike (TensorFlow's oneDNN kernels take only those: EXPLICIT runs ≈ 3× slower), else EXPLICIT. (TF's
     * SAME at stride 2 pads 0 before and 1 after, not PyTorch's 1 and 1.)
     */
    padding: (info: Geometry): OpAttr[] => {
      const p = info.padInfo;
      const kind = p.type === 'VALID' || p.type === 'SAME' ? p.type
        : p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0 ? 'VALID'
          : padsLikeSame(info) ? 'SAME' : 'EXPLICIT';
      if (kind !== 'EXPLICIT') return [{ name: 'padding', type: b.TF_ATTR_STRING, value: kind }];
      return [
        { name: 'padding', type: b.TF_ATTR_STRING, value: 'EXPLICIT' },
        { name: 'explicit_paddings', type: b.TF_ATTR_INT, value: [0, 0, p.top, p.bottom, p.left, p.right, 0, 0] },
      ];
    },
  };
}

/** What a conv or pool's padding depends on (backend_util's Conv2DInfo and Pool2DInfo both have it). */
export type Geometry = Pick<
  backend_util.Conv2DInfo,
  'padInfo' | 'inHeight' | 'inWidth' | 'strideHeight' | 'strideWidth' | 'effectiveFilterHeight' | 'effectiveFilterWidth'
>;

/** Whether TensorFlow's SAME would pad exactly as `info` does: per axis, total max((⌈in/s⌉−1)·s + k − in, 0), ⌊half⌋ before. */
function padsLikeSame(info: Geometry): boolean {
  const axis = (size: number, stride: number, k: number, before: number, after: number): boolean => {
    const total = Math.max((Math.ceil(size / stride) - 1) * stride + k - size, 0);
    return before === Math.floor(total / 2) && after === total - Math.floor(total / 2);
  };
  const p = info.padInfo;
  return axis(info.inHeight, info.strideHeight, info.effectiveFilterHeight, p.top, p.bottom) &&
    axis(info.inWidth, info.strideWidth, info.effectiveFilterWidth, p.left, p.right);
}

/** The attributes Conv2D and both its gradients share: T, strides, padding, NHWC, dilations. */
export function convAttrs(backend: NativeBackend, info: backend_util.Conv2DInfo, dtype: DataType): OpAttr[] {
  const a = attrs(backend);
  return [
    a.type('T', dtype),
    a.ints('strides', [1, info.strideHeight, info.strideWidth, 1]),
    ...a.padding(info),
    a.nhwc(),
    a.bool('use_cudnn_on_gpu', true),
    a.ints('dilations', [1, info.dilationHeight, info.dilationWidth, 1]),
  ];
}

/**
 * Runs one of Conv2D's gradients (Conv2DBackpropInput / Conv2DBackpropFilter): TensorFlow takes the
 * result's shape as an int32 tensor, given here as 'sizes' in `inputs`.
 */
export function convGradient(
  backend: NativeBackend, op: string, info: backend_util.Conv2DInfo, dtype: DataType, sizes: number[], inputs: Array<TensorInfo | 'sizes'>,
): Tensor {
  const shape = tensor1d(sizes, 'int32');
  try {
    return backend.executeSingleOutput(op, convAttrs(backend, info, dtype), inputs.map((t) => (t === 'sizes' ? shape : t)));
  } finally {
    shape.dispose();
  }
}

/** TensorFlow's StridedSlice of `x` (no masks): begin, end and strides per axis. */
export function stridedSlice(backend: NativeBackend, x: TensorInfo, begin: number[], end: number[], strides: number[]): Tensor {
  const a = attrs(backend);
  const bounds = [begin, end, strides].map((v) => tensor1d(v, 'int32'));
  try {
    const masks = ['begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask'].map((name) => a.int(name, 0));
    return backend.executeSingleOutput('StridedSlice', [a.type('T', x.dtype), a.type('Index', 'int32'), ...masks], [x, ...bounds]);
  } finally {
    for (const t of bounds) t.dispose();
  }
}

/** Fails with the shapes when TensorFlow's output size (floor rounding) differs from what tfjs computed. */
export function checkShape(kernel: string, got: readonly number[], expected: readonly number[]): void {
  if (got.length !== expected.length || got.some((d, i) => d !== expected[i])) {
    throw new Error(`${kernel} on tensorflow: output [${got}] differs from tfjs's [${expected}] (only floor rounding is supported)`);
  }
}

export function nhwcOnly(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernel} on tensorflow: only NHWC is supported, got ${dataFormat}`);
  }
}
