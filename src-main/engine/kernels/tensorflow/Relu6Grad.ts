// Relu6Grad: the gradient of ReLU6 as one kernel, dx = dy where 0 < x < 6, else 0 (TensorFlow's Relu6Grad,
// and PyTorch's: hardtanh passes the gradient strictly inside its range). tfjs computes it as
// dy · (x ≤ 6) · step(x), whose step alone is six TensorFlow ops on tfjs-node (see ReluGrad.ts).
//
// `relu6Gradient` replaces tfjs's gradient of Relu6 on every backend: this kernel where the active backend
// has one, otherwise the same rule from tfjs ops (so every backend agrees at x = 6, where tfjs's own rule
// would pass the gradient).
import { cast, engine, getBackend, getKernel, greater, less, logicalAnd, mul, type GradConfig, type KernelConfig, type KernelFunc, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import { attrs, TENSORFLOW, type NativeBackend } from './native-op.ts';

export const RELU6_GRAD = 'Relu6Grad';

function relu6Grad(args: { inputs: { dy: TensorInfo; x: TensorInfo }; backend: NativeBackend }): TensorInfo {
  const { dy, x } = args.inputs;
  return args.backend.executeSingleOutput('Relu6Grad', [attrs(args.backend).type('T', x.dtype)], [dy, x]);
}

export const relu6GradConfig: KernelConfig = {
  kernelName: RELU6_GRAD,
  backendName: TENSORFLOW,
  kernelFunc: relu6Grad as unknown as KernelFunc,
};

export const relu6Gradient: GradConfig = {
  kernelName: 'Relu6',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [Tensor];
    const d = dy as Tensor;
    return {
      x: () => getKernel(RELU6_GRAD, getBackend()) !== undefined
        ? (engine().runKernel(RELU6_GRAD, { dy: d, x }, {}) as Tensor)
        : mul(d, cast(logicalAnd(greater(x, 0), less(x, 6)), 'float32')),
    };
  },
};
