// ExperimentSpec: everything one comparison needs — dataset, architecture, pruning method and its
// parameters, regimes, seeds, schedules and scale. It expands into a DAG of runs: per seed,
// baseline → prune → {finetune, scratch-e, scratch-b}. A preset is a named, versioned ExperimentSpec.
import { z } from 'zod';
import { ArchSpecSchema } from './arch-spec.ts';
import { TrainConfigOverridesSchema } from './train-config.ts';

/**
 * What is trained on the pruned architecture: fine-tuned from the baseline's weights; from scratch for the
 * baseline's epochs (Scratch-E, a fresh random initialisation) or compute (Scratch-B); or 'lottery', from
 * the baseline's own initial values of the kept weights (Frankle & Carbin's winning ticket, Liu et al. §6),
 * for the baseline's epochs — compared with Scratch-E, its random-initialisation twin; or 'reduced', not the
 * pruned architecture but the base narrowed uniformly to its parameter count (Crowley et al.'s reduced
 * network), from scratch with Scratch-B's compute budget.
 */
export const PrunedRegimeSchema = z.enum(['finetune', 'scratch-e', 'scratch-b', 'lottery', 'reduced']);
export type PrunedRegime = z.infer<typeof PrunedRegimeSchema>;

export const ExperimentSpecSchema = z.strictObject({
  /** Schema version of this document. */
  version: z.literal(1),
  name: z.string().min(1).max(200),
  description: z.string().max(10_000).optional(),
  /** Dataset id (see `pwb datasets`) or a folder. */
  dataset: z.string().min(1),
  /** Architecture id (see `pwb arch`) or a full ArchSpec; input and classes come from the dataset. */
  arch: z.union([z.string().regex(/^[a-z0-9_]+$/), ArchSpecSchema]),
  method: z.strictObject({
    id: z.string().min(1),
    params: z.record(z.string(), z.unknown()).default({}),
  }),
  regimes: z.array(PrunedRegimeSchema).min(1).refine((r) => new Set(r).size === r.length, 'regimes must not repeat'),
  /** One independent chain (baseline → prune → regimes) per seed. */
  seeds: z.array(z.number().int().min(0).max(2 ** 31 - 1)).min(1).refine((s) => new Set(s).size === s.length, 'seeds must not repeat'),
  /** Training of the large model; Scratch-E and Scratch-B use the same settings (Scratch-B stretches the epochs). */
  baseline: TrainConfigOverridesSchema.default({}),
  /**
   * A checkpoint the large model starts from instead of a fresh initialisation — an already trained model,
   * e.g. the weights.ckpt `pwb import-model` writes — which the baseline then trains for `baseline.epochs`
   * more on the experiment's data (one epoch at a small lr re-estimates its BN statistics). Its parameters
   * must be the architecture's as the dataset shapes it (input channels, classes). Relative paths resolve
   * against the working directory. The scratch regimes still start from scratch.
   */
  baselineWeights: z.string().min(1).optional(),
  /**
   * With baselineWeights: those weights are the trained large model, used as they are — the baseline run
   * trains no epoch, it evaluates them on the experiment's test set and hands them to pruning and
   * fine-tuning. `baseline` then states the schedule they were trained with (its epochs are what
   * Scratch-E trains, and Scratch-B's budget is computed from them).
   */
  baselineTrained: z.boolean().default(false),
  /** Fine-tuning of the pruned model (reference CIFAR: 40 epochs at a constant lr of 0.001). */
  finetune: TrainConfigOverridesSchema.default({}),
  scratchB: z
    .strictObject({
      /** The ImageNet code's rule: at most capMultiple × the baseline epochs (2); null = no cap (CIFAR). */
      capMultiple: z.number().gt(1).nullable().default(null),
    })
    .default({ capMultiple: null }),
  /** Fraction of the epochs and of the training data (0 < scale ≤ 1); results state it. */
  scale: z.number().gt(0).max(1).default(1),
  /**
   * Percentage points of test accuracy within which scratch and fine-tuned count as equivalent (the
   * verdict's equivalence test, TOST at α = 0.05).
   */
  equivalenceMargin: z.number().gt(0).max(10).default(0.5),
  /**
   * Hold out this fraction of the training split for every run (the same images for all seeds and
   * regimes) and choose each run's best epoch on it, not on the test set (TrainConfig.valSplit). Null:
   * the best epoch is chosen on the test set, as the reference code does. Either way the table's
   * accuracies are the last epoch's on the test set.
   */
  valSplit: z.number().gt(0).max(0.5).nullable().default(null),
  /**
   * Methods that regularise the large model while it trains (network slimming's L1 on BN γ): also train,
   * per seed, the unpruned network without that regulariser — the normally trained network to compare
   * with, stored as the seed's 'train' run. Its weights are not pruned; the chain prunes the
   * regularised baseline, as the method prescribes.
   */
  plainBaseline: z.boolean().default(false),
  /**
   * Iterative pruning (Frankle & Carbin; Liu et al. §6, "iterative"): the method's amount is reached in this
   * many rounds, each removing the same fraction of what the last left (the method's roundParams). Round i < k
   * trains the network under its mask from the baseline's own initial values (rewinding) for the baseline's
   * epochs, a 'round' run, and round i + 1's mask is chosen from its trained weights; the last round's mask is
   * the plan the regimes train (lottery = its rewound ticket, fine-tuned = from the last round's weights).
   * 1: one-shot, from the trained baseline.
   */
  pruningRounds: z.number().int().min(1).max(20).default(1),
  /**
   * Several initial learning rates in one experiment (Liu et al. §6 compare the lottery ticket with random
   * initialisation at 0.1 and at 0.01): every seed's whole chain — baseline, pruning rounds, plan, regimes — runs
   * once per rate, the rate replacing baseline.lr in every run trained with the baseline's settings (the baseline
   * and its plain twin, the rounds, Scratch-E and -B, lottery, reduced); fine-tuning keeps finetune.lr. The
   * table shows every regime at every rate, and compares regimes only within a rate. Null: baseline.lr alone.
   */
  learningRates: z
    .array(z.number().gt(0).max(10))
    .min(2)
    .max(8)
    .refine((l) => new Set(l).size === l.length, 'learningRates must not repeat')
    .nullable()
    .default(null),
});

