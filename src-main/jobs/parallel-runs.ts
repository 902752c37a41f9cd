// How many runs of an experiment train at once (`--parallel-runs N`). Runs of a small model leave a GPU
// mostly idle — each step waits on its loss read-back — so several of them can share it; each run's
// numbers are the same as alone (its own network, data order and seed). Only on webgpu: on the CPU
// backends every run already uses every core, and native TensorFlow's ops block the one JavaScript
// thread, so runs would only take turns. The default on a real GPU comes from the model's size.
import { ValidationError } from '../../src-shared/errors.ts';
import { analyseCost } from '../engine/analysis/cost.ts';
import type { BackendInfo } from '../engine/backend/select-backend.ts';
import type { PreparedExperiment } from './experiment-prepare.ts';

export const MAX_PARALLEL_RUNS = 8;

/**
 * GPU memory the default counts on: WebGPU does not say how much a device has, and every discrete GPU
 * researchers train on has more than this free. A larger --parallel-runs is the user's call.
 */
export const GPU_MEMORY_BUDGET = 4 * 2 ** 30;

/** The default's ceiling: beyond this the one JavaScript thread that feeds every run becomes the limit. */
const DEFAULT_CEILING = 4;

/**
 * A run's GPU memory, roughly: weights, gradients, momentum and a copy (4 × params), and for each image of
 * the largest batch its activations three times over (kept for the backward pass, their gradients, and the
 * batch-norm and ReLU intermediates), in float32.
 */
export function runMemoryBytes(prepared: PreparedExperiment): number {
  const cost = analyseCost(prepared.base);
  const activations = cost.layers.reduce((sum, l) => sum + l.outShape.reduce((a, b) => a * b, 1), 0);
  const seed = prepared.spec.seeds[0]!;
  const batch = Math.max(...(['baseline', ...prepared.spec.regimes] as const).map((r) => prepared.configFor(r, seed).batchSize));
  return 4 * (4 * cost.totals.params + 3 * batch * activations);
}

/** ", 2 runs at once" for a status line, or nothing when runs train one after another. */
export function parallelRunsNote(parallelRuns: number | undefined): string {
  return (parallelRuns ?? 1) > 1 ? `, ${parallelRuns} runs at once` : '';
}

export function resolveParallelRuns(asked: number | undefined, backend: BackendInfo, prepared: PreparedExperiment): number {
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 1 || asked > MAX_PARALLEL_RUNS)) {
    throw new ValidationError(`--parallel-runs: expected an integer from 1 to ${MAX_PARALLEL_RUNS}, got ${asked}`);
  }
  if (asked !== undefined && asked > 1) {
    if (backend.name !== 'webgpu') {
      throw new ValidationError(
        `--parallel-runs ${asked}: runs share a GPU only on the webgpu backend, and this experiment trains on ${backend.name} ` +
          '(on the CPU every run already uses every core; native TensorFlow runs would only take turns): drop --parallel-runs or use --backend webgpu',
      );
    }
    if (backend.local) {
      throw new ValidationError(`--parallel-runs ${asked}: the desktop app's GPU window trains one run of a job at a time; drop --parallel-runs`);
    }
    return asked;
  }
  if (asked === 1 || backend.name !== 'webgpu' || !backend.gpu || backend.local) return 1;
  return Math.max(1, Math.min(DEFAULT_CEILING, Math.floor(GPU_MEMORY_BUDGET / runMemoryBytes(prepared))));
}
