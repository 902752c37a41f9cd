// Kernels this project adds to the tensorflow backend (@tensorflow/tfjs-node[-gpu]) or replaces where
// tfjs-node's own is incomplete (numeric padding) or slow (composites of many TensorFlow ops). An
// explicit list and a loop, like the wasm one in ../register-all.ts. Call after tfjs-node is imported
// (its kernels register on import) and before the first training step.
import { registerGradient, type KernelConfig } from '@tensorflow/tfjs-core';
import { registerKernels } from '../register-kernels.ts';
import { batchNormTrainingConfig, batchNormTrainingGradConfig } from './BatchNormTraining.ts';
import { conv2DConfig } from './Conv2D.ts';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter.ts';
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput.ts';
import { maxPoolConfig } from './MaxPool.ts';
import { maxPoolGradConfig } from './MaxPoolGrad.ts';
import { relu6GradConfig, relu6Gradient } from './Relu6Grad.ts';
import { reluGradConfig, reluGradient } from './ReluGrad.ts';

export const tensorflowKernels: KernelConfig[] = [
  conv2DConfig,
  conv2DBackpropInputConfig,
  conv2DBackpropFilterConfig,
  maxPoolConfig,
  maxPoolGradConfig,
  reluGradConfig,
  relu6GradConfig,
  batchNormTrainingConfig,
  batchNormTrainingGradConfig,
];

let gradientsRegistered = false;

/** Registers every kernel in `tensorflowKernels` (replacing tfjs-node's of that name) and our ReLU and ReLU6 gradients. Idempotent. */
export function registerTensorflowKernels(): void {
  registerKernels(tensorflowKernels);
  if (!gradientsRegistered) {
    registerGradient(reluGradient);
    registerGradient(relu6Gradient);
    gradientsRegistered = true;
  }
}
