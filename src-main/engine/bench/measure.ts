// Throughput of one model on the current backend: training images/s (forward + backward + SGD update,
// through the same step runner as `pwb train`) and inference images/s (eval-mode forward). Inputs and
// labels are random but fixed by the seed; only time is measured. Each figure is the median over
// `windows` timed windows of `timedSteps` steps, after `warmupSteps` untimed steps (kernel set-up,
// XNNPACK caches, first-call allocations).
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { Model } from '../models/model.ts';
import { Rng } from '../random.ts';
import * as tf from '../tf.ts';
import { Sgd } from '../training/sgd.ts';
import { createStepRunner } from '../training/step-runner.ts';

export interface MeasureOptions {
  batchSize: number;
  warmupSteps: number;
  /** Steps (training) or forward passes (inference) per timed window. */
  timedSteps: number;
  /** Timed windows; the median is reported. Default 3. */
  windows?: number;
  seed: number;
}

export interface Throughput {
  /** Median over the windows. */
  imagesPerSec: number;
  /** Images/s of each window, in order. */
  windows: number[];
}

/** SGD as the issue fixes it: momentum 0.9, Nesterov, lr 0.1, no weight decay. */
const LR = 0.1;

export async function measureTraining(spec: ArchSpec, opts: MeasureOptions & { threads: number }): Promise<Throughput> {
  check(opts);
  const { x, y } = randomBatch(spec, opts.batchSize, opts.seed);
  const model = Model.create(spec, Rng.fromSeed(opts.seed, 'init'));
  const sgd = new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 0 });
  try {
    const runner = await createStepRunner(model, sgd, { threads: opts.threads });
    try {
      return await timeWindows(opts, async () => {
        await runner.step(x, y, opts.batchSize, LR);
      });
    } finally {
      await runner.dispose();
    }
  } finally {
    sgd.dispose();
    model.dispose();
  }
}

/** Training steps (batch 64, random data) for about `seconds` after one warm-up step: a quick health probe. */
export async function probeTraining(spec: ArchSpec, opts: { seconds: number; threads: number }): Promise<{ imagesPerSec: number; steps: number; seconds: number }> {
  const batchSize = 64;
  const { x, y } = randomBatch(spec, batchSize, 1);
  const model = Model.create(spec, Rng.fromSeed(1, 'init'));
  const sgd = new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 0 });
  try {
    const runner = await createStepRunner(model, sgd, { threads: opts.threads });
    try {
      await runner.step(x, y, batchSize, LR);
      const t0 = performance.now();
      let steps = 0;
      do {
        await runner.step(x, y, batchSize, LR);
        steps++;
      } while (performance.now() - t0 < opts.seconds * 1000);
      const seconds = (performance.now() - t0) / 1000;
      return { imagesPerSec: (steps * batchSize) / seconds, steps, seconds };
    } finally {
      await runner.dispose();
    }
  } finally {
    sgd.dispose();
    model.dispose();
  }
}

export async function measureInference(spec: ArchSpec, opts: MeasureOptions): Promise<Throughput> {
  check(opts);
  const { x: data } = randomBatch(spec, opts.batchSize, opts.seed);
  const model = Model.create(spec, Rng.fromSeed(opts.seed, 'init'));
  const x = tf.tensor4d(data, [opts.batchSize, ...spec.input]);
  try {
    return await timeWindows(opts, async () => {
      const logits = tf.tidy(() => model.forward(x, false).logits);
      await logits.data();
      logits.dispose();
    });
  } finally {
    x.dispose();
    model.dispose();
  }
}

function check(opts: MeasureOptions): void {
  for (const key of ['batchSize', 'timedSteps', 'windows'] as const) {
    const v = opts[key] ?? 1;
    if (!Number.isInteger(v) || v < 1) throw new ValidationError(`bench: '${key}' must be a positive integer (got ${v})`);
  }
  if (!Number.isInteger(opts.warmupSteps) || opts.warmupSteps < 0) {
    throw new ValidationError(`bench: 'warmupSteps' must be a non-negative integer (got ${opts.warmupSteps})`);
  }
}

async function timeWindows(opts: MeasureOptions, step: () => Promise<void>): Promise<Throughput> {
  for (let i = 0; i < opts.warmupSteps; i++) await step();
  const rates: number[] = [];
  for (let w = 0; w < (opts.windows ?? 3); w++) {
    const t0 = performance.now();
    for (let i = 0; i < opts.timedSteps; i++) await step();
    const seconds = (performance.now() - t0) / 1000;
    rates.push((opts.batchSize * opts.timedSteps) / seconds);
  }
  return { imagesPerSec: median(rates), windows: rates };
}

/** Standard-normal images [n, h, w, c] and uniform labels, fixed by the seed. */
function randomBatch(spec: ArchSpec, n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const rng = Rng.fromSeed(seed, 'bench-data');
  const [h, w, c] = spec.input;
  const x = new Float32Array(n * h * w * c);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = rng.int(spec.classes);
  return { x, y };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
