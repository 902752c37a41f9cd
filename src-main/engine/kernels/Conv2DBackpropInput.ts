// Conv2DBackpropInput for the wasm backend, replacing the stock one (a plain C++ loop, ≈ 1 GFLOP/s).
//
// The input gradient is a sum of forward convolutions of dy, so it runs through the backend's XNNPACK
// Conv2D. With the forward conv y[oh] = Σ_i x[oh·s + i − pt] · W[i] (per axis; pt = top padding), write a
// padded input row as r + pt = q·s + a with phase a ∈ [0, s):
//   dx[r] = Σ_{m ≥ 0, a + m·s < kh} dy[q − m] · W[a + m·s]
// For each phase (a, b) that is a stride-1 convolution of dy with the taps W[a + m·s, b + n·s], flipped
// (m → M−1−m) and with in/out channels swapped ([.., Cin, Cout] → [.., Cout, Cin]); its output pixel q
// lands on dx row q·s + a − pt. Stride 1 is the single phase (0, 0) and writes dx directly. For stride > 1
// the s×s phase outputs are interleaved into dx by a JS loop over the wasm heap (phases with no taps,
// e.g. a 1×1 filter with stride 2, leave zeros). Every phase convolution does only the real
// multiply-adds: no zeros inserted into dy.
//
// A 1×1 filter with stride 1 and no padding is dx2d = dy2d · Wᵀ, a BatchMatMul on its XNNPACK path.

