// One experiment as it runs: its runs (baseline → prune → regimes × seeds) with status, progress
// from job-progress events, per-run metric arrays grown by run-epoch events (the live chart's
// data), and cancel/resume. The chart's options (metric, x-axis, smoothing) live here too.
import type { EpochMetric, Run } from '../../../src-shared/store-schemas.ts';
import type { EventPayloads, ExperimentDetail } from '../../../src-shared/workbench-api.ts';
import type { Client } from '../lib/client.ts';
import { runSeries, type MetricKey, type XAxis } from '../lib/curves.ts';
import { coalesce } from '../lib/debounce.ts';
import { errorMessage } from '../lib/format.ts';

export type Progress = EventPayloads['job-progress'];

const REGIME_ORDER: Run['regime'][] = ['baseline', 'train', 'finetune', 'scratch-e', 'scratch-b', 'lottery', 'reduced'];

export class ExperimentState {
  readonly id: number;
  detail = $state<ExperimentDetail | null>(null);
  /** runId -> its epochs so far, in order. */
  metrics = $state<Record<number, EpochMetric[]>>({});
  loading = $state(true);
  error = $state<string | null>(null);
  actionError = $state<string | null>(null);
  busy = $state(false);
  progress = $state<Progress | null>(null);
  /** The last progress of each run training now (several at once with --parallel-runs). */
  runProgress = $state<Record<number, Progress>>({});
  /** The last status message the job sent (why it failed, "cancelled by user"). */
  message = $state<string | null>(null);

  metric = $state<MetricKey>('testAcc');
  xAxis = $state<XAxis>('epoch');
  smoothing = $state(0);

  /** Runs in pipeline order: per seed, baseline then the regimes. */
  runs = $derived(
    [...(this.detail?.runs ?? [])].sort(
      (a, b) => a.seed - b.seed || REGIME_ORDER.indexOf(a.regime) - REGIME_ORDER.indexOf(b.regime) || a.id - b.id,
    ),
  );
  status = $derived(this.detail?.experiment.status ?? null);
  /** Runs training now: more than one with --parallel-runs. */
  trainingNow = $derived(this.runs.filter((r) => r.status === 'running').length);
  canCancel = $derived(this.status === 'running' || this.status === 'queued');
  canResume = $derived(this.status === 'cancelled' || this.status === 'failed');
  /** Backends the runs used (or use), with the reason the engine gave. */
  backends = $derived(
    [...new Map(this.runs.filter((r) => r.backend !== null).map((r) => [r.backend!, r.backendReason] as const)).entries()].map(
      ([name, reason]) => ({ name, reason }),
    ),
  );
  series = $derived(runSeries(this.runs, this.metrics, { metric: this.metric, axis: this.xAxis, smoothing: this.smoothing }));

  #client: Client;
  #refresh = coalesce(() => void this.refresh(), 400);

  constructor(client: Client, id: number) {
    this.#client = client;
    this.id = id;
  }

  async load(): Promise<void> {
    try {
      await this.refresh();
      const detail = this.detail;
      if (detail === null) return;
      const lists = await Promise.all(
        detail.runs.filter((r) => r.epochsDone > 0).map(async (r) => [r.id, await this.#client.call('getRunMetrics', { runId: r.id })] as const),
      );
      const next: Record<number, EpochMetric[]> = { ...this.metrics };
      for (const [runId, list] of lists) {
        // Epochs that arrived by event while this was loading are kept (merged by epoch number).
        const have = new Map((next[runId] ?? []).map((m) => [m.epoch, m]));
        for (const m of list) have.set(m.epoch, m);
        next[runId] = [...have.values()].sort((a, b) => a.epoch - b.epoch);
      }
      this.metrics = next;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.loading = false;
    }
  }

  async refresh(): Promise<void> {
    try {
      this.detail = await this.#client.call('getExperiment', { id: this.id });
      this.error = null;
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  /** Loads, then follows this experiment's events until the returned function is called. */
  start(): () => void {
    void this.load();
    const offs = [
      this.#client.on('run-epoch', (p) => {
        if (p.experimentId !== this.id) return;
        const list = this.metrics[p.runId];
        if (list === undefined) this.metrics[p.runId] = [p.metric];
        else if (!list.some((m) => m.epoch === p.metric.epoch)) list.push(p.metric);
        const run = this.detail?.runs.find((r) => r.id === p.runId);
        if (run === undefined || p.metric.epoch >= run.epochsPlanned) this.#refresh();
        else run.epochsDone = Math.max(run.epochsDone, p.metric.epoch);
      }),
      this.#client.on('job-progress', (p) => {
        if (p.experimentId !== this.id) return;
        this.progress = p;
        if (p.runId !== null) this.runProgress[p.runId] = p;
        const run = p.runId === null ? undefined : this.detail?.runs.find((r) => r.id === p.runId);
        if (p.runId !== null && (run === undefined || run.status !== 'running')) this.#refresh();
      }),
      this.#client.on('experiment-status', (p) => {
        if (p.experimentId !== this.id) return;
        this.message = p.message;
        if (this.detail) this.detail.experiment.status = p.status;
        if (p.status !== 'running') {
          this.progress = null;
          this.runProgress = {};
        }
        this.#refresh();
      }),
    ];
    return () => {
      for (const off of offs) off();
      this.#refresh.cancel();
    };
  }

  /** Fraction done of one run: from its live progress events while it trains. */
  runFraction(run: Run): number {
    const p = run.status === 'completed' ? undefined : this.runProgress[run.id];
    if (p !== undefined && p.epoch !== null && p.epochs) {
      const inEpoch = p.batch !== null && p.batches ? p.batch / p.batches : 0;
      return Math.min(1, (p.epoch - 1 + inEpoch) / p.epochs);
    }
    if (run.status === 'completed') return 1;
    return run.epochsPlanned > 0 ? run.epochsDone / run.epochsPlanned : 0;
  }

  async cancel(): Promise<void> {
    await this.#act(async () => {
      await this.#client.call('cancelExperiment', { id: this.id });
    });
  }

  async resume(): Promise<void> {
    await this.#act(async () => {
      await this.#client.call('resumeExperiment', { id: this.id });
    });
  }

  async #act(fn: () => Promise<void>): Promise<void> {
    this.busy = true;
    try {
      await fn();
      this.actionError = null;
      await this.refresh();
    } catch (e) {
      this.actionError = errorMessage(e);
    } finally {
      this.busy = false;
    }
  }
}
