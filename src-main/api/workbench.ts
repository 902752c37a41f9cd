// The WorkbenchApi, implemented once over the store and the jobs; the IPC adapter (src-main/app)
// and the HTTP/SSE adapter (http-server.ts) serve it unchanged. Experiments run in job processes
// (job-supervisor.ts), one at a time; their events reach every subscriber.
//
// Deleting: an experiment without runs is deleted; one with runs is history (the store keeps it),
// so deleteExperiment hides it instead and answers { deleted: false }; an active or queued one is
// refused with a ConflictError (HTTP 409).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ValidationError, WorkbenchError } from '../../src-shared/errors.ts';
import { trainedOnWorker } from '../../src-shared/trained-on.ts';
import type { ExperimentStatus } from '../../src-shared/store-schemas.ts';
import type { CallArgs, ExperimentDetail, WorkbenchApi } from '../../src-shared/workbench-api.ts';
import type { AdapterProbe } from '../../src-shared/gpu-engine-messages.ts';
import { experimentResults } from '../queries/experiment-results.ts';
import { runsCsv, summaryCsv } from '../queries/export-csv.ts';
import { withPatternResolved } from '../queries/pattern-source.ts';
import { loadPreset, presetIds } from '../queries/presets.ts';
import { openDatabase } from '../store/db.ts';
import { storageFailure } from '../store/storage-failure.ts';
import { reconcileInterruptedRuns } from '../jobs/interrupted-runs.ts';
import * as experiments from '../store/experiments.ts';
import { listEpochMetrics } from '../store/metrics.ts';
import { getRun, listRuns, markRunFinished } from '../store/runs.ts';
import { experimentRows, matchesSearch } from './experiment-rows.ts';
import { JobSupervisor, type EventListener, type JobPlan, type SpawnJob } from '../jobs/job-supervisor.ts';
import { queuedJobPlan, type QueueSettings } from '../queue/queued-job.ts';
import type { QueueStatus } from '../queue/queue-status.ts';

/**
 * A request that is valid but clashes with the current state (deleting a running experiment).
 * Its code stays VALIDATION (the contract's codes); transports tell it apart by name.
 */
export class ConflictError extends WorkbenchError {
  constructor(message: string) {
    super('VALIDATION', message);
  }
}

export interface WorkbenchOptions {
  /** The SQLite file (created if absent). */
  dbPath: string;
  /** How job processes are started (default: a Node child process). */
  spawnJob?: SpawnJob;
  /** Extra job-process arguments, e.g. ['--backend', 'wasm', '--threads', '2']. */
  jobArgs?: string[];
  /** Reported by `version` (default: package.json's). */
  appVersion?: string;
  /** Where exportCsv writes (default: `<db>.exports/` beside the database). */
  exportDir?: string;
  /** Where importModel writes each model's folder (default: `<db>.imports/` beside the database). */
  importDir?: string;
  /** How long a cancelled job may take to stop before it is killed (default 10 s). */
  cancelGraceMs?: number;
  /** Load the engine-facing modules right after start (default true). */
  warmUp?: boolean;
  /** Native TensorFlow's threads in the compute report's probes (default every core). */
  threads?: number;
  /** A queue whose workers train the experiments started "on workers" (`pwb serve --queue`). */
  queue?: QueueSettings;
  /** Where the jobs' WebGPU lives elsewhere (the desktop app's GPU window): asks it, for the compute report. */
  webgpuProbe?: () => Promise<AdapterProbe>;
}

export interface Workbench {
  api: WorkbenchApi;
  /** Every event of every job; returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void;
  /** Cancels the running job (waiting for it to stop), drops the queue, closes the database. */
  close(): Promise<void>;
}

const requireJson = createRequire(import.meta.url);