/** Runs one seed of `spec` trains (at each of its learning rates): the baseline, the plain (unregularised) one if asked, the intermediate pruning rounds, and each pruned regime. */
export function runsPerSeed(spec: Pick<ExperimentSpec, 'regimes' | 'plainBaseline'> & { pruningRounds?: number }): number {
  return 1 + (spec.plainBaseline ? 1 : 0) + ((spec.pruningRounds ?? 1) - 1) + spec.regimes.length;
}

/** The learning rates the chains run at (spec.learningRates), or [null]: one chain per seed at baseline.lr. */
export function chainRates(spec: { learningRates?: readonly number[] | null }): Array<number | null> {
  return spec.learningRates?.length ? [...spec.learningRates] : [null];
}

/** Runs the whole experiment trains: per seed and learning rate, runsPerSeed. */
export function runsInAll(spec: Pick<ExperimentSpec, 'regimes' | 'plainBaseline' | 'seeds'> & { pruningRounds?: number; learningRates?: readonly number[] | null }): number {
  return spec.seeds.length * chainRates(spec).length * runsPerSeed(spec);
}

export type ExperimentSpec = z.infer<typeof ExperimentSpecSchema>;
export type ExperimentSpecInput = z.input<typeof ExperimentSpecSchema>;

/** The reference's fine-tuning schedule (RNP main_finetune.py): 40 epochs, constant lr 0.001. */
export const referenceFinetune = { epochs: 40, lr: 0.001, schedule: 'constant' } as const;
