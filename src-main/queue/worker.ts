// `pwb worker`: takes runs off the queue one at a time and trains them here, on this machine's
// backend. A run's files come from the coordinator (its starting weights; its last checkpoint when
// another worker began it) and go back after every epoch, with the epoch's metrics; so a worker killed
// mid-run loses nothing the coordinator has: BullMQ sees the job stalled once its lock lapses (no
// heartbeat from the dead worker) and hands it to another worker, which resumes from that checkpoint.
// A worker whose copy of the dataset differs from the coordinator's refuses the run in one line.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { CancelledError } from '../../src-shared/errors.ts';
import { parseOrThrow } from '../../src-shared/validate.ts';
import { workerBackendReason } from '../../src-shared/trained-on.ts';
import type { Redis } from 'ioredis';
import type { BackendInfo } from '../engine/backend/select-backend.ts';
import type { Dataset } from '../engine/datasets/dataset.ts';
import { openDataset } from '../engine/datasets/registry.ts';
import { planMasks } from '../engine/pruning/plan-effects.ts';
import { getMethod } from '../engine/pruning/methods/register-all.ts';
import { readCheckpoint } from '../engine/training/checkpoint.ts';
import { methodTrainingExtras } from '../jobs/experiment-runner.ts';
import type { RunRecorder } from '../jobs/run-recorder.ts';
import { resolveThreads, trainInto, type RunExtras } from '../jobs/train-run.ts';
import { coordinatorClient } from './coordinator-client.ts';
import { datasetFingerprint } from './dataset-fingerprint.ts';
import { redisConnection } from './redis-connection.ts';
import { publishWorker, REFRESH_MS, withdrawWorker } from './worker-registry.ts';
import { cancelKey, INITIAL_CHECKPOINT, RUN_QUEUE, RunTaskSchema, type RunTask } from './run-task.ts';

export interface WorkerOptions {
  url: string;
  token: string;
  backend: BackendInfo;
  threads?: number;
  /** Where runs train (each in its own folder, removed once it is done). */
  workDir: string;
  /** How the worker is named where runs record where they trained (default: host name and process id). */
  name: string;
  /** How long a run stays this worker's without word from it before another worker may take it (default 30 s). */
  lockSeconds?: number;
  log: (line: string) => void;
}

/** The run in hand and its speed, for `pwb workers`. */
type OnRun = (label: string, imagesPerSec: number | null, done: boolean) => void;

/** A recorder whose run start names this worker: the run table shows where each run trained. */
function onWorker(recorder: RunRecorder, name: string): RunRecorder {
  return { ...recorder, started: (start) => recorder.started({ ...start, backendReason: workerBackendReason(name, start.backendReason) }) };
}

/** This worker's copy of the task's dataset, or why it cannot train the task on it (one line). */
async function workerDataset(task: RunTask): Promise<{ dataset: Dataset; refusal?: undefined } | { dataset?: undefined; refusal: string }> {
  let dataset: Dataset;
  try {
    dataset = await openDataset(task.dataset.id);
  } catch (e) {
    return { refusal: `dataset '${task.dataset.id}' does not open here (${(e as Error).message}); give this worker the same data under that id` };
  }
  const here = datasetFingerprint(dataset);
  if (task.dataset.checksum === null || here === task.dataset.checksum) return { dataset };
  return { refusal: `dataset '${task.dataset.id}' here differs from the coordinator's (fingerprint ${here.slice(7, 19)}…, the coordinator's ${task.dataset.checksum.slice(7, 19)}…); give this worker the same data` };
}

export interface RunningWorker {
  close(): Promise<void>;
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const lockMs = (opts.lockSeconds ?? 30) * 1000;
  const connection = redisConnection(opts.url);
  const lookupConnection = redisConnection(opts.url);
  // Reads a job's current data (the coordinator's address, which a restarted coordinator rewrites).
  const lookup = new Queue(RUN_QUEUE, { connection: lookupConnection });
  lookup.on('error', () => {});
  // What `pwb workers` shows: refreshed every few seconds, gone within seconds of the worker's end.
  const status = { name: opts.name, backend: opts.backend.name, device: opts.backend.reason, run: null as string | null, imagesPerSec: null as number | null, runsDone: 0, startedAt: new Date().toISOString() };
  const publish = (): void => void publishWorker(lookupConnection, status).catch(() => {});
  const timer = setInterval(publish, REFRESH_MS);
  publish();
  let lastLabel: string | null = null;
  const onRun: OnRun = (label, imagesPerSec, done) => {
    status.run = done ? null : label;
    status.imagesPerSec = done ? null : imagesPerSec;
    if (done) status.runsDone++;
    if (done || label !== lastLabel) publish();
    lastLabel = done ? null : label;
  };
  const context: JobContext = { lookup, redis: lookupConnection, onRun, refused: new Set() };
  const worker = new Worker(RUN_QUEUE, (job: Job, token?: string) => trainJob(job, token, context, opts), {
    connection,
    concurrency: 1,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // A run may outlive several dead workers; each takes it up from its last checkpoint.
    maxStalledCount: 100,
  });
  worker.on('error', (e) => opts.log(`worker: ${e.message}`));
  worker.on('failed', (job, e) => opts.log(`${job?.data?.label ?? 'a run'}: failed: ${e.message}`));
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      clearInterval(timer);
      await withdrawWorker(lookupConnection, opts.name).catch(() => {});
      await lookup.close();
      connection.disconnect();
      lookupConnection.disconnect();
    },
  };
}