import {
  backend_util,
  util,
  type Conv2DBackpropInputAttrs,
  type Conv2DBackpropInputInputs,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { runKernel, WASM } from './run-kernel.ts';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';


/** One polyphase sub-convolution along one axis: phase a's taps and where its outputs land. */
interface AxisPhase {
  /** Phase a ∈ [0, s): dx rows r with (r + pt) mod s = a. */
  phase: number;
  /** Taps W[a], W[a + s], …: M = ceil((k − a) / s) (0: the phase gets no gradient). */
  taps: number;
  /** First output q (its dx row is q·s + a − pt) and how many. */
  q0: number;
  count: number;
  /** Padding of dy for the stride-1 convolution (negative: crop dy). */
  padBefore: number;
  padAfter: number;
}

function axisPhases(k: number, s: number, padBefore: number, inSize: number, outSize: number): AxisPhase[] {
  const phases: AxisPhase[] = [];
  for (let a = 0; a < s; a++) {
    const taps = a < k ? Math.ceil((k - a) / s) : 0;
    // q·s + a − pt ∈ [0, inSize)
    const q0 = Math.ceil((padBefore - a) / s);
    const q1 = Math.floor((padBefore + inSize - 1 - a) / s);
    const count = Math.max(0, q1 - q0 + 1);
    // Output q reads dy[q − taps + 1 … q]: pad so that output 0 is q0.
    phases.push({ phase: a, taps, q0, count, padBefore: taps - 1 - q0, padAfter: q0 + count - 1 - (outSize - 1) });
  }
  return phases;
}

/**
 * The flipped, channel-swapped sub-filter of phase (ph, pw): F[t, u, co, ci] = W[a + (M−1−t)·sh,
 * b + (N−1−u)·sw, ci, co], as a new float32 array [M, N, Cout, Cin].
 */
function phaseFilter(
  w: Float32Array,
  [kh, kw, cin, cout]: number[],
  ph: AxisPhase,
  pw: AxisPhase,
  sh: number,
  sw: number,
): Float32Array {
  const m = ph.taps;
  const n = pw.taps;
  const f = new Float32Array(m * n * cout * cin);
  for (let t = 0; t < m; t++) {
    const i = ph.phase + (m - 1 - t) * sh;
    for (let u = 0; u < n; u++) {
      const j = pw.phase + (n - 1 - u) * sw;
      const src = (i * kw + j) * cin * cout;
      const dst = (t * n + u) * cout * cin;
      for (let ci = 0; ci < cin; ci++) {
        const s = src + ci * cout;
        for (let co = 0; co < cout; co++) f[dst + co * cin + ci] = w[s + co];
      }
    }
  }
  return f;
}

/** dx for NHWC dy [N, OH, OW, Cout], filter [kh, kw, Cin, Cout]. */
function backpropInputNHWC(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const inShape = [batchSize, inHeight, inWidth, inChannels];
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;

  if (util.sizeFromShape(inShape) === 0 || batchSize * outHeight * outWidth * outChannels === 0) {
    return runKernel('Fill', backend, {}, { shape: inShape, value: 0, dtype: 'float32' });
  }

  const temps: TensorInfo[] = [];
  try {
    if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && pt === 0 && pl === 0 && outHeight === inHeight && outWidth === inWidth) {
      // dx2d [M, Cin] = dy2d [M, Cout] · Wᵀ [Cout, Cin], both untransposed (BatchMatMul's XNNPACK path).
      const single = axisPhases(1, 1, 0, 1, 1)[0];
      const wT = phaseFilter(backend.typedArrayFromHeap(filter) as Float32Array, filter.shape, single, single, 1, 1);
      const b = backend.makeOutput([1, outChannels, inChannels], 'float32', undefined, wT);
      temps.push(b);
      const m = batchSize * inHeight * inWidth;
      const a = runKernel('Reshape', backend, { x: dy }, { shape: [1, m, outChannels] });
      temps.push(a);
      const dx = runKernel('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
      temps.push(dx);
      return runKernel('Reshape', backend, { x: dx }, { shape: inShape });
    }

    const rowPhases = axisPhases(kh, sh, pt, inHeight, outHeight);
    const colPhases = axisPhases(kw, sw, pl, inWidth, outWidth);
    const w = backend.typedArrayFromHeap(filter) as Float32Array;
    // One stride-1 convolution per phase with taps and outputs: [N, count_h, count_w, Cin].
    const parts: { ph: AxisPhase; pw: AxisPhase; out: TensorInfo }[] = [];
    for (const ph of rowPhases) {
      for (const pw of colPhases) {
        if (ph.taps === 0 || pw.taps === 0 || ph.count === 0 || pw.count === 0) continue;
        // All the dy this phase reads lies in the padding (huge explicit pads): its dx entries are 0.
        if (outHeight + Math.min(0, ph.padBefore) + Math.min(0, ph.padAfter) <= 0) continue;
        if (outWidth + Math.min(0, pw.padBefore) + Math.min(0, pw.padAfter) <= 0) continue;
        parts.push({ ph, pw, out: phaseConv(backend, dy, w, filter.shape, ph, pw, sh, sw, temps) });
      }
    }
    const whole = sh === 1 && sw === 1 && parts.length === 1;
    if (whole) {
      // Stride 1: the one phase covers dx exactly. Hand it out (it is not a temp).
      const out = parts[0].out;
      temps.splice(temps.indexOf(out), 1);
      return out;
    }
    return interleave(backend, inShape, parts, sh, sw, pt, pl);
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

/** The stride-1 convolution of phase (ph, pw) on dy; pushes its temps (and its output) onto `temps`. */
function phaseConv(
  backend: BackendWasm,
  dy: TensorInfo,
  w: Float32Array,
  filterShape: number[],
  ph: AxisPhase,
  pw: AxisPhase,
  sh: number,
  sw: number,
  temps: TensorInfo[],
): TensorInfo {
  const [, , cin, cout] = filterShape;
  const [n, oh, ow] = dy.shape;
  // Negative padding: crop those dy rows/columns (they only ever met padding in the forward pass).
  const cropTop = Math.max(0, -ph.padBefore);
  const cropBottom = Math.max(0, -ph.padAfter);
  const cropLeft = Math.max(0, -pw.padBefore);
  const cropRight = Math.max(0, -pw.padAfter);
  let x = dy;
  if (cropTop + cropBottom + cropLeft + cropRight > 0) {
    x = runKernel('Slice', backend, { x: dy }, {
      begin: [0, cropTop, cropLeft, 0],
      size: [n, oh - cropTop - cropBottom, ow - cropLeft - cropRight, cout],
    });
    temps.push(x);
  }
  const f = phaseFilter(w, filterShape, ph, pw, sh, sw);
  const filter = backend.makeOutput([ph.taps, pw.taps, cout, cin], 'float32', undefined, f);
  temps.push(filter);
  const out = runKernel('Conv2D', backend, { x, filter }, {
    strides: [1, 1],
    pad: [
      [0, 0],
      [Math.max(0, ph.padBefore), Math.max(0, ph.padAfter)],
      [Math.max(0, pw.padBefore), Math.max(0, pw.padAfter)],
      [0, 0],
    ],
    dataFormat: 'NHWC',
    dilations: [1, 1],
    dimRoundingMode: undefined as unknown as string,
  });
  temps.push(out);
  return out;
}

/**
 * Scatters the phase outputs into a new dx [N, H, W, C]: phase (a, b) output (q, p) → row q·sh + a − pt,
 * column p·sw + b − pl. Each pixel's C channels are one `copyWithin` inside the heap (≈ 2× a per-element
 * loop at C = 16; bound by memory at ≈ 1 ms for 64×32×32×16).
 */
function interleave(
  backend: BackendWasm,
  inShape: number[],
  parts: { ph: AxisPhase; pw: AxisPhase; out: TensorInfo }[],
  sh: number,
  sw: number,
  pt: number,
  pl: number,
): TensorInfo {
  const [batch, height, width, channels] = inShape;
  const dx = backend.makeOutput(inShape, 'float32');
  // Views only after the last allocation (a heap growth detaches older views).
  const dxView = backend.typedArrayFromHeap(dx) as Float32Array;
  const heap = new Float32Array(dxView.buffer);
  let covered = 0;
  for (const { ph, pw } of parts) covered += ph.count * pw.count;
  if (covered !== height * width) dxView.fill(0);
  const dxBase = dxView.byteOffset >> 2;
  const colStep = sw * channels;
  for (const { ph, pw, out } of parts) {
    const qn = ph.count;
    const pn = pw.count;
    const r0 = ph.q0 * sh + ph.phase - pt;
    const c0 = pw.q0 * sw + pw.phase - pl;
    let s = (backend.typedArrayFromHeap(out) as Float32Array).byteOffset >> 2;
    for (let b = 0; b < batch; b++) {
      for (let q = 0; q < qn; q++) {
        let d = dxBase + ((b * height + r0 + q * sh) * width + c0) * channels;
        if (channels >= 8) {
          for (let p = 0; p < pn; p++, d += colStep, s += channels) heap.copyWithin(d, s, s + channels);
        } else {
          for (let p = 0; p < pn; p++, d += colStep) {
            for (let c = 0; c < channels; c++) heap[d + c] = heap[s++];
          }
        }
      }
    }
  }
  return dx;
}

function conv2DBackpropInput(args: {
  inputs: Conv2DBackpropInputInputs;
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') {
    throw new Error(`Conv2DBackpropInput on wasm needs float32 dy and filter, got ${dy.dtype} and ${filter.dtype}.`);
  }
  const channelsFirst = backend_util.convertConv2DDataFormat(dataFormat ?? 'NHWC') === 'channelsFirst';
  const nhwcShape = (
    channelsFirst ? [inputShape[0], inputShape[2], inputShape[3], inputShape[1]] : [...inputShape]
  ) as [number, number, number, number];
  const info = backend_util.computeConv2DInfo(
    nhwcShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const expected = channelsFirst
    ? [info.batchSize, info.outChannels, info.outHeight, info.outWidth]
    : [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (!util.arraysEqual(dy.shape, expected)) {
    throw new Error(
      `Conv2DBackpropInput: dy has shape [${dy.shape}], expected [${expected}] for input [${inputShape}] ` +
        `and filter [${filter.shape}].`,
    );
  }
  if (!channelsFirst) return backpropInputNHWC(backend, dy, filter, info);

  const dyT = runKernel('Transpose', backend, { x: dy }, { perm: [0, 2, 3, 1] });
  let dxT: TensorInfo | undefined;
  try {
    dxT = backpropInputNHWC(backend, dyT, filter, info);
    return runKernel('Transpose', backend, { x: dxT }, { perm: [0, 3, 1, 2] });
  } finally {
    backend.disposeData(dyT.dataId);
    if (dxT !== undefined) backend.disposeData(dxT.dataId);
  }
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: WASM,
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
