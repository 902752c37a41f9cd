// MaxPoolGrad for the tensorflow backend, replacing tfjs-node's, which rejects numeric padding. One
// TensorFlow MaxPoolGrad (padding as in native-op.ts).
import { backend_util, type KernelConfig, type KernelFunc, type MaxPoolGradAttrs, type MaxPoolGradInputs, type TensorInfo } from '@tensorflow/tfjs-core';
import { attrs, TENSORFLOW, type NativeBackend } from './native-op.ts';

function maxPoolGrad(args: { inputs: MaxPoolGradInputs; backend: NativeBackend; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { dy, input, output } = args.inputs as { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const a = attrs(args.backend);
  return args.backend.executeSingleOutput('MaxPoolGrad', [
    a.type('T', input.dtype),
    a.ints('ksize', [1, info.filterHeight, info.filterWidth, 1]),
    a.ints('strides', [1, info.strideHeight, info.strideWidth, 1]),
    ...a.padding(info),
    a.nhwc(),
  ], [input, output, dy]);
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: TENSORFLOW,
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
