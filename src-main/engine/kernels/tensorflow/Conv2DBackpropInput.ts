// Conv2DBackpropInput (the conv's input gradient) for the tensorflow backend, replacing tfjs-node's,
// which rejects numeric and explicit padding. One TensorFlow op (padding as in native-op.ts).
import {
  backend_util, type Conv2DBackpropInputAttrs, type Conv2DBackpropInputInputs, type KernelConfig,
  type KernelFunc, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { convGradient, nhwcOnly, TENSORFLOW, type NativeBackend } from './native-op.ts';

function conv2DBackpropInput(args: { inputs: Conv2DBackpropInputInputs; backend: NativeBackend; attrs: Conv2DBackpropInputAttrs }): TensorInfo {
  const dy = args.inputs.dy as TensorInfo;
  const filter = args.inputs.filter as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs;
  nhwcOnly('Conv2DBackpropInput', dataFormat);
  const info = backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast',
  );
  return convGradient(args.backend, 'Conv2DBackpropInput', info, dy.dtype, inputShape, ['sizes', filter, dy]);
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: TENSORFLOW,
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
