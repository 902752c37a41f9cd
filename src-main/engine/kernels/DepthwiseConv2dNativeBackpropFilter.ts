// DepthwiseConv2dNativeBackpropFilter for the wasm backend, which ships none (so tf.grad of a depthwise
// conv fails there). One tap of the k×k filter at a time, from the backend's own kernels:
//   dW[i, j, c, 0] = Σ over n, oh, ow of xPad[n, oh·s + i·d, ow·s + j·d, c] · dy[n, oh, ow, c]
// i.e. per tap a strided slice of the padded input times dy, summed over all but the channel axis.
// k·k slices, products and sums: a MobileNet's 3×3 depthwise layers are a small part of its work.
import {
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { runKernel, WASM } from './run-kernel.ts';
import { depthwiseGeometry, type DepthwiseGradAttrs } from './depthwise-geometry.ts';

function depthwiseConv2dNativeBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: KernelBackend;
  attrs: DepthwiseGradAttrs & { filterShape: [number, number, number, number] };
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const g = depthwiseGeometry('DepthwiseConv2dNativeBackpropFilter', x.shape as [number, number, number, number], attrs.filterShape, attrs, dy);
  const { batchSize: n, outHeight: oh, outWidth: ow, inChannels: c, filterHeight: kh, filterWidth: kw } = g.info;
  const temps: TensorInfo[] = [];
  try {
    const xPad = runKernel('PadV2', backend, { x }, { paddings: g.paddings, constantValue: 0 });
    temps.push(xPad);
    const taps: TensorInfo[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const r = i * g.dh;
        const q = j * g.dw;
        const slice = runKernel('StridedSlice', backend, { x: xPad }, {
          begin: [0, r, q, 0], end: [n, r + (oh - 1) * g.sh + 1, q + (ow - 1) * g.sw + 1, c], strides: [1, g.sh, g.sw, 1],
          beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
        });
        temps.push(slice);
        const product = runKernel('Multiply', backend, { a: slice, b: dy }, {});
        temps.push(product);
        const tap = runKernel('Sum', backend, { x: product }, { axis: [0, 1, 2], keepDims: false });
        temps.push(tap);
        taps.push(tap);
      }
    }
    const stacked = runKernel('Pack', backend, taps as unknown as Record<string, TensorInfo>, { axis: 0 });
    temps.push(stacked);
    return runKernel('Reshape', backend, { x: stacked }, { shape: attrs.filterShape });
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: WASM,
  kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as KernelFunc,
};
