// Conv2DBackpropFilter (the conv's weight gradient) for the tensorflow backend, replacing tfjs-node's,
// which rejects numeric and explicit padding. One TensorFlow op (padding as in native-op.ts).
import {
  backend_util, type Conv2DBackpropFilterAttrs, type Conv2DBackpropFilterInputs, type KernelConfig,
  type KernelFunc, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { convGradient, nhwcOnly, TENSORFLOW, type NativeBackend } from './native-op.ts';

function conv2DBackpropFilter(args: { inputs: Conv2DBackpropFilterInputs; backend: NativeBackend; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs;
  nhwcOnly('Conv2DBackpropFilter', dataFormat);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast',
  );
  return convGradient(args.backend, 'Conv2DBackpropFilter', info, dy.dtype, filterShape, [x, 'sizes', dy]);
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: TENSORFLOW,
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
