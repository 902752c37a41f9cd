// Conv2DBackpropFilter (the conv's weight gradient) for the tensorflow backend, replacing tfjs-node's,
// which rejects numeric and explicit padding. One TensorFlow op (padding as in native-op.ts), but for
// the strided 1×1 conv without padding (ResNet's projection shortcut): oneDNN's AVX2 kernel — TensorFlow
// 2.21's on CPUs without AVX-512 — returns its weight gradient wrong when the input has few channels
// (every probed input of 1 to 5 channels at 8×8, 16×16 or 32×32; 4 → 6 channels at 8×8 is 70% off), while
// its output and input gradient are right. Such a conv reads only every s-th pixel, so its weight
// gradient is the stride-1 gradient over those pixels: that exact form is used for it on every CPU.
import {
  backend_util, type Conv2DBackpropFilterAttrs, type Conv2DBackpropFilterInputs, type KernelConfig,
  type KernelFunc, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { convGradient, nhwcOnly, stridedSlice, TENSORFLOW, type NativeBackend } from './native-op.ts';

function conv2DBackpropFilter(args: { inputs: Conv2DBackpropFilterInputs; backend: NativeBackend; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs;
  nhwcOnly('Conv2DBackpropFilter', dataFormat);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast',
  );
  if (!isStridedPointwise(info)) return convGradient(args.backend, 'Conv2DBackpropFilter', info, dy.dtype, filterShape, [x, 'sizes', dy]);
  const [n, , , c] = x.shape as [number, number, number, number];
  const read = stridedSlice(
    args.backend, x, [0, 0, 0, 0],
    [n, (info.outHeight - 1) * info.strideHeight + 1, (info.outWidth - 1) * info.strideWidth + 1, c], [1, info.strideHeight, info.strideWidth, 1],
  );
  try {
    const unitInfo = backend_util.computeConv2DInfo(read.shape as [number, number, number, number], filterShape, 1, 1, 'valid', undefined, false, 'channelsLast');
    return convGradient(args.backend, 'Conv2DBackpropFilter', unitInfo, dy.dtype, filterShape, [read, 'sizes', dy]);
  } finally {
    read.dispose();
  }
}

/** A 1×1 conv with a stride above 1, no padding and no dilation. */
function isStridedPointwise(info: backend_util.Conv2DInfo): boolean {
  const p = info.padInfo;
  return info.filterHeight === 1 && info.filterWidth === 1 && info.dilationHeight === 1 && info.dilationWidth === 1 &&
    (info.strideHeight > 1 || info.strideWidth > 1) && p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0;
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: TENSORFLOW,
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
