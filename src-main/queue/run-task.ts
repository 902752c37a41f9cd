// A queued run as it travels through Redis: everything a worker needs to train it besides the files it
// fetches from the coordinator (the starting weights, the last checkpoint). Closures of the local path
// (RunExtras) become data: whether the method's training hooks apply, the plan whose masks apply.
import { z } from 'zod';
import { ArchSpecSchema } from '../../src-shared/arch-spec.ts';
import { PruningPlanSchema } from '../../src-shared/pruning.ts';
import { TrainConfigSchema } from '../../src-shared/train-config.ts';

export const RUN_QUEUE = 'pwb-runs';

export const RunTaskSchema = z.strictObject({
  format: z.literal(1),
  /** The coordinator's base URL (its worker endpoint), e.g. http://127.0.0.1:40123. */
  coordinator: z.string().url(),
  experimentId: z.number().int().positive(),
  run: z.strictObject({ id: z.number().int().positive(), createdAt: z.string() }),
  /** How the run is named in progress lines, e.g. "baseline seed 1". */
  label: z.string(),
  arch: ArchSpecSchema,
  config: TrainConfigSchema,
  /** The dataset id as the experiment names it, and its checksum where the coordinator has one (a worker refuses other data). */
  dataset: z.strictObject({ id: z.string(), checksum: z.string().nullable() }),
  method: z.strictObject({ id: z.string(), params: z.record(z.string(), z.unknown()) }),
  /** The method's training hooks apply (the baseline). */
  methodTraining: z.boolean(),
  /** The plan whose masks the run trains under (unstructured pruning). */
  maskPlan: PruningPlanSchema.nullable(),
  /** The coordinator holds `initial.ckpt`, the weights the run starts from. */
  initialWeights: z.boolean(),
  asTrained: z.boolean(),
});

export type RunTask = z.infer<typeof RunTaskSchema>;

/** The files a run's folder holds that travel between coordinator and workers. */
export const RUN_FILES = ['initial.ckpt', 'last.ckpt', 'best.ckpt'] as const;
export type RunFile = (typeof RUN_FILES)[number];
export const INITIAL_CHECKPOINT: RunFile = 'initial.ckpt';

/** The job id of a run: one job per run and coordinator database, so enqueuing again after a restart adds nothing. */
export function runJobId(coordinatorKey: string, runId: number): string {
  return `${coordinatorKey}-run-${runId}`;
}

/** The Redis key whose presence asks the worker holding job `jobId` to stop it (a cancel). */
export function cancelKey(jobId: string): string {
  return `pwb:cancel:${jobId}`;
}