export function createWorkbench(options: WorkbenchOptions): Workbench {
  const { dbPath } = options;
  const db = openDatabase(dbPath);
  // Runs and experiments left "running" by a process that died (this workbench's jobs have not started yet).
  reconcileInterruptedRuns(db, dbPath);
  const listeners = new Set<EventListener>();
  const publish: EventListener = (name, payload) => {
    for (const listener of listeners) {
      try {
        listener(name, payload);
      } catch (e) {
        console.error(`event listener failed on ${name}: ${(e as Error).message}`);
      }
    }
  };
  const publishStatus = (experimentId: number, status: ExperimentStatus, message: string | null = null): void =>
    publish('experiment-status', { experimentId, status, message });

  const supervisor = new JobSupervisor({
    dbPath,
    spawnJob: options.spawnJob,
    jobArgs: options.jobArgs,
    graceMs: options.cancelGraceMs,
    onEvent: publish,
    onLost: (experimentId, cancelled, detail) => {
      // The job could not store its own ending: do it for it, runs first.
      const status = cancelled ? 'cancelled' : 'failed';
      for (const run of listRuns(db, { experimentId, status: 'running' })) markRunFinished(db, run.id, status, { error: detail });
      experiments.updateExperiment(db, experimentId, { status });
      publishStatus(experimentId, status, detail);
    },
  });

  const row = (id: number) => experimentRows(db, [experiments.getExperiment(db, id)])[0]!;
  let queueStatus: QueueStatus | null = null;

  /** How an experiment's job runs: here, or on the queue's workers (checked: a queue is set and Redis answers). */
  async function jobPlan(onWorkers: boolean, where: string): Promise<JobPlan> {
    if (!onWorkers) return {};
    if (!options.queue) throw new ValidationError(`${where}: this workbench has no queue of workers; start it with \`pwb serve --queue redis://HOST:PORT\` (the desktop app: PWB_QUEUE=redis://HOST:PORT)`);
    const { checkRedisReachable } = await import('../queue/redis-connection.ts');
    await checkRedisReachable(options.queue.url, where);
    return queuedJobPlan(options.queue);
  }

  /** Whether the experiment's most recently started run trained on a worker. */
  function lastTrainedOnWorkers(id: number): boolean {
    const started = listRuns(db, { experimentId: id }).filter((r) => r.startedAt !== null);
    const last = started.sort((a, b) => a.startedAt!.localeCompare(b.startedAt!)).at(-1);
    return last !== undefined && trainedOnWorker(last.backendReason) !== null;
  }
  // The engine-facing modules (registries, cost model, tfjs) load in about half a second of one
  // blocked event loop: once, at start, rather than in the middle of the first training.
  const options_ = () => import('../queries/experiment-options.ts');
  const prepare_ = () => import('../jobs/experiment-prepare.ts');
  if (options.warmUp !== false) setImmediate(() => void Promise.all([options_(), prepare_()]).catch(() => {}));
  /** Plans never change once written, so neither do their widths (once every seed has its plan). */
  const widthsCache = new Map<number, NonNullable<ExperimentDetail['widths']>>();

  const api: WorkbenchApi = {
    async version() {
      const app = options.appVersion ?? (requireJson('../../package.json') as { version: string }).version;
      const engine = (requireJson('@tensorflow/tfjs-core/package.json') as { version: string }).version;
      return { app, engine };
    },

    async paperTable(args: CallArgs<'paperTable'>) {
      const { paperTable } = await import('../queries/paper-table.ts');
      return paperTable(db, args?.ids);
    },

    async diagnoseCompute(args: CallArgs<'diagnoseCompute'>) {
      const { diagnoseCompute } = await import('../jobs/compute-diagnosis.ts');
      return diagnoseCompute({ probe: args?.probe ?? true, threads: options.threads, webgpu: options.webgpuProbe });
    },

    async listExperiments(args: CallArgs<'listExperiments'>) {
      const rows = experimentRows(db, experiments.listExperiments(db, { includeHidden: args?.includeHidden ?? false }), { all: true });
      return args?.search ? rows.filter((r) => matchesSearch(r, args.search!)) : rows;
    },

    async getExperiment({ id }) {
      const results = experimentResults(db, id);
      const seeds = results.experiment.spec.seeds;
      const rates = results.experiment.spec.learningRates;
      // A plan per seed and learning rate (spec.learningRates).
      const seedCount = (Array.isArray(seeds) ? seeds.length : 0) * (Array.isArray(rates) && rates.length > 0 ? rates.length : 1);
      let widths = widthsCache.get(id) ?? null;
      if (!widths && results.runs.some((r) => r.regime !== 'baseline')) {
        widths = (await options_()).planWidths(db, id);
        // Plans never change once written: cached once every seed has one.
        if (widths && widths.seeds.length >= seedCount) widthsCache.set(id, widths);
      }
      return { ...results, widths, active: supervisor.activeId === id };
    },

    async getRunMetrics({ runId }) {
      getRun(db, runId);
      return listEpochMetrics(db, runId);
    },

    async listPresets() {
      return presetIds().map((id) => ({ id, spec: loadPreset(id) }));
    },

    async describeOptions() {
      const described = await (await options_()).describeOptions();
      const queue = options.queue ? { url: (await import('../queue/redis-connection.ts')).redactedUrl(options.queue.url) } : null;
      return { ...described, queue };
    },

    async estimateCost({ spec }) {
      return (await options_()).estimateCost(withPatternResolved(db, spec, 'estimateCost: spec'), 'estimateCost: spec');
    },

    async startExperiment({ spec, onWorkers }) {
      // Everything is checked (method, params, dataset, architecture, the queue) before anything is written.
      const plan = await jobPlan(onWorkers ?? false, 'startExperiment: onWorkers');
      const { prepareExperiment } = await prepare_();
      const prepared = await prepareExperiment(withPatternResolved(db, spec, 'startExperiment: spec'), 'startExperiment: spec');
      const { createExperimentRecord } = await import('../jobs/experiment-runner.ts');
      const experiment = createExperimentRecord(db, dbPath, prepared);
      publishStatus(experiment.id, 'queued');
      supervisor.enqueue(experiment.id, plan);
      return { id: experiment.id };
    },

    async cancelExperiment({ id }) {
      experiments.getExperiment(db, id);
      const outcome = supervisor.cancel(id);
      if (outcome === 'dequeued') {
        experiments.updateExperiment(db, id, { status: 'cancelled' });
        publishStatus(id, 'cancelled', 'cancelled before it started');
      }
      // 'interrupted': the job stores 'cancelled' and says so once its batch is done.
      return { id, cancelled: outcome !== false };
    },

    async resumeExperiment({ id, onWorkers }) {
      const experiment = experiments.getExperiment(db, id);
      if (supervisor.isBusy(id)) throw new ConflictError(`experiment ${id} is already ${supervisor.activeId === id ? 'running' : 'queued'}`);
      if (experiment.status === 'completed') throw new ConflictError(`experiment ${id} is completed; there is nothing to resume`);
      // By default it continues where its runs last trained: on workers if this workbench has their queue.
      const plan = await jobPlan(onWorkers ?? (options.queue !== undefined && lastTrainedOnWorkers(id)), 'resumeExperiment: onWorkers');
      const { prepareExperiment } = await prepare_();
      await prepareExperiment(experiment.spec, `experiment ${id}`);
      experiments.updateExperiment(db, id, { status: 'queued' });
      publishStatus(id, 'queued');
      supervisor.enqueue(id, plan);
      return { id };
    },

    async updateExperiment({ id, ...patch }) {
      experiments.updateExperiment(db, id, patch);
      return row(id);
    },

    async deleteExperiment({ id }) {
      experiments.getExperiment(db, id);
      if (supervisor.isBusy(id)) throw new ConflictError(`experiment ${id} is running or queued; cancel it first`);
      if (listRuns(db, { experimentId: id, limit: 1 }).length > 0) {
        experiments.updateExperiment(db, id, { hidden: true });
        return { id, deleted: false };
      }
      experiments.deleteExperiment(db, id);
      widthsCache.delete(id);
      return { id, deleted: true };
    },

    async exportCsv({ id }) {
      const results = experimentResults(db, id);
      const dir = options.exportDir ?? `${dbPath}.exports`;
      mkdirSync(dir, { recursive: true });
      const out = {
        runsCsv: runsCsv(results),
        summaryCsv: summaryCsv(results),
        runsFile: join(dir, `experiment-${id}-runs.csv`),
        summaryFile: join(dir, `experiment-${id}-summary.csv`),
      };
      writeFileSync(out.runsFile, out.runsCsv);
      writeFileSync(out.summaryFile, out.summaryCsv);
      return out;
    },

    async study({ ids }) {
      const { study } = await import('../queries/study.ts');
      return study(db, ids);
    },

    async measureLatency({ ids, batchSize, repeats }) {
      for (const id of ids) experiments.getExperiment(db, id);
      // Timed beside a training job, every figure would measure the contention, not the network.
      if (supervisor.activeId !== null) throw new ConflictError(`experiment ${supervisor.activeId} is running: measure latency once it has finished (or cancel it)`);
      const { measureStudyLatency } = await import('../jobs/latency-measure.ts');
      return measureStudyLatency(db, ids, { batchSize, repeats, jobArgs: options.jobArgs });
    },

    async listWorkers() {
      const nobody = { workers: [], waiting: 0, active: 0 };
      if (!options.queue) return { queue: null, error: null, ...nobody, joinCommand: null };
      const { redactedUrl } = await import('../queue/redis-connection.ts');
      const url = redactedUrl(options.queue.url);
      const joinCommand = `PWB_WORKER_TOKEN=${options.queue.token} npx pwb worker --queue ${url}`;
      queueStatus ??= (await import('../queue/queue-status.ts')).openQueueStatus(options.queue.url);
      try {
        return { queue: url, error: null, ...(await queueStatus.read()), joinCommand };
      } catch (e) {
        return { queue: url, error: (e as Error).message, ...nobody, joinCommand };
      }
    },

    async importModel({ files }) {
      // Loaded on first use: the importers pull in tfjs and the model registry.
      const { importGivenFiles } = await import('../jobs/model-import.ts');
      const given = files.map((f) => ({ name: f.name, bytes: Buffer.from(f.base64, 'base64') }));
      return importGivenFiles(given, options.importDir ?? `${dbPath}.imports`);
    },
  };

  return {
    api: withStorageFailures(api, dbPath),
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async close() {
      await supervisor.close();
      queueStatus?.close();
      listeners.clear();
      db.close();
    },
  };
}

export type { EventListener };

/** The API whose calls report a full or read-only disk as one StorageError naming the database. */
function withStorageFailures(api: WorkbenchApi, dbPath: string): WorkbenchApi {
  const wrapped: Record<string, (args: unknown) => Promise<unknown>> = {};
  for (const [name, call] of Object.entries(api) as Array<[string, (args: unknown) => Promise<unknown>]>) {
    wrapped[name] = async (args) => {
      try {
        return await call(args);
      } catch (e) {
        throw storageFailure(e, dbPath) ?? e;
      }
    };
  }
  return wrapped as unknown as WorkbenchApi;
}
