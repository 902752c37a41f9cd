// The benchmark's networks, as the issue fixes them (training batch 64, inference batch 256):
//   bench_cnn — input 32×32×3; three stages of conv 3×3 (16, 32, 64 filters, no bias) → BN → ReLU →
//               2×2 max-pool; global average pool; dense 10. A VGG-family spec: cfg [16, M, 32, M, 64, M].
//   resnet20  — CIFAR ResNet-20 (option-A shortcuts), the `resnet20` variant.
//   vgg16     — CIFAR VGG-16 with the L1-norm head (avg-pool → 512 → BN1d → ReLU → 10), the `vgg16` variant.
// torch_bench.py builds the same three in PyTorch under the same ids.
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { NotFoundError } from '../../../src-shared/errors.ts';
import { resolveArch } from '../models/register-all.ts';

export const benchModelIds = ['bench_cnn', 'resnet20', 'vgg16'] as const;
export type BenchModelId = (typeof benchModelIds)[number];

export const TRAIN_BATCH_SIZE = 64;
export const INFER_BATCH_SIZE = 256;

export interface BenchModel {
  id: BenchModelId;
  spec: ArchSpec;
  /** Default warm-up and timed steps per window: a few seconds a window on one 2020s CPU core. */
  warmupSteps: number;
  timedSteps: number;
}

const benchCnn: ArchSpec = {
  family: 'vgg',
  id: 'bench_cnn',
  input: [32, 32, 3],
  classes: 10,
  cfg: [16, 'M', 32, 'M', 64, 'M'],
  pool: 'global_avg',
  fc: [],
};

const defaults: Record<BenchModelId, { warmupSteps: number; timedSteps: number }> = {
  bench_cnn: { warmupSteps: 3, timedSteps: 10 },
  resnet20: { warmupSteps: 2, timedSteps: 4 },
  vgg16: { warmupSteps: 1, timedSteps: 1 },
};

/** The benchmark model `id`, its spec validated; an unknown id is a NotFoundError listing the valid ones. */
export function benchModel(id: string): BenchModel {
  if (!(benchModelIds as readonly string[]).includes(id)) {
    throw new NotFoundError(`unknown benchmark model '${id}'; valid: ${benchModelIds.join(', ')}`);
  }
  const key = id as BenchModelId;
  const spec = key === 'bench_cnn' ? resolveArch(structuredClone(benchCnn)) : resolveArch(key);
  return { id: key, spec, ...defaults[key] };
}
