// Conv2D for the tensorflow backend, replacing tfjs-node's, which rejects numeric padding (every conv
// of our models: PyTorch-style symmetric pads). One TensorFlow Conv2D (padding as in native-op.ts).
import { backend_util, type Conv2DAttrs, type Conv2DInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { checkShape, convAttrs, nhwcOnly, TENSORFLOW, type NativeBackend } from './native-op.ts';

function conv2D(args: { inputs: Conv2DInputs; backend: NativeBackend; attrs: Conv2DAttrs }): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  const filter = args.inputs.filter as TensorInfo;
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs;
  nhwcOnly('Conv2D', dataFormat);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    strides, dilations, pad, dimRoundingMode, false, 'channelsLast',
  );
  const y = args.backend.executeSingleOutput('Conv2D', convAttrs(args.backend, info, x.dtype), [x, filter]);
  checkShape('Conv2D', y.shape, info.outShape);
  return y;
}

export const conv2DConfig: KernelConfig = {
  kernelName: 'Conv2D',
  backendName: TENSORFLOW,
  kernelFunc: conv2D as unknown as KernelFunc,
};
