// Rows of the workbench database as the other layers see them: camelCase, JSON columns parsed,
// timestamps as ISO-8601 strings (UTC). The store parses every row it returns through these, and
// every input it writes through the `New…` schemas, so a bad value is caught at the boundary.
import { z } from 'zod';
import { ArchSpecSchema } from './arch-spec.ts';

const rowId = z.number().int().positive();
const isoTime = z.iso.datetime();
/** A JSON object stored as text; its own schema is applied by the layer that owns it. */
const jsonObject = z.record(z.string(), z.unknown());
/** Accuracy is a fraction of examples, in [0, 1] (not a percentage). */
const accuracy = z.number().min(0).max(1);
/** Losses are null when training diverged (NaN / ±Infinity are stored as null). */
const loss = z.number().nullable();

// 'round': one intermediate round of iterative pruning (ExperimentSpec.pruningRounds).
export const RunRegimeSchema = z.enum(['baseline', 'finetune', 'scratch-e', 'scratch-b', 'train', 'lottery', 'reduced', 'round']);
export type RunRegime = z.infer<typeof RunRegimeSchema>;

export const RunStatusSchema = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatusSchema>;

/** The statuses a run can finish in. */
export const FinalRunStatusSchema = z.enum(['completed', 'failed', 'cancelled']);
export type FinalRunStatus = z.infer<typeof FinalRunStatusSchema>;

export const RunSchema = z.strictObject({
  id: rowId,
  experimentId: rowId.nullable(),
  /** The run whose result this one starts from (baseline → finetune), or that it was pruned from. */
  parentRunId: rowId.nullable(),
  regime: RunRegimeSchema,
  seed: z.number().int(),
  /** The learning rate of the chain the run belongs to in an experiment with several (spec.learningRates); null: it has one. */
  chainLr: z.number().positive().nullable().default(null),
  archSpecId: rowId,
  /** Stable snake_case variant id (e.g. `vgg16`) when the spec came from the registry, else null. */
  archId: z.string().nullable(),
  datasetId: z.string().min(1),
  /** Where the data came from (a folder, a URL, 'embedded'); null when the dataset's default. */
  datasetSource: z.string().nullable(),
  /** The training configuration (TrainConfig when written by the current code). */
  config: jsonObject,
  status: RunStatusSchema,
  backend: z.string().nullable(),
  backendReason: z.string().nullable(),
  epochsPlanned: z.number().int().nonnegative(),
  /** Equals the last recorded epoch (epochs are 1-based). */
  epochsDone: z.number().int().nonnegative(),
  /** Metrics of the last recorded epoch (test: of the last epoch that was evaluated). */
  trainLoss: loss,
  trainAcc: accuracy.nullable(),
  testLoss: loss,
  testAcc: accuracy.nullable(),
  /** Test accuracy at the best epoch: chosen by held-out accuracy where the run held some out, else by test accuracy. */
  bestTestAcc: accuracy.nullable(),
  bestEpoch: z.number().int().positive().nullable(),
  /** Held-out accuracy at the best epoch (TrainConfig.valSplit); null where the test set chose it. */
  bestValAcc: accuracy.nullable().default(null),
  /** Top-5 test accuracy at the last evaluated epoch and at the best one, where the dataset reports it (ImageNet protocol). */
  testTop5: accuracy.nullable().default(null),
  bestTestTop5: accuracy.nullable().default(null),
  params: z.number().int().nonnegative().nullable(),
  flops: z.number().int().nonnegative().nullable(),
  /** Mean training throughput over the recorded epochs. */
  imagesPerSec: z.number().nonnegative().nullable(),
  checkpointDir: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: isoTime,
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
  heartbeatAt: isoTime.nullable(),
});
export type Run = z.infer<typeof RunSchema>;

/** What a caller supplies to create a run; the rest starts empty and is filled as it trains. */
export const NewRunSchema = z.strictObject({
  experimentId: rowId.nullable().default(null),
  parentRunId: rowId.nullable().default(null),
  regime: RunRegimeSchema,
  seed: z.number().int(),
  chainLr: z.number().positive().nullable().default(null),
  archSpecId: rowId,
  archId: z.string().nullable().default(null),
  datasetId: z.string().min(1),
  datasetSource: z.string().nullable().default(null),
  config: jsonObject,
  epochsPlanned: z.number().int().nonnegative(),
  checkpointDir: z.string().nullable().default(null),
  /**
   * Effective params and FLOPs when they differ from the arch spec's dense counts (unstructured pruning
   * counts only the kept weights, as the reference does); null = the arch spec's.
   */
  params: z.number().int().nonnegative().nullable().default(null),
  flops: z.number().int().nonnegative().nullable().default(null),
});
export type NewRun = z.input<typeof NewRunSchema>;

