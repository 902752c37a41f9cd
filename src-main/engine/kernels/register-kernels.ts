// Registers kernel configs, replacing a backend's own kernel of the same name where it has one.
// Idempotent: a config already registered is left alone.
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';

export function registerKernels(configs: readonly KernelConfig[]): void {
  for (const config of configs) {
    const current = getKernel(config.kernelName, config.backendName);
    if (current === config) continue;
    if (current !== undefined) unregisterKernel(config.kernelName, config.backendName);
    registerKernel(config);
  }
}
