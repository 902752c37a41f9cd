// ReluGrad: the gradient of ReLU as one kernel, dx = dy where x > 0, else 0. tfjs computes it as
// dy · step(x), and tfjs-node's Step is six TensorFlow ops (IsNan, Greater, OnesLike, Fill, Where,
// Select): ≈ 70 ms of a ≈ 180 ms ResNet-20 training step. TensorFlow's ReluGrad is one.
//
// `reluGradient` replaces tfjs's gradient of Relu on every backend: it calls this kernel where the active
// backend has one and otherwise computes tfjs's own dy · step(x).
import { cast, engine, getBackend, getKernel, mul, step, type GradConfig, type KernelConfig, type KernelFunc, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import { attrs, TENSORFLOW, type NativeBackend } from './native-op.ts';

export const RELU_GRAD = 'ReluGrad';

function reluGrad(args: { inputs: { dy: TensorInfo; x: TensorInfo }; backend: NativeBackend }): TensorInfo {
  const { dy, x } = args.inputs;
  return args.backend.executeSingleOutput('ReluGrad', [attrs(args.backend).type('T', x.dtype)], [dy, x]);
}

export const reluGradConfig: KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: TENSORFLOW,
  kernelFunc: reluGrad as unknown as KernelFunc,
};

export const reluGradient: GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [Tensor];
    const d = dy as Tensor;
    return {
      x: () => getKernel(RELU_GRAD, getBackend()) !== undefined
        ? (engine().runKernel(RELU_GRAD, { dy: d, x }, {}) as Tensor)
        : mul(d, cast(step(x), 'float32')),
    };
  },
};
