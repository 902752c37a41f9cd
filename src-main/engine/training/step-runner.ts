// Runs training steps on one thread or, data-parallel, on several: the batch is split into shards,
// each thread computes its shard's gradients, and the averaged gradient updates every replica alike.
import { currentBackend } from '../backend/select-backend.ts';
import type { Model } from '../models/model.ts';
import type { Sgd } from './sgd.ts';
import { evalBatch, trainStep } from './step.ts';

export interface StepResult {
  /** Mean loss over the batch. */
  loss: number;
  /** Correct predictions in the batch. */
  hits: number;
}

export interface StepRunner {
  readonly threads: number;
  /** `noise` keys the step's random draws (dropout masks), so a resumed run draws what it would have. */
  step(x: Float32Array, y: Int32Array, n: number, lr: number, noise?: string): Promise<StepResult>;
  /** Eval-mode loss (summed) and correct predictions (and top-5 ones, asked) of a test batch, with the current weights. */
  evaluate(x: Float32Array, y: Int32Array, n: number, top5?: boolean): Promise<{ lossSum: number; hits: number; hits5?: number }>;
  /** After the model's weights were changed outside a step (a method's epoch hook): make every thread use them. */
  syncWeights(): Promise<void>;
  /**
   * Where the network trains elsewhere (remote-step-runner.ts): bring its weights and momentum into the
   * caller's Model and Sgd, which checkpoints and epoch hooks read. Absent where steps update those directly.
   */
  pull?(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Native TensorFlow parallelises inside each op and a GPU runs the whole batch: only the single-threaded
 * CPU backends (wasm, cpu) get data-parallel workers.
 */
export async function createStepRunner(model: Model, sgd: Sgd, opts: { threads: number }): Promise<StepRunner> {
  const name = currentBackend()?.name;
  if (opts.threads <= 1 || name === 'tensorflow' || name === 'webgpu') return singleThreadRunner(model, sgd);
  const { createParallelRunner } = await import('./parallel-runner.ts');
  return createParallelRunner(model, sgd, opts.threads);
}

function singleThreadRunner(model: Model, sgd: Sgd): StepRunner {
  const params = model.trainable();
  return {
    threads: 1,
    async step(x, y, n, lr, noise) {
      return trainStep(model, sgd, params, x, y, n, lr, noise);
    },
    async evaluate(x, y, n, top5) {
      return evalBatch(model, x, y, n, top5);
    },
    async syncWeights() {},
    async dispose() {},
  };
}
