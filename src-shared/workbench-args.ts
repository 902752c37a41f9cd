// The zod schemas of every call's arguments, and the generic server-side dispatch. Kept apart from
// workbench-api.ts so the preload (which needs only the names) bundles no schemas.
import { z } from 'zod';
import { ExperimentSpecSchema } from './experiment-spec.ts';
import { parseOrThrow } from './validate.ts';
import { serializeError, type CallName, type Reply, type WorkbenchApi } from './workbench-api.ts';

const id = z.number().int().positive();

/** What each call accepts; every adapter parses with these before it calls the implementation. */
export const CALL_ARGS = {
  version: z.void(),
  listExperiments: z.strictObject({ includeHidden: z.boolean().optional(), search: z.string().max(200).optional() }).optional(),
  getExperiment: z.strictObject({ id }),
  getRunMetrics: z.strictObject({ runId: id }),
  listPresets: z.void(),
  describeOptions: z.void(),
  estimateCost: z.strictObject({ spec: ExperimentSpecSchema }),
  /** onWorkers: its runs train on the workers of the workbench's queue instead of here. */
  startExperiment: z.strictObject({ spec: ExperimentSpecSchema, onWorkers: z.boolean().optional() }),
  cancelExperiment: z.strictObject({ id }),
  /** onWorkers: as startExperiment's; by default where its runs last trained. */
  resumeExperiment: z.strictObject({ id, onWorkers: z.boolean().optional() }),
  updateExperiment: z.strictObject({
    id,
    name: z.string().min(1).max(200).optional(),
    tags: z.array(z.string().min(1).max(50)).max(50).optional(),
    notes: z.string().max(10000).optional(),
    hidden: z.boolean().optional(),
  }),
  deleteExperiment: z.strictObject({ id }),
  exportCsv: z.strictObject({ id }),
  paperTable: z.strictObject({ ids: z.array(id).max(500).optional() }).optional(),
  diagnoseCompute: z.strictObject({ probe: z.boolean().optional() }).optional(),
  importModel: z.strictObject({
    /** The .onnx file, or a TF.js model.json and its weight files: plain names, contents in base64. */
    files: z.array(z.strictObject({ name: z.string().min(1).max(255), base64: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64') })).min(1).max(64),
  }),
  study: z.strictObject({ ids: z.array(id).min(1).max(200) }),
  measureLatency: z.strictObject({
    ids: z.array(id).min(1).max(200),
    /** The second batch size (batch 1 is always measured). */
    batchSize: z.number().int().min(1).max(4096).optional(),
    repeats: z.number().int().min(3).max(1000).optional(),
  }),
  listWorkers: z.void(),
} as const satisfies Record<CallName, z.ZodType>;

export type CallArgs<N extends CallName> = z.input<(typeof CALL_ARGS)[N]>;

/**
 * The generic server side of every transport: parse the raw args with the call's schema, run
 * the implementation, and wrap the outcome as a Reply. Never throws.
 */
export async function dispatchCall(api: WorkbenchApi, name: CallName, rawArgs: unknown): Promise<Reply<unknown>> {
  try {
    const args = parseOrThrow(CALL_ARGS[name], rawArgs, `${name}: args`);
    const call = api[name] as (args: unknown) => Promise<unknown>;
    return { ok: true, value: await call(args) };
  } catch (e) {
    return { ok: false, error: serializeError(e) };
  }
}

