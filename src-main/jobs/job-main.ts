// A job process's body: runs (or continues) one stored experiment, off the supervisor's event loop.
// Its entry points: job-process.ts (the runs train here) and src-main/queue/queued-job-process.ts (the
// runs go to a queue's workers). It reports on stdout, one JSON line per message (job-messages.ts):
// job-progress at most 4 times a second, run-epoch after every epoch, experiment-status on every change,
// then `done`. SIGINT, SIGTERM or a {type:'cancel'} message on an Electron parent port cancels after the
// current batch; the experiment is then 'cancelled' and `resumeExperiment` continues it from its checkpoints.
import { setPriority } from 'node:os';
import { parseArgs } from 'node:util';
import { CancelledError, ValidationError } from '../../src-shared/errors.ts';
import type { EventName, EventPayloads, PlanningProgressPayload } from '../../src-shared/workbench-api.ts';
import type { ExperimentStatus } from '../../src-shared/store-schemas.ts';
import { openDatabase, type Db } from '../store/db.ts';
import { getExperiment, updateExperiment } from '../store/experiments.ts';
import type { Execution, RunAt } from './experiment-runner.ts';
import type { ParentPortLike } from './gpu-engine-request.ts';
import { encodeJobMessage, type JobMessage } from './job-messages.ts';

/** 10 of 19: all the CPU when nothing else wants it, little when the UI does. */
const JOB_NICENESS = 10;

/** How a job's experiment is executed: as given (its runs train here), or wrapped (its runs go elsewhere). */
export interface JobExecution {
  /** Fails in one line (the experiment then fails with it) where the runs cannot go where they should. */
  check?(): Promise<void>;
  /** What the experiment's status line says about where its runs train. */
  describe(exec: Execution): Promise<string>;
  run<T>(db: Db, dbPath: string, exec: Execution, body: (exec: Execution) => Promise<T>): Promise<T>;
}

const HERE: JobExecution = {
  // Loaded when needed: train-run.ts brings the engine in.
  describe: async (exec) =>
    `backend ${exec.backend.name}, ${(await import('./train-run.ts')).threadsNote(exec.backend, exec.threads)}${(await import('./parallel-runs.ts')).parallelRunsNote(exec.parallelRuns)}`,
  run: (_db, _dbPath, exec, body) => body(exec),
};

/** Runs the job of `argv` (`<experiment-id> --db <file> [--backend name] [--threads n]`) and exits. */
export async function runJobProcess(argv: string[], execution: JobExecution = HERE): Promise<never> {
  // stdout is the protocol: whatever a library prints goes to stderr instead.
  console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);
  // Training is background work: below normal priority, so the app or server that supervises it (and
  // everything else on the desktop) stays responsive even when every core trains. Set before any
  // thread starts: on Linux the nice value is per thread and the training workers inherit it.
  try {
    setPriority(JOB_NICENESS);
  } catch {
    // Not permitted here: train at normal priority.
  }
  let code: number;
  try {
    code = await main(argv, execution);
  } catch (e) {
    console.error(`job: ${(e as Error).message}`);
    code = 2;
  }
  // Exit once stdout is flushed: training threads or a parent port must not keep the process alive.
  return new Promise<never>(() => process.stdout.write('', () => process.exit(code)));
}

const PROGRESS_INTERVAL_MS = 250;

function send(message: JobMessage): void {
  process.stdout.write(encodeJobMessage(message));
}

