// Kernels this project adds to tfjs backends that lack them (see /work/shared/STYLE.md item 8).
// An explicit list and a loop, like tfjs's own register_all_kernels.

import { getKernel, registerKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter.ts';

export const wasmKernels: KernelConfig[] = [conv2DBackpropFilterConfig];

/**
 * Registers every kernel in `wasmKernels` that is not registered yet, so calling it twice (or after a
 * tfjs release that ships its own kernel) is harmless. Call before the first gradient on 'wasm'.
 */
export function registerWasmKernels(): void {
  for (const config of wasmKernels) {
    if (getKernel(config.kernelName, config.backendName) === undefined) registerKernel(config);
  }
}
