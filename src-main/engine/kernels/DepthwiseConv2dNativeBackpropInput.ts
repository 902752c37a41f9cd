// DepthwiseConv2dNativeBackpropInput for the wasm backend, which ships none. One tap of the k×k filter
// at a time, from the backend's own kernels: each output pixel's gradient flows back to the input pixel
// that tap read,
//   dxPad[n, oh·s + i·d, ow·s + j·d, c] += dy[n, oh, ow, c] · w[i, j, c, 0]
// so per tap dy times the tap's weights, spread out by the stride (zeros between), shifted to the tap's
// offset in the padded input and summed; the padding is cropped at the end.
import { type KernelBackend, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { depthwiseGeometry, type DepthwiseGradAttrs } from './depthwise-geometry.ts';
import { runKernel, WASM } from './run-kernel.ts';

function depthwiseConv2dNativeBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: KernelBackend;
  attrs: DepthwiseGradAttrs & { inputShape: [number, number, number, number] };
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const g = depthwiseGeometry('DepthwiseConv2dNativeBackpropInput', attrs.inputShape, filter.shape as [number, number, number, number], attrs, dy);
  const { batchSize: n, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, inChannels: c, filterHeight: kh, filterWidth: kw } = g.info;
  const [, [top, bottom], [left, right]] = g.paddings as [[number, number], [number, number], [number, number]];
  // The grid every shifted tap fits in: the padded input, or more where the last tap's spread reaches past it.
  const gh = Math.max(top + h + bottom, (kh - 1) * g.dh + oh * g.sh);
  const gw = Math.max(left + w + right, (kw - 1) * g.dw + ow * g.sw);
  const temps: TensorInfo[] = [];
  const keep = (t: TensorInfo): TensorInfo => (temps.push(t), t);
  let sum: TensorInfo | null = null;
  try {
    const weights = keep(runKernel('Reshape', backend, { x: filter }, { shape: [kh, kw, c] }));
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const tapWeights = keep(runKernel('Slice', backend, { x: weights }, { begin: [i, j, 0], size: [1, 1, c] }));
        let t = keep(runKernel('Multiply', backend, { a: dy, b: tapWeights }, {}));
        if (g.sh > 1 || g.sw > 1) {
          const expanded = keep(runKernel('Reshape', backend, { x: t }, { shape: [n, oh, 1, ow, 1, c] }));
          const spread = keep(runKernel('PadV2', backend, { x: expanded }, {
            paddings: [[0, 0], [0, 0], [0, g.sh - 1], [0, 0], [0, g.sw - 1], [0, 0]], constantValue: 0,
          }));
          t = keep(runKernel('Reshape', backend, { x: spread }, { shape: [n, oh * g.sh, ow * g.sw, c] }));
        }
        const r = i * g.dh;
        const q = j * g.dw;
        const placed = runKernel('PadV2', backend, { x: t }, {
          paddings: [[0, 0], [r, gh - r - oh * g.sh], [q, gw - q - ow * g.sw], [0, 0]], constantValue: 0,
        });
        if (sum === null) {
          sum = placed;
        } else {
          const next = runKernel('Add', backend, { a: sum, b: placed }, {});
          backend.disposeData(sum.dataId);
          backend.disposeData(placed.dataId);
          sum = next;
        }
      }
    }
    return runKernel('Slice', backend, { x: sum! }, { begin: [0, top, left, 0], size: [n, h, w, c] });
  } finally {
    if (sum !== null) backend.disposeData((sum as TensorInfo).dataId);
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: WASM,
  kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as KernelFunc,
};
