// Training-mode batch norm as two kernels, forward and gradient, each one TensorFlow op
// (FusedBatchNormV3 / FusedBatchNormGradV3, oneDNN's bnorm where TensorFlow uses oneDNN) instead of the
// ≈ 20 broadcast ops of the composite in models/tf-ops.ts. Over the last axis of NHWC [n, h, w, c].
//
//   BatchNormTraining     {x, scale, offset} {epsilon} -> [y, batchMean, batchVariance (biased), r1, r2, r3]
//   BatchNormTrainingGrad {dy, x, scale, r1, r2, r3} {epsilon} -> [dx, dScale, dOffset]
// r1..r3 are TensorFlow's reserve spaces, handed from the forward to the gradient untouched.
import { mul, tensor1d, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { attrs, TENSORFLOW, type NativeBackend } from './native-op.ts';

export const BATCH_NORM_TRAINING = 'BatchNormTraining';
export const BATCH_NORM_TRAINING_GRAD = 'BatchNormTrainingGrad';

type Inputs = { x: TensorInfo; scale: TensorInfo; offset: TensorInfo };
type GradInputs = { dy: TensorInfo; x: TensorInfo; scale: TensorInfo; r1: TensorInfo; r2: TensorInfo; r3: TensorInfo };

function common(backend: NativeBackend, epsilon: number) {
  const a = attrs(backend);
  return [a.type('T', 'float32'), a.type('U', 'float32'), a.float('epsilon', epsilon), a.nhwc(), a.bool('is_training', true)];
}

function batchNormTraining(args: { inputs: Inputs; backend: NativeBackend; attrs: { epsilon: number } }): TensorInfo[] {
  const { x, scale, offset } = args.inputs;
  const a = attrs(args.backend);
  // With exponential_avg_factor 1 TensorFlow reads no running statistics: they may be empty.
  const none = tensor1d([]);
  const [y, batchMean, unbiased, r1, r2, r3] = args.backend.executeMultipleOutputs(
    'FusedBatchNormV3',
    [...common(args.backend, args.attrs.epsilon), a.float('exponential_avg_factor', 1)],
    [x, scale, offset, none, none],
    6,
  );
  none.dispose();
  // TensorFlow returns the Bessel-corrected batch variance; the engine's contract is the biased one.
  const count = x.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const biased = mul(unbiased!, (count - 1) / Math.max(1, count));
  unbiased!.dispose();
  return [y!, batchMean!, biased, r1!, r2!, r3!];
}

function batchNormTrainingGrad(args: { inputs: GradInputs; backend: NativeBackend; attrs: { epsilon: number } }): TensorInfo[] {
  const { dy, x, scale, r1, r2, r3 } = args.inputs;
  const [dx, dScale, dOffset, r4, r5] = args.backend.executeMultipleOutputs(
    'FusedBatchNormGradV3', common(args.backend, args.attrs.epsilon), [dy, x, scale, r1, r2, r3], 5,
  );
  r4!.dispose();
  r5!.dispose();
  return [dx!, dScale!, dOffset!];
}

export const batchNormTrainingConfig: KernelConfig = {
  kernelName: BATCH_NORM_TRAINING,
  backendName: TENSORFLOW,
  kernelFunc: batchNormTraining as unknown as KernelFunc,
};

export const batchNormTrainingGradConfig: KernelConfig = {
  kernelName: BATCH_NORM_TRAINING_GRAD,
  backendName: TENSORFLOW,
  kernelFunc: batchNormTrainingGrad as unknown as KernelFunc,
};
