// MaxPool for the tensorflow backend, replacing tfjs-node's, which rejects numeric padding (the ImageNet
// ResNet stem's 3×3/2 pool pads 1). One TensorFlow MaxPool (padding as in native-op.ts; padding never wins).
import { backend_util, type KernelConfig, type KernelFunc, type MaxPoolAttrs, type MaxPoolInputs, type TensorInfo } from '@tensorflow/tfjs-core';
import { attrs, checkShape, TENSORFLOW, type NativeBackend } from './native-op.ts';

function maxPool(args: { inputs: MaxPoolInputs; backend: NativeBackend; attrs: MaxPoolAttrs }): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs;
  const info = backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const a = attrs(args.backend);
  const y = args.backend.executeSingleOutput('MaxPool', [
    a.type('T', x.dtype),
    a.ints('ksize', [1, info.filterHeight, info.filterWidth, 1]),
    a.ints('strides', [1, info.strideHeight, info.strideWidth, 1]),
    ...a.padding(info),
    a.nhwc(),
  ], [x]);
  checkShape('MaxPool', y.shape, info.outShape);
  return y;
}

export const maxPoolConfig: KernelConfig = {
  kernelName: 'MaxPool',
  backendName: TENSORFLOW,
  kernelFunc: maxPool as unknown as KernelFunc,
};
