// The comparison of one experiment: per regime, the per-epoch mean ± std of a metric across seeds
// (fine-tuned vs Scratch-E vs Scratch-B, the baseline for reference), the summary table with the
// verdicts, and the per-layer widths of the large and the pruned architecture.
import type { EpochMetric, Run } from '../../../src-shared/store-schemas.ts';
import type { ExperimentDetail, SummaryLine } from '../../../src-shared/workbench-api.ts';
import type { Client } from '../lib/client.ts';
import { regimeBands, type MetricKey, type XAxis } from '../lib/curves.ts';
import { coalesce } from '../lib/debounce.ts';
import { errorMessage } from '../lib/format.ts';

export class CompareState {
  readonly id: number;
  detail = $state<ExperimentDetail | null>(null);
  metrics = $state<Record<number, EpochMetric[]>>({});
  loading = $state(true);
  error = $state<string | null>(null);

  metric = $state<MetricKey>('testAcc');
  xAxis = $state<XAxis>('epoch');
  smoothing = $state(0);
  showBaseline = $state(false);

  summary = $derived<SummaryLine[]>(this.detail?.summary ?? []);
  bands = $derived(
    regimeBands(this.detail?.runs ?? [], this.metrics, {
      metric: this.metric,
      axis: this.xAxis,
      smoothing: this.smoothing,
      regimes: [...(this.showBaseline ? (['baseline'] as const) : []), 'finetune', 'scratch-e', 'scratch-b', 'lottery', 'reduced'] as Run['regime'][],
    }),
  );
  widths = $derived(this.detail?.widths ?? null);
  /** Baseline and pruned model side by side: params and FLOPs. */
  sizes = $derived.by(() => {
    const base = this.summary.find((s) => s.regime === 'baseline');
    const pruned = this.summary.find((s) => s.regime !== 'baseline' && s.regime !== 'train' && s.regime !== 'round');
    return base && pruned ? { base, pruned } : null;
  });

  #client: Client;

  constructor(client: Client, id: number) {
    this.#client = client;
    this.id = id;
  }

  async load(): Promise<void> {
    try {
      const detail = await this.#client.call('getExperiment', { id: this.id });
      const lists = await Promise.all(
        detail.runs.filter((r) => r.epochsDone > 0).map(async (r) => [r.id, await this.#client.call('getRunMetrics', { runId: r.id })] as const),
      );
      this.metrics = Object.fromEntries(lists);
      this.detail = detail;
      this.error = null;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.loading = false;
    }
  }

  /** Loads, and reloads whenever a run of this experiment finishes an epoch or the status changes. */
  start(): () => void {
    void this.load();
    const reload = coalesce(() => void this.load(), 1000);
    const offs = [
      this.#client.on('experiment-status', (p) => p.experimentId === this.id && reload()),
      this.#client.on('run-epoch', (p) => p.experimentId === this.id && reload()),
    ];
    return () => {
      for (const off of offs) off();
      reload.cancel();
    };
  }
}
