// The training configuration of one run: defaults in one flat object, overrides validated, unknown
// keys rejected. Defaults are the reference CIFAR baseline (RNP main.py: SGD momentum 0.9 without
// Nesterov, lr 0.1 ×0.1 at 50% and 75% of the epochs, weight decay 1e-4, batch 64, test batch 256, seed 1).
import { z } from 'zod';

export const TrainConfigSchema = z.strictObject({
  epochs: z.number().int().min(1).max(10000),
  batchSize: z.number().int().min(1).max(65536),
  testBatchSize: z.number().int().min(1).max(65536),
  lr: z.number().positive().max(100),
  momentum: z.number().min(0).max(0.9999),
  nesterov: z.boolean(),
  weightDecay: z.number().min(0).max(1),
  /** 'step': lr × gamma at each milestone; 'constant': lr throughout (the reference's fine-tuning). */
  schedule: z.enum(['step', 'constant']),
  /** Milestones as fractions of `epochs`; the lr drops at the start of epoch floor(f·epochs) (0-based). */
  milestones: z.array(z.number().gt(0).lt(1)),
  gamma: z.number().gt(0).max(1),
  seed: z.number().int().min(0).max(2 ** 31 - 1),
  /** Pad-4 random crop + horizontal flip; null = the dataset's default. */
  augment: z.boolean().nullable(),
  /** Use only the first N examples of a fixed stratified subset of the training split (null = all). */
  trainLimit: z.number().int().min(1).nullable(),
  /** Evaluate on at most N test examples (null = all). */
  testLimit: z.number().int().min(1).nullable(),
  /**
   * Hold out this fraction of the training split (stratified, the same images for every seed) and choose
   * the best epoch on it instead of on the test set (null: on the test set, as the reference code does).
   * Accuracies are still measured on the test set.
   */
  valSplit: z.number().gt(0).max(0.5).nullable().default(null),
});

export type TrainConfig = z.infer<typeof TrainConfigSchema>;

export const defaultTrainConfig: TrainConfig = {
  epochs: 160,
  batchSize: 64,
  testBatchSize: 256,
  lr: 0.1,
  momentum: 0.9,
  nesterov: false,
  weightDecay: 1e-4,
  schedule: 'step',
  milestones: [0.5, 0.75],
  gamma: 0.1,
  seed: 1,
  augment: null,
  trainLimit: null,
  testLimit: null,
  valSplit: null,
};

/** Partial overrides, validated key by key (unknown keys rejected). */
export const TrainConfigOverridesSchema = TrainConfigSchema.partial();
export type TrainConfigOverrides = z.infer<typeof TrainConfigOverridesSchema>;
