// Runs one training Run end to end against the store: validate everything first (so bad input writes
// nothing), create the run row, train with per-epoch metrics recorded as they finish, and leave the
// last checkpoint behind so an interrupted run (crash, kill, cancel) resumes without losing an epoch.
import { existsSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { ArchSpec } from '../../src-shared/arch-spec.ts';
import { BackendError, CancelledError, ValidationError } from '../../src-shared/errors.ts';
import type { Run, RunRegime } from '../../src-shared/store-schemas.ts';
import { defaultTrainConfig, TrainConfigSchema, type TrainConfig, type TrainConfigOverrides } from '../../src-shared/train-config.ts';
import { parseOrThrow } from '../../src-shared/validate.ts';
import { analyseCost } from '../engine/analysis/cost.ts';
import { backendChoices, selectBackend, type BackendChoice, type BackendInfo } from '../engine/backend/select-backend.ts';
import { takeRemoteEngine } from '../engine/backend/remote-webgpu.ts';
import type { Dataset } from '../engine/datasets/dataset.ts';
import { openDataset } from '../engine/datasets/registry.ts';
import { Model } from '../engine/models/model.ts';
import { resolveArch, withData } from '../engine/models/register-all.ts';
import { initialWeights } from '../engine/models/build.ts';
import { readCheckpoint, repairBestCheckpoint, requireFinite, type Checkpoint, type CheckpointOwner, type EpochResult } from '../engine/training/checkpoint.ts';
import { evaluateAsTrained } from '../engine/training/as-trained.ts';
import { BEST_CHECKPOINT, LAST_CHECKPOINT, train, type BatchProgress, type TrainOptions } from '../engine/training/train.ts';
import type { Db } from '../store/db.ts';
import { canonicalJson, getArchSpec, putArchSpec } from '../store/arch-specs.ts';
import { createRun, getRun, setRunCheckpointDir } from '../store/runs.ts';
import { storageFailure } from '../store/storage-failure.ts';
import { checkpointDirFor } from './job-dirs.ts';
import { storeRecorder, type RunRecorder } from './run-recorder.ts';
import { acquireRunLock } from './run-lock.ts';

export interface TrainRequest {
  /** A registered architecture id or an ArchSpec object. */
  arch: string | unknown;
  dataset: string;
  config?: TrainConfigOverrides;
  backend?: BackendChoice;
  /** Data-parallel threads on wasm/cpu (default: every core). */
  threads?: number;
  regime?: RunRegime;
  experimentId?: number | null;
  parentRunId?: number | null;
  /** The learning rate of the experiment chain the run belongs to (spec.learningRates), or null. */
  chainLr?: number | null;
  /** Params and FLOPs to record instead of the architecture's dense counts (unstructured pruning). */
  effectiveCost?: { params: number; flops: number };
  /** The run trains no epoch (RunExtras.asTrained): 0 epochs planned. */
  asTrained?: boolean;
}

export interface PreparedRun {
  spec: ArchSpec;
  dataset: Dataset;
  config: TrainConfig;
  backend: BackendInfo;
  threads: number;
}

export interface RunHooks {
  onBatch?: (p: BatchProgress) => void;
  onEpoch?: (m: EpochResult, info: { numTensors: number }) => void;
  onBackend?: (b: BackendInfo) => void;
  signal?: AbortSignal;
  /** The command that resumes this job, for messages (default: the run's own `pwb resume --run N`). */
  resumeCommand?: string;
}

/** What a run inherits from its experiment: starting weights (fine-tuning), a regulariser or proximal rule, masks. */
export interface RunExtras {
  /** Weights to start from when the run has no checkpoint yet (else a fresh He initialisation). */
  initialWeights?: () => Map<string, Float32Array>;
  regularizer?: TrainOptions['regularizer'];
  masks?: TrainOptions['masks'];
  afterEpoch?: TrainOptions['afterEpoch'];
  proximal?: TrainOptions['proximal'];
  /** Train nothing: evaluate the starting weights and keep them as the run's result (an imported model used as trained). */
  asTrained?: boolean;
}

/** Validates a request completely — config, architecture, dataset, backend — without writing anything. */
export async function prepareTrainRun(req: TrainRequest): Promise<PreparedRun> {
  const config = parseOrThrow(TrainConfigSchema, { ...defaultTrainConfig, ...req.config }, 'training config');
  const archSpec = resolveArch(req.arch);
  const dataset = await openDataset(req.dataset);
  const spec = withData(archSpec, dataset.inputShape, dataset.classNames.length);
  analyseCost(spec); // throws a ValidationError naming the layer if the input is too small for the network
  const backend = await selectBackend(req.backend ?? 'auto', { threads: req.threads });
  return { spec, dataset, config, backend, threads: resolveThreads(req.threads, backend, config.batchSize) };
}

export { checkpointDirFor } from './job-dirs.ts';

export function createTrainRun(db: Db, dbPath: string, req: TrainRequest, prepared: PreparedRun): Run {
  const { spec, config } = prepared;
  const cost = analyseCost(spec).totals;
  const archSpecId = putArchSpec(db, spec, { params: cost.params, flops: cost.flops });
  const run = createRun(db, {
    experimentId: req.experimentId ?? null,
    parentRunId: req.parentRunId ?? null,
    regime: req.regime ?? 'train',
    seed: config.seed,
    chainLr: req.chainLr ?? null,
    archSpecId,
    archId: typeof req.arch === 'string' ? req.arch : (spec.id ?? null),
    datasetId: req.dataset,
    datasetSource: prepared.dataset.source,
    config,
    epochsPlanned: req.asTrained ? 0 : config.epochs,
    params: req.effectiveCost?.params ?? null,
    flops: req.effectiveCost?.flops ?? null,
  });
  const dir = checkpointDirFor(dbPath, run.id);
  // A folder already there belongs to no run of this database (left by a deleted database of the
  // same name): never resume from it.
  rmSync(dir, { recursive: true, force: true });
  setRunCheckpointDir(db, run.id, dir);
  return getRun(db, run.id);
}

/**
 * Trains (or continues) a run. Resumes from the run's last checkpoint when one exists; finished
 * epochs are re-recorded from the checkpoint's history (idempotent), so none is lost or duplicated.
 */
export async function executeRun(db: Db, runId: number, prepared: PreparedRun, hooks: RunHooks = {}, extras: RunExtras = {}): Promise<Run> {
  const run = getRun(db, runId);
  if (run.status === 'completed') throw new ValidationError(`run ${runId} is already completed`);
  const dir = run.checkpointDir ?? checkpointDirFor(db.name, runId);
  await trainInto(run, dir, prepared, storeRecorder(db, runId), { ...hooks, storagePath: db.name }, extras);
  return getRun(db, runId);
}

/**
 * The training of `run` into the folder `dir`, its progress told to `recorder`: the part of a run that
 * also runs on a queue worker (src-main/queue/worker.ts), where the recorder reports to the coordinator.
 */
export async function trainInto(
  run: RunIdentity, dir: string, prepared: PreparedRun, recorder: RunRecorder, hooks: RunHooks & { storagePath: string }, extras: RunExtras = {},
): Promise<void> {
  const runId = run.id;
  const { spec, dataset, config, backend } = prepared;
  hooks.onBackend?.(backend);
  const releaseLock = acquireRunLock(dir, runId);
  const lastPath = join(dir, LAST_CHECKPOINT);
  let resumeFrom: ReturnType<typeof readCheckpoint> | undefined;
  let engine: ReturnType<typeof takeRemoteEngine> | null = null;
  try {
    const staysHere = extras.regularizer !== undefined || extras.proximal !== undefined || extras.asTrained === true;
    engine = backend.local && !staysHere ? takeRemoteEngine() : null;
    resumeFrom = existsSync(lastPath) ? readCheckpoint(lastPath) : undefined;
    if (resumeFrom) {
      checkCheckpointIsTheRuns(run, recorder.recordedEpochs(), lastPath, resumeFrom, spec, config);
      repairBestCheckpoint(join(dir, BEST_CHECKPOINT), resumeFrom);
    }
  } catch (e) {
    engine?.release();
    releaseLock();
    throw e;
  }
  let lastBeat = Date.now();
  const model = resumeFrom
    ? Model.fromWeights(spec, resumeFrom.weights)
    : extras.initialWeights
      ? Model.fromWeights(spec, extras.initialWeights())
      : Model.fromWeights(spec, initialWeights(spec, config.seed));
  // On the app's GPU window the network trains there, unless the method's own gradient term or update
  // rule (code) must run beside the loop: that run trains on the local backend, and says so.
  const trainedOn = backend.local && !engine ? backend.local : backend;
  const localNote = backend.local && !engine && !extras.asTrained
    ? `; not in the app's GPU window: this method's own gradient term or update rule runs only beside the training loop` : '';
  // Native TensorFlow's reason already names its intra-op threads, WebGPU's its adapter; wasm/cpu note their workers.
  const threadNote = trainedOn.nativeThreads !== null || trainedOn.name === 'webgpu' ? '' : prepared.threads > 1 ? `; ${prepared.threads} threads, data-parallel` : '; 1 thread';
  try {
    await recorder.started({ backend: trainedOn.name, backendReason: `${trainedOn.provider}: ${trainedOn.reason}${threadNote}${localNote}` });
    for (const m of resumeFrom?.history ?? []) await recorder.epoch(m);
    if (extras.asTrained) {
      await recorder.evaluation(await evaluateAsTrained({ model, dataset, config, checkpointDir: dir, owner: ownerOf(run) }));
      await recorder.finished('completed');
      return;
    }
    await train({
      model, dataset, config, checkpointDir: dir, resumeFrom, signal: hooks.signal, threads: prepared.threads,
      owner: ownerOf(run), ...(engine ? { remote: engine.port } : {}),
      regularizer: extras.regularizer, masks: extras.masks, afterEpoch: extras.afterEpoch, proximal: extras.proximal,
      onBatch: (p) => {
        if (Date.now() - lastBeat > 10_000) {
          recorder.heartbeat();
          lastBeat = Date.now();
        }
        hooks.onBatch?.(p);
      },
      onEpoch: async (m, info) => {
        await recorder.epoch(m);
        hooks.onEpoch?.(m, info);
      },
    });
    await recorder.finished('completed');
  } catch (e) {
    const cancelled = e instanceof CancelledError;
    const error = storageFailure(e, hooks.storagePath, `resume with \`${hooks.resumeCommand ?? `pwb resume --run ${runId}`}\``) ?? e;
    try {
      await recorder.finished(cancelled ? 'cancelled' : 'failed', (error as Error).message);
    } catch {
      // The disk that failed the run can fail this write too: the run then shows as interrupted at the
      // next open (its lock is released below, so no live process owns it), and the cause is reported.
    }
    throw error;
  } finally {
    engine?.release();
    model.dispose();
    releaseLock();
  }
}

/** What identifies a run to its checkpoints: its id and creation time. */
export type RunIdentity = Pick<Run, 'id' | 'createdAt'>;

function ownerOf(run: RunIdentity): CheckpointOwner {
  return { runId: run.id, createdAt: run.createdAt };
}

/**
 * Refuses (before anything is written) a last.ckpt that is not this run's own latest state: another
 * run's file (owner, or for first-format files the config and seed, differ), another architecture, or an
 * older file than the epochs the database already holds (resuming from it would drop those epochs).
 */
function checkCheckpointIsTheRuns(run: RunIdentity, recorded: number, path: string, ckpt: Checkpoint, spec: ArchSpec, config: TrainConfig): void {
  const refuse = (what: string): never => {
    throw new ValidationError(`run ${run.id}: checkpoint ${path} ${what}; nothing was changed. Remove or replace that file, then resume again`);
  };
  requireFinite(path, ckpt);
  const owner = ownerOf(run);
  if (ckpt.owner && (ckpt.owner.runId !== owner.runId || ckpt.owner.createdAt !== owner.createdAt)) {
    refuse(`belongs to another run (run ${ckpt.owner.runId}, created ${ckpt.owner.createdAt}), not to this one (created ${owner.createdAt})`);
  }
  if (canonicalJson(ckpt.spec) !== canonicalJson(spec)) refuse('holds a different architecture than the run');
  if (canonicalJson(ckpt.config) !== canonicalJson(config)) {
    refuse(`was trained with another config (seed ${ckpt.config.seed}, ${ckpt.config.epochs} epochs; the run: seed ${config.seed}, ${config.epochs} epochs)`);
  }
  if (recorded > ckpt.epochsDone) {
    refuse(`holds ${ckpt.epochsDone} finished epoch${ckpt.epochsDone === 1 ? '' : 's'} but the database already has ${recorded}: it is older than the run (restored from a backup?), and resuming from it would drop epochs ${ckpt.epochsDone + 1}–${recorded}`);
  }
}

/** Re-validates a stored run (its stored ArchSpec, dataset and config) before continuing it. */
export async function prepareResume(db: Db, runId: number, backend: BackendChoice = 'auto', threads?: number): Promise<PreparedRun> {
  const run = getRun(db, runId);
  if (run.status === 'completed') throw new ValidationError(`run ${runId} is already completed; nothing to resume`);
  const config = parseOrThrow(TrainConfigSchema, run.config, `run ${runId} config`);
  const dataset = await openDataset(run.datasetId);
  const spec = getArchSpec(db, run.archSpecId).spec;
  // 'auto' resumes on the backend the run trained on: backends round differently, so only the same
  // one continues the run exactly.
  const stored = backendChoices.find((c) => c !== 'auto' && c === run.backend);
  let info: BackendInfo;
  try {
    info = await selectBackend(backend === 'auto' && stored ? stored : backend, { threads });
  } catch (e) {
    if (!(e instanceof BackendError) || backend !== 'auto' || !stored) throw e;
    throw new BackendError(
      `run ${runId} trained on ${stored}, which cannot run here (${e.message}); to continue it on another backend, ` +
        'name one with --backend (its numbers will then differ slightly from an uninterrupted run)',
    );
  }
  return { spec, dataset, config, backend: info, threads: resolveThreads(threads, info, config.batchSize) };
}

/** "2 intra-op threads (TensorFlow)", "the whole batch on the device" (WebGPU) or "2 data-parallel threads": what the thread count means on `backend`. */
export function threadsNote(backend: BackendInfo, threads: number): string {
  if (backend.name === 'webgpu') return 'the whole batch on the device';
  if (backend.nativeThreads !== null) return `${backend.nativeThreads} TensorFlow intra-op thread${backend.nativeThreads > 1 ? 's' : ''}`;
  return `${threads} data-parallel thread${threads > 1 ? 's' : ''}`;
}

/**
 * Images each data-parallel shard sees at least, by default: batch norm computes each shard's own
 * moments, so a default may not split a batch finer than this (64 images: 2 shards, not 16 of 4).
 */
export const MIN_SHARD_IMAGES = 32;

/**
 * Data-parallel workers for wasm/cpu: `asked` (--threads) as given; by default every core, but no more
 * shards than `batchSize` / MIN_SHARD_IMAGES. Native TensorFlow and WebGPU take whole batches: 1.
 */
export function resolveThreads(asked: number | undefined, backend: BackendInfo, batchSize?: number): number {
  const cores = availableParallelism();
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 1 || asked > 64)) {
    throw new ValidationError(`--threads: expected an integer from 1 to 64, got ${asked}`);
  }
  // Native TensorFlow threads inside each op; a GPU takes the whole batch: no data-parallel workers.
  if (backend.name === 'tensorflow' || backend.name === 'webgpu') return 1;
  if (asked !== undefined) return asked;
  return batchSize === undefined ? cores : Math.max(1, Math.min(cores, Math.floor(batchSize / MIN_SHARD_IMAGES)));
}