function emit<E extends EventName>(name: E, payload: EventPayloads[E]): void {
  send({ type: 'event', name, payload });
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

async function main(argv: string[], execution: JobExecution): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { db: { type: 'string' }, backend: { type: 'string' }, threads: { type: 'string' }, 'parallel-runs': { type: 'string' } },
    allowPositionals: true,
  });
  const experimentId = Number(positionals[0]);
  if (!Number.isInteger(experimentId) || experimentId < 1 || values.db === undefined) {
    throw new ValidationError('usage: job-process.ts <experiment-id> --db <file> [--backend name] [--threads n] [--parallel-runs n]');
  }
  const controller = new AbortController();
  const cancel = (): void => controller.abort();
  process.on('SIGINT', cancel);
  process.on('SIGTERM', cancel);
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  parentPort?.on('message', (e) => {
    if ((e.data as { type?: unknown } | null)?.type === 'cancel') cancel();
  });

  const dbPath = values.db;
  const db = openDatabase(dbPath);
  const status = (s: ExperimentStatus, message: string | null = null): void => {
    updateExperiment(db, experimentId, { status: s });
    emit('experiment-status', { experimentId, status: s, message });
  };
  try {
    const experiment = getExperiment(db, experimentId);
    const { setUpExperiment } = await import('./experiment-setup.ts');
    const { runExperiment } = await import('./experiment-runner.ts');
    const { parseBackendChoice } = await import('../engine/backend/select-backend.ts');
    let prepared, exec;
    try {
      const threads = values.threads === undefined ? undefined : Number(values.threads);
      const parallelRuns = values['parallel-runs'] === undefined ? undefined : Number(values['parallel-runs']);
      const choice = parseBackendChoice(values.backend ?? 'auto');
      // In the desktop app, webgpu is Chromium's, in its GPU window: ask main for a channel to it first.
      if (execution === HERE && parentPort && process.env.PWB_GPU_HOST === '1' && (choice === 'auto' || choice === 'webgpu')) {
        const { requestGpuEngine } = await import('./gpu-engine-request.ts');
        const { offerRemoteWebGpu } = await import('../engine/backend/remote-webgpu.ts');
        offerRemoteWebGpu(await requestGpuEngine(parentPort));
      }
      ({ prepared, exec } = await setUpExperiment(experiment.spec, `experiment ${experimentId}`, { backend: choice, threads, parallelRuns }));
      await execution.check?.();
    } catch (e) {
      status('failed', (e as Error).message);
      send({ type: 'done', status: 'failed', message: (e as Error).message });
      return 1;
    }
    if (controller.signal.aborted) {
      status('cancelled');
      send({ type: 'done', status: 'cancelled', message: null });
      return 130;
    }
    emit('experiment-status', { experimentId, status: 'running', message: await execution.describe(exec) });

    type Current = { runId: number; regime: string; seed: number; index: number; total: number };
    const currentOf = (at: RunAt): Current => ({ runId: at.run.id, regime: at.step.regime, seed: at.step.seed, index: at.step.index, total: at.step.total });
    let current: Current | null = null;
    let lastProgress = 0;
    // Several runs train at once with --parallel-runs: each run's batches are throttled on their own.
    const lastBatch = new Map<number, number>();
    const progress = (
      batch: { epoch: number; epochs: number; batch: number; batches: number; loss: number; imagesPerSec: number } | null,
      planning: PlanningProgressPayload | null = null, of: Current | null = current,
    ): void => {
      if (!of) return;
      lastProgress = Date.now();
      lastBatch.set(of.runId, lastProgress);
      emit('job-progress', {
        experimentId, runId: of.runId, regime: of.regime, seed: of.seed, index: of.index, total: of.total,
        epoch: batch?.epoch ?? null, epochs: batch?.epochs ?? null, batch: batch?.batch ?? null, batches: batch?.batches ?? null,
        loss: batch ? finite(batch.loss) : null, imagesPerSec: batch ? finite(batch.imagesPerSec) : null, planning,
      });
    };
    await execution.run(db, dbPath, exec, (executed) => runExperiment(db, dbPath, experimentId, prepared!, executed, {
      signal: controller.signal,
      onRunSkipped: (step, run) => {
        current = { runId: run.id, regime: step.regime, seed: step.seed, index: step.index, total: step.total };
        progress(null);
      },
      onRunStart: (step, run) => {
        current = { runId: run.id, regime: step.regime, seed: step.seed, index: step.index, total: step.total };
        progress(null);
      },
      onBatch: (p, at) => {
        const of = at ? currentOf(at) : current;
        if (of && Date.now() - (lastBatch.get(of.runId) ?? 0) >= PROGRESS_INTERVAL_MS) progress(p, null, of);
      },
      onPlanning: (seed, p) => {
        // The first and the last report always; between them, as often as batches.
        if (p.done === 0 || p.done === p.total || Date.now() - lastProgress >= PROGRESS_INTERVAL_MS) progress(null, { seed, ...p });
      },
      onEpoch: (m, _info, at) => {
        const runId = at?.run.id ?? current?.runId;
        if (runId === undefined) return;
        emit('run-epoch', {
          experimentId,
          runId,
          metric: {
            runId, epoch: m.epoch, trainLoss: finite(m.trainLoss), trainAcc: m.trainAcc, testLoss: finite(m.testLoss),
            testAcc: finite(m.testAcc), testTop5: m.testTop5 === undefined ? null : finite(m.testTop5), lr: m.lr, imagesPerSec: finite(m.imagesPerSec), wallS: m.wallS,
            valLoss: m.valLoss == null ? null : finite(m.valLoss), valAcc: m.valAcc == null ? null : finite(m.valAcc),
          },
        });
      },
    }));
    emit('experiment-status', { experimentId, status: 'completed', message: null });
    send({ type: 'done', status: 'completed', message: null });
    return 0;
  } catch (e) {
    // runExperiment has already stored 'cancelled' or 'failed'.
    const cancelled = e instanceof CancelledError;
    const message = cancelled ? null : (e as Error).message;
    emit('experiment-status', { experimentId, status: cancelled ? 'cancelled' : 'failed', message });
    send({ type: 'done', status: cancelled ? 'cancelled' : 'failed', message });
    if (!cancelled) console.error(`job ${experimentId}: ${(e as Error).stack ?? message}`);
    return cancelled ? 130 : 1;
  } finally {
    db.close();
  }
}