/** How long a run this worker cannot train (its dataset missing or different) waits before any worker may take it again. */
const REFUSED_DELAY_MS = 3000;

interface JobContext {
  /** Reads a job's current data. */
  lookup: Queue;
  /** For the worker's own keys (cancel requests). */
  redis: Redis;
  onRun: OnRun;
  /** Jobs this worker refused already: said once, not at every hand-back. */
  refused: Set<string>;
}

/** How often a worker looks whether the coordinator asked it to stop its run. */
const CANCEL_CHECK_MS = 1000;

async function trainJob(job: Job, token: string | undefined, ctx: JobContext, opts: WorkerOptions): Promise<{ status: string }> {
  const { lookup, onRun } = ctx;
  const task: RunTask = parseOrThrow(RunTaskSchema, job.data, `job ${job.id}`);
  const { dataset, refusal } = await workerDataset(task);
  if (!dataset) {
    // Handed back (delayed, not failed): another worker, with the right data, takes it.
    if (!ctx.refused.has(job.id!)) opts.log(`${task.label}: refused: ${refusal}`);
    ctx.refused.add(job.id!);
    await job.moveToDelayed(Date.now() + REFUSED_DELAY_MS, token);
    throw new DelayedError(refusal);
  }
  let cancelWatch: NodeJS.Timeout | undefined;
  const client = coordinatorClient(task.coordinator, opts.token, {
    log: opts.log,
    currentBase: async () => ((await lookup.getJob(job.id!))?.data as RunTask | undefined)?.coordinator ?? task.coordinator,
  });
  const dir = join(opts.workDir, `run-${job.id}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const recorded = await client.recorded(task.run.id);
    // A job handed on after its run finished (the worker that finished it lost its lock first): nothing left to do.
    if (recorded.status === 'completed') {
      opts.log(`${task.label}: already completed`);
      return { status: 'completed' };
    }
    // The coordinator's files are the run's state: its last checkpoint where one was uploaded (then training resumes there).
    for (const name of ['last.ckpt', 'best.ckpt'] as const) await client.download(task.run.id, name, dir);
    const extras: RunExtras = { asTrained: task.asTrained };
    if (task.initialWeights && (await client.download(task.run.id, INITIAL_CHECKPOINT, dir))) {
      const path = join(dir, INITIAL_CHECKPOINT);
      extras.initialWeights = () => readCheckpoint(path).weights;
    }
    const masks = task.maskPlan ? planMasks(task.maskPlan) : undefined;
    if (masks) extras.masks = masks;
    if (task.methodTraining) Object.assign(extras, methodTrainingExtras(getMethod(task.method.id), task.method.params));
    onRun(task.label, null, false);
    // A cancel on the coordinator reaches the run within a step (the training loop checks the signal per batch).
    const cancel = new AbortController();
    cancelWatch = setInterval(() => {
      ctx.redis.exists(cancelKey(job.id!)).then((n) => {
        if (n > 0) cancel.abort();
      }, () => {});
    }, CANCEL_CHECK_MS);
    opts.log(`${task.label}: training${recorded.epochs ? ` from epoch ${recorded.epochs + 1}` : ''} on ${opts.backend.name}`);
    const threads = resolveThreads(opts.threads, opts.backend, task.config.batchSize);
    await trainInto(
      task.run, dir, { spec: task.arch, dataset, config: task.config, backend: opts.backend, threads },
      onWorker(client.recorder(task.run.id, dir, recorded.epochs), opts.name),
      {
        storagePath: dir,
        signal: cancel.signal,
        onBatch: (p) => onRun(task.label, p.imagesPerSec, false),
        onEpoch: (m) => {
          opts.log(`${task.label}: epoch ${m.epoch}/${task.config.epochs}, test acc ${(m.testAcc * 100).toFixed(2)}%`);
          // Progress is for watchers only: a job whose lock lapsed cannot report it, and the run goes on regardless.
          job.updateProgress({ epoch: m.epoch, epochs: task.config.epochs }).catch(() => {});
        },
      },
      extras,
    );
    onRun(task.label, null, true);
    opts.log(`${task.label}: done`);
    return { status: 'completed' };
  } catch (e) {
    onRun(task.label, null, true);
    if (e instanceof CancelledError) opts.log(`${task.label}: cancelled by the coordinator`);
    throw e;
  } finally {
    clearInterval(cancelWatch);
    ctx.redis.del(cancelKey(job.id!)).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}
