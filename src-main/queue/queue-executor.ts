// The coordinator's side of a queue (`pwb run --queue`): each run of the experiment becomes a BullMQ
// job holding a RunTask; a worker (worker.ts) trains it and reports back through the coordinator's
// endpoint (coordinator-server.ts), which writes the store exactly as a local run would. The runner
// awaits each job, so a chain's order (baseline → prune → regimes) holds, and the chains of different
// seeds run at once on as many workers as there are.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { CancelledError, JobFailedError } from '../../src-shared/errors.ts';
import { writeCheckpoint, type EpochResult } from '../engine/training/checkpoint.ts';
import { LAST_CHECKPOINT } from '../engine/training/train.ts';
import type { QueuedRun, RunQueue } from '../jobs/experiment-runner.ts';
import { storeRecorder } from '../jobs/run-recorder.ts';
import type { Db } from '../store/db.ts';
import type { Run } from '../../src-shared/store-schemas.ts';
import { startCoordinatorServer, type CoordinatorServer } from './coordinator-server.ts';
import { datasetFingerprint } from './dataset-fingerprint.ts';
import { redisConnection } from './redis-connection.ts';
import { cancelKey, INITIAL_CHECKPOINT, RUN_QUEUE, runJobId, type RunTask } from './run-task.ts';

/** How long a cancel waits for the worker holding a run to confirm it stopped. */
const CANCEL_WAIT_MS = 30_000;

export interface QueueExecutorOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** The token workers present (default: 32 random bytes, hex). */
  token?: string;
  /** Where the worker endpoint listens (default 127.0.0.1, any free port). */
  host?: string;
  port?: number;
}

export interface QueueExecutor extends RunQueue {
  /** The worker endpoint's URL and token (what `pwb worker` needs besides the queue). */
  endpoint: string;
  token: string;
  close(): Promise<void>;
}

export async function openQueueExecutor(db: Db, dbPath: string, opts: QueueExecutorOptions): Promise<QueueExecutor> {
  const token = opts.token ?? randomBytes(32).toString('hex');
  const server: CoordinatorServer = await startCoordinatorServer(db, { token, host: opts.host, port: opts.port });
  const connection = redisConnection(opts.url);
  const eventsConnection = redisConnection(opts.url);
  const queue = new Queue(RUN_QUEUE, { connection });
  const events = new QueueEvents(RUN_QUEUE, { connection: eventsConnection });
  // Errors (Redis away) are retried by ioredis; without listeners they would be thrown as unhandled.
  queue.on('error', () => {});
  events.on('error', () => {});
  await events.waitUntilReady();
  // One key per database (and machine): its runs' job ids never collide with another coordinator's.
  const key = createHash('sha256').update(`${hostname()}:${realpathSync(dbPath)}`).digest('hex').slice(0, 12);
  const fingerprints = new Map<string, string>();

  /**
   * Takes a run off the queue, or — a worker has it — asks the worker to stop it (it checks every second)
   * and waits until it has: the run's last report (cancelled) is stored before the coordinator closes.
   */
  async function cancelJob(jobId: string, runId: number): Promise<string> {
    const job = await queue.getJob(jobId);
    const state = job ? await job.getState() : 'unknown';
    if (job && state !== 'active') {
      await job.remove().catch(() => {});
      const what = 'cancelled before a worker took its run up';
      storeRecorder(db, runId).finished('cancelled', what);
      return what;
    }
    if (!job) return 'cancelled';
    await connection.set(cancelKey(jobId), '1', 'EX', 3600);
    const ended = await Promise.race([
      job.waitUntilFinished(events).then(() => 'finished' as const, () => 'stopped' as const),
      // unref: a timer left after the race must not keep the process alive once the worker confirmed.
      new Promise<'silent'>((r) => setTimeout(() => r('silent'), CANCEL_WAIT_MS).unref()),
    ]);
    if (ended === 'finished') return 'cancelled; its run had just finished on its worker (kept)';
    return ended === 'stopped' ? 'cancelled; its worker stopped it within a step' : `cancelled; its worker did not confirm within ${CANCEL_WAIT_MS / 1000} s (it stops at its next check)`;
  }

  return {
    endpoint: server.url,
    token,
    async train(_db: Db, run: Run, task: QueuedRun, signal?: AbortSignal, onEpoch?: (m: EpochResult) => void): Promise<void> {
      const dir = run.checkpointDir!;
      mkdirSync(dir, { recursive: true });
      // The starting weights (fine-tuning's, a rewound ticket's, an imported baseline's) travel as a file; once the run has a checkpoint it starts from that instead.
      const initialPath = join(dir, INITIAL_CHECKPOINT);
      if (task.initialWeights && !existsSync(join(dir, LAST_CHECKPOINT)) && !existsSync(initialPath)) {
        writeCheckpoint(initialPath, {
          spec: task.arch, config: task.config, owner: { runId: run.id, createdAt: run.createdAt }, epochsDone: 0,
          rng: { seed: task.config.seed, nextEpoch: 0 }, best: null, history: [], weights: task.initialWeights(), momentum: new Map(),
        });
      }
      const dataset = task.prepared.dataset;
      if (!fingerprints.has(dataset.id)) fingerprints.set(dataset.id, datasetFingerprint(dataset));
      const data: RunTask = {
        format: 1,
        coordinator: server.url,
        experimentId: run.experimentId!,
        run: { id: run.id, createdAt: run.createdAt },
        label: `${run.regime} seed ${run.seed}${run.chainLr === null ? '' : ` lr ${run.chainLr}`} (experiment ${run.experimentId}, run ${run.id})`,
        arch: task.arch,
        config: task.config,
        dataset: { id: task.prepared.spec.dataset, checksum: fingerprints.get(dataset.id)! },
        method: { id: task.prepared.spec.method.id, params: task.prepared.params },
        methodTraining: task.methodTraining,
        maskPlan: task.maskPlan,
        initialWeights: existsSync(initialPath),
        asTrained: task.asTrained,
      };
      server.allow(run.id, onEpoch);
      try {
        const jobId = runJobId(key, run.id);
        // A job left by an earlier coordinator of this database (killed, then resumed) is the same run: it now reports here.
        const earlier = await queue.getJob(jobId);
        if (earlier) await earlier.updateData(data);
        const job = earlier ?? (await queue.add('run', data, { jobId, removeOnComplete: true, removeOnFail: true, attempts: 1 }));
        await waitOrCancel(job.waitUntilFinished(events), signal, () => cancelJob(jobId, run.id));
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        throw new JobFailedError(`run ${run.id} failed on its worker: ${(e as Error).message}`);
      } finally {
        server.forget(run.id);
      }
    },
    async close() {
      await Promise.allSettled([events.close(), queue.close()]);
      connection.disconnect();
      eventsConnection.disconnect();
      await server.close();
    },
  };
}

/** `p`, unless `signal` fires first: then `cancel` runs and the result is a CancelledError with what it said. */
function waitOrCancel<T>(p: Promise<T>, signal: AbortSignal | undefined, cancel: () => Promise<string>): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      cancel().then((what) => reject(new CancelledError(what)), reject);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    // Once cancelled, the job's own end (failed: stopped by its worker) is the cancel's, not a failure.
    p.then((v) => signal.aborted || resolve(v), (e: unknown) => signal.aborted || reject(e)).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