export const EpochMetricSchema = z.strictObject({
  runId: rowId,
  /** 1-based: epoch N is the Nth completed epoch. */
  epoch: z.number().int().positive(),
  trainLoss: loss,
  trainAcc: accuracy,
  /** Null for an epoch that was not evaluated on the test set. */
  testLoss: loss,
  testAcc: accuracy.nullable(),
  /** Top-5 test accuracy where the dataset reports it (the ImageNet protocol); else null. */
  testTop5: accuracy.nullable(),
  lr: z.number().nonnegative(),
  imagesPerSec: z.number().nonnegative().nullable(),
  /** Wall-clock seconds the epoch took (training and evaluation). */
  wallS: z.number().nonnegative(),
  /** On the held-out part of the training split (TrainConfig.valSplit); null without one. */
  valLoss: loss,
  valAcc: accuracy.nullable(),
});
export type EpochMetric = z.infer<typeof EpochMetricSchema>;

export const NewEpochMetricSchema = EpochMetricSchema.omit({ runId: true }).extend({
  testLoss: loss.default(null),
  testAcc: accuracy.nullable().default(null),
  testTop5: accuracy.nullable().default(null),
  imagesPerSec: z.number().nonnegative().nullable().default(null),
  valLoss: loss.default(null),
  valAcc: accuracy.nullable().default(null),
});
export type NewEpochMetric = z.input<typeof NewEpochMetricSchema>;

export const ExperimentStatusSchema = z.enum(['draft', 'queued', 'running', 'completed', 'failed', 'cancelled']);
export type ExperimentStatus = z.infer<typeof ExperimentStatusSchema>;

export const ExperimentSchema = z.strictObject({
  id: rowId,
  name: z.string().min(1),
  /** The ExperimentSpec as submitted; parsed by the layer that owns its schema. */
  spec: jsonObject,
  status: ExperimentStatusSchema,
  tags: z.array(z.string().min(1)),
  notes: z.string(),
  /** Hidden experiments are kept (their runs are history) but left out of default listings. */
  hidden: z.boolean(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type Experiment = z.infer<typeof ExperimentSchema>;

export const NewExperimentSchema = z.strictObject({
  name: z.string().min(1),
  spec: jsonObject,
  status: ExperimentStatusSchema.default('draft'),
  tags: z.array(z.string().min(1)).default([]),
  notes: z.string().default(''),
});
export type NewExperiment = z.input<typeof NewExperimentSchema>;

export const ExperimentPatchSchema = z.strictObject({
  name: z.string().min(1).optional(),
  spec: jsonObject.optional(),
  status: ExperimentStatusSchema.optional(),
  tags: z.array(z.string().min(1)).optional(),
  notes: z.string().optional(),
  hidden: z.boolean().optional(),
});
export type ExperimentPatch = z.infer<typeof ExperimentPatchSchema>;

/** Known artifact kinds; adding one is a change here only (the column has no CHECK). */
export const ArtifactKindSchema = z.enum(['checkpoint_last', 'checkpoint_best', 'plan', 'csv']);
export type ArtifactKind = z.infer<typeof ArtifactKindSchema>;

export const ArtifactSchema = z.strictObject({
  id: rowId,
  runId: rowId,
  kind: ArtifactKindSchema,
  /** A file or folder (a tfjs checkpoint is a folder); one row per (run, path). */
  path: z.string().min(1),
  /** Size and hash of a single file; null for a folder. */
  bytes: z.number().int().nonnegative().nullable(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  createdAt: isoTime,
});
export type Artifact = z.infer<typeof ArtifactSchema>;

export const NewArtifactSchema = ArtifactSchema.omit({ id: true, createdAt: true }).extend({
  bytes: z.number().int().nonnegative().nullable().default(null),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable().default(null),
});
export type NewArtifact = z.input<typeof NewArtifactSchema>;

/** A stored ArchSpec, deduplicated by `hash` (sha256 of its canonical JSON). */
export const ArchSpecRecordSchema = z.strictObject({
  id: rowId,
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  spec: ArchSpecSchema,
  params: z.number().int().nonnegative(),
  flops: z.number().int().nonnegative(),
  createdAt: isoTime,
});
export type ArchSpecRecord = z.infer<typeof ArchSpecRecordSchema>;
