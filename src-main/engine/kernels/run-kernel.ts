// Our wasm kernels are composed of the backend's own kernels, called directly on TensorInfos: no
// gradient tape, no engine bookkeeping, and the caller disposes every intermediate it gets back.
import { getKernel, type KernelBackend, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';

export const WASM = 'wasm';

export function runKernel(name: string, backend: KernelBackend, inputs: NamedTensorInfoMap, attrs: NamedAttrMap): TensorInfo {
  const config = getKernel(name, WASM);
  if (config === undefined) throw new Error(`the '${name}' kernel is not registered on '${WASM}'`);
  return config.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}
