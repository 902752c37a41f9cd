// Kernels this project adds to tfjs backends that lack them, or replaces where the stock one is slow or
// wrong. An explicit list and a loop, like tfjs's own register_all_kernels.

// The stock wasm kernels register on import: import it first so that they can never come in after ours.
import '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { registerKernels } from './register-kernels.ts';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter.ts';
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput.ts';
import { depthwiseConv2dNativeBackpropFilterConfig } from './DepthwiseConv2dNativeBackpropFilter.ts';
import { depthwiseConv2dNativeBackpropInputConfig } from './DepthwiseConv2dNativeBackpropInput.ts';
import { maxPoolGradConfig } from './MaxPoolGrad.ts';
import { tileConfig } from './Tile.ts';

export const wasmKernels: KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  maxPoolGradConfig,
  tileConfig,
];

/**
 * Registers every kernel in `wasmKernels`, replacing the backend's own kernel of that name where it has
 * one (Conv2DBackpropInput and Tile: plain loops; MaxPoolGrad: wrong for windows whose max is ≤ 0).
 * Calling it again is harmless. Call before the first gradient on 'wasm'.
 */
export function registerWasmKernels(): void {
  registerKernels(wasmKernels);
}
