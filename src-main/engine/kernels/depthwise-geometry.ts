// What both depthwise-conv gradient kernels (wasm) need to know of the forward convolution: tfjs's own
// conv info, checked against dy, and the zero padding that makes every tap's strided slice fit.
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';

export interface DepthwiseGradAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
}

export interface DepthwiseGeometry {
  info: backend_util.Conv2DInfo;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  /** PadV2 paddings of the input: [[0, 0], [top, bottom], [left, right], [0, 0]]. */
  paddings: Array<[number, number]>;
}

export function depthwiseGeometry(
  kernel: string,
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: DepthwiseGradAttrs,
  dy: TensorInfo,
): DepthwiseGeometry {
  const info = backend_util.computeConv2DInfo(
    xShape, filterShape, attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, true, 'channelsLast',
  );
  if (filterShape[3] !== 1) throw new Error(`${kernel} on wasm supports channel multiplier 1 only, got filter [${filterShape}].`);
  const expected = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (dy.shape.join() !== expected.join()) {
    throw new Error(`${kernel}: dy has shape [${dy.shape}], expected [${expected}] for x [${xShape}] and filter [${filterShape}].`);
  }
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const bottom = Math.max(0, (info.outHeight - 1) * sh + (info.filterHeight - 1) * dh + 1 - info.inHeight - top);
  const right = Math.max(0, (info.outWidth - 1) * sw + (info.filterWidth - 1) * dw + 1 - info.inWidth - left);
  return { info, sh, sw, dh, dw, paddings: [[0, 0], [top, bottom], [left, right], [0, 0]] };
}
