// MaxPoolGrad for the wasm backend, replacing the stock one, which is wrong: its C++ starts each window's
// running max at the smallest positive float (FLT_MIN) instead of −∞, so a window whose maximum is ≤ 0
// passes its gradient to the wrong element or to none (after a BN without ReLU, or any negative input).
// It is also slow (≈ 18 ms for 64×32×32×16, 2×2 stride 2).
//
// This one is the cpu backend's semantics exactly (tfjs-backend-cpu maxPoolPositions + maxPoolGrad): per
// window and channel the running max starts at −∞ and moves only on a strictly greater value, in row-major
// order over the window's rows and columns that lie inside the input (padding never wins). So ties go to
// the first element, NaN never wins, and a window of −∞/NaN only passes no gradient. dy of every window is
// added to the element its window picked (overlapping windows accumulate).
//
// A plain JS loop over the wasm heap: per window, the channels are the inner, contiguous loop; whole 2×2
// windows are unrolled. Its cost is mostly mispredicted branches on the comparisons (≈ 3× faster on
// constant data); a SIMD wasm kernel would be the next step.

import {
  backend_util,
  util,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type MaxPoolGradInputs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { WASM } from './run-kernel.ts';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';


function maxPoolGrad(args: { inputs: MaxPoolGradInputs; backend: BackendWasm; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy as TensorInfo;
  const x = inputs.input as TensorInfo;
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`MaxPoolGrad on wasm needs float32 input and dy, got ${x.dtype} and ${dy.dtype}.`);
  }
  const info = backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  if (!util.arraysEqual(dy.shape, info.outShape)) {
    throw new Error(`MaxPoolGrad: dy has shape [${dy.shape}], expected [${info.outShape}] for input [${x.shape}].`);
  }
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;

  const out = backend.makeOutput(x.shape, 'float32');
  // Views only after the last allocation (a heap growth detaches older views).
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const dys = backend.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);

  const maxValue = new Float32Array(channels);
  const maxIndex = new Int32Array(channels);
  const rowSize = inWidth * channels;
  let dyIndex = 0;
  for (let b = 0; b < batchSize; b++) {
    const batchBase = b * inHeight * rowSize;
    for (let yr = 0; yr < outHeight; yr++) {
      const r0 = yr * sh - pt;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(inHeight, r0 + fh);
      for (let yc = 0; yc < outWidth; yc++) {
        const c0 = yc * sw - pl;
        const cMin = Math.max(0, c0);
        const cMax = Math.min(inWidth, c0 + fw);
        if (rMax - rMin === 2 && cMax - cMin === 2) {
          // A whole 2×2 window (the usual pooling): unrolled, same order and comparisons.
          const p0 = batchBase + rMin * rowSize + cMin * channels;
          const p1 = p0 + channels;
          const p2 = p0 + rowSize;
          const p3 = p2 + channels;
          for (let d = 0; d < channels; d++, dyIndex++) {
            let best = -Infinity;
            let i = -1;
            let v = xs[p0 + d];
            if (v > best) {
              best = v;
              i = p0 + d;
            }
            v = xs[p1 + d];
            if (v > best) {
              best = v;
              i = p1 + d;
            }
            v = xs[p2 + d];
            if (v > best) {
              best = v;
              i = p2 + d;
            }
            if (xs[p3 + d] > best) i = p3 + d;
            if (i >= 0) dx[i] += dys[dyIndex];
          }
          continue;
        }
        maxValue.fill(-Infinity);
        maxIndex.fill(-1);
        for (let r = rMin; r < rMax; r++) {
          for (let c = cMin; c < cMax; c++) {
            const base = batchBase + r * rowSize + c * channels;
            for (let d = 0; d < channels; d++) {
              const v = xs[base + d];
              if (v > maxValue[d]) {
                maxValue[d] = v;
                maxIndex[d] = base + d;
              }
            }
          }
        }
        for (let d = 0; d < channels; d++, dyIndex++) {
          const i = maxIndex[d];
          if (i >= 0) dx[i] += dys[dyIndex];
        }
      }
    }
  }
  return out;
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: WASM,
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
