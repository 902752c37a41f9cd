// MaxPoolGrad for the tensorflow backend, replacing tfjs-node's, which rejects numeric padding.
//
// TensorFlow's public MaxPoolGrad (Eigen) recomputes the forward pool with an argmax helper: ≈ 13 ms for a
// 64×32×32×32 input at one thread, a third of a bench_cnn training step. Where TensorFlow runs oneDNN (on
// the CPU, TF_ENABLE_ONEDNN_OPTS on), oneDNN's pooling does the same in ≈ 3.5 ms: the forward pool again,
// keeping its workspace (each output's position in its window), then the backward pass from it. Those are
// TensorFlow's internal `_MklNativeMaxPool` / `_MklNativeMaxPoolGrad`, the ops its own oneDNN rewrite
// runs; eager execution takes them with the kernel label `MklNameChangeOp`. Being internal, they are used
// only after the first call's result equals the public op's on the same inputs (ties included: both
// take a window's first maximum), and never with EXPLICIT padding (oneDNN's pooling takes only VALID and
// SAME) or on a GPU. Anything else, or a failure, falls back to the public op for the rest of the process.
import { backend_util, type KernelConfig, type KernelFunc, type MaxPoolGradAttrs, type MaxPoolGradInputs, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import { nativeSettings } from '../../backend/native-environment.ts';
import { attrs, TENSORFLOW, type NativeBackend, type OpAttr } from './native-op.ts';

const ONEDNN_LABEL = 'MklNameChangeOp';

/** 'untried' until the first call that could use oneDNN; then whether it matched the public op. */
let oneDnnPath: 'untried' | 'matches' | 'unavailable' = 'untried';

/** Whether the oneDNN path is in use ('untried' before the first pool gradient that could use it). */
export function maxPoolGradPath(): typeof oneDnnPath {
  return oneDnnPath;
}

function publicGrad(backend: NativeBackend, poolAttrs: OpAttr[], input: TensorInfo, output: TensorInfo, dy: TensorInfo): Tensor {
  return backend.executeSingleOutput('MaxPoolGrad', poolAttrs, [input, output, dy]);
}

function oneDnnGrad(backend: NativeBackend, poolAttrs: OpAttr[], input: TensorInfo, dy: TensorInfo): Tensor {
  const a = attrs(backend);
  const oneDnnAttrs = [...poolAttrs, a.string('_kernel', ONEDNN_LABEL), a.bool('workspace_enabled', true)];
  // The workspace is a uint8 tensor tfjs-node labels int32: it is only ever handed back to TensorFlow.
  const [output, workspace] = backend.executeMultipleOutputs('_MklNativeMaxPool', oneDnnAttrs, [input], 2) as [Tensor, Tensor];
  try {
    return backend.executeSingleOutput('_MklNativeMaxPoolGrad', oneDnnAttrs, [input, output, dy, workspace]);
  } finally {
    output.dispose();
    workspace.dispose();
  }
}

/** The first oneDNN result against the public op's: the same values (to float rounding), or no oneDNN. */
function firstOneDnnGrad(backend: NativeBackend, poolAttrs: OpAttr[], input: TensorInfo, output: TensorInfo, dy: TensorInfo): Tensor {
  const reference = publicGrad(backend, poolAttrs, input, output, dy);
  let candidate: Tensor;
  try {
    candidate = oneDnnGrad(backend, poolAttrs, input, dy);
  } catch {
    oneDnnPath = 'unavailable';
    return reference;
  }
  oneDnnPath = sameValues(reference.dataSync() as Float32Array, candidate.dataSync() as Float32Array) ? 'matches' : 'unavailable';
  candidate.dispose();
  return reference;
}

/** Equal up to float rounding (overlapping windows sum in another order): 1e-6 of the largest |value|. */
function sameValues(want: Float32Array, got: Float32Array): boolean {
  if (got.length !== want.length) return false;
  let scale = 1;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  return got.every((v, i) => Math.abs(v - want[i]!) <= 1e-6 * scale);
}

function maxPoolGrad(args: { inputs: MaxPoolGradInputs; backend: NativeBackend; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { dy, input, output } = args.inputs as { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const a = attrs(args.backend);
  const padding = a.padding(info);
  const poolAttrs = [
    a.type('T', input.dtype),
    a.ints('ksize', [1, info.filterHeight, info.filterWidth, 1]),
    a.ints('strides', [1, info.strideHeight, info.strideWidth, 1]),
    ...padding,
    a.nhwc(),
  ];
  const oneDnnCan = oneDnnPath !== 'unavailable' && padding.length === 1 && input.dtype === 'float32' &&
    !args.backend.isUsingGpuDevice && nativeSettings()?.oneDnn === true;
  if (!oneDnnCan) return publicGrad(args.backend, poolAttrs, input, output, dy);
  if (oneDnnPath === 'untried') return firstOneDnnGrad(args.backend, poolAttrs, input, output, dy);
  return oneDnnGrad(args.backend, poolAttrs, input, dy);
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: TENSORFLOW,
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
