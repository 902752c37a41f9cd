// Training curves as chart series: one line per run (live view) or one mean ± std band per regime
// across seeds (comparison). Pure: runs and metric arrays in, arrays for a LineChart out.
import type { EpochMetric, Run } from '../../../src-shared/store-schemas.ts';
import { emaDebiased } from './smoothing.ts';
import { bandAcrossSeeds } from './stats.ts';

export const METRICS = {
  testAcc: { label: 'test accuracy', percent: true },
  trainAcc: { label: 'train accuracy', percent: true },
  trainLoss: { label: 'train loss', percent: false },
  testLoss: { label: 'test loss', percent: false },
} as const;
export type MetricKey = keyof typeof METRICS;

export const X_AXES = {
  epoch: 'epoch',
  compute: 'compute (baseline epochs)',
  time: 'wall time (s)',
} as const;
export type XAxis = keyof typeof X_AXES;

export const REGIME_COLORS: Record<Run['regime'], string> = {
  baseline: '#6b7280',
  finetune: '#2563eb',
  'scratch-e': '#ea580c',
  'scratch-b': '#16a34a',
  train: '#7c3aed',
  lottery: '#db2777',
  reduced: '#0d9488',
  round: '#a16207',
};

export const REGIME_LABELS: Record<Run['regime'], string> = {
  baseline: 'baseline (large)',
  finetune: 'fine-tuned',
  'scratch-e': 'Scratch-E',
  'scratch-b': 'Scratch-B',
  // A standalone training run, or in an experiment the unpruned network without the method's regulariser.
  train: 'trained normally',
  lottery: 'lottery ticket',
  reduced: 'reduced (uniform)',
  round: 'pruning round',
};

export interface LineSeries {
  label: string;
  color: string;
  /** [n] x and y; y may hold nulls (gaps). */
  x: number[];
  y: Array<number | null>;
  /** Optional band drawn behind the line: [n] lower and upper edges. */
  lo?: number[];
  hi?: number[];
  dashed?: boolean;
}

/** A run's x positions: epochs, baseline-epoch equivalents of compute, or cumulative wall time. */
export function xOf(run: Run, metrics: readonly EpochMetric[], axis: XAxis, baselineFlops: number | null): number[] {
  if (axis === 'epoch') return metrics.map((m) => m.epoch);
  if (axis === 'time') {
    let t = 0;
    return metrics.map((m) => (t += m.wallS));
  }
  const scale = run.flops !== null && baselineFlops ? run.flops / baselineFlops : 1;
  return metrics.map((m) => m.epoch * scale);
}

function yOf(metrics: readonly EpochMetric[], metric: MetricKey): Array<number | null> {
  return metrics.map((m) => m[metric]);
}

export function baselineFlops(runs: readonly Run[]): number | null {
  return runs.find((r) => r.regime === 'baseline' && r.flops !== null)?.flops ?? null;
}

/** One series per run that has metrics: colour by regime, dashed for every other seed. */
export function runSeries(
  runs: readonly Run[],
  metrics: Readonly<Record<number, readonly EpochMetric[]>>,
  opts: { metric: MetricKey; axis: XAxis; smoothing: number },
): LineSeries[] {
  const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b);
  const flops = baselineFlops(runs);
  const out: LineSeries[] = [];
  for (const run of runs) {
    const ms = (metrics[run.id] ?? []).filter((m) => m[opts.metric] !== undefined);
    if (ms.length === 0) continue;
    out.push({
      label: `${REGIME_LABELS[run.regime]} · seed ${run.seed}`,
      color: REGIME_COLORS[run.regime],
      x: xOf(run, ms, opts.axis, flops),
      y: emaDebiased(yOf(ms, opts.metric), opts.smoothing),
      dashed: seeds.indexOf(run.seed) % 2 === 1,
    });
  }
  return out;
}

/**
 * One band per regime: per-x mean ± std over the seeds' (smoothed) curves; in an experiment with several
 * learning rates (spec.learningRates) one per regime and rate, the rates after the first dashed.
 */
export function regimeBands(
  runs: readonly Run[],
  metrics: Readonly<Record<number, readonly EpochMetric[]>>,
  opts: { metric: MetricKey; axis: XAxis; smoothing: number; regimes: ReadonlyArray<Run['regime']> },
): LineSeries[] {
  const flops = baselineFlops(runs);
  const rates = [...new Set(runs.map((r) => r.chainLr ?? null))];
  const out: LineSeries[] = [];
  for (const regime of opts.regimes) {
    for (const [k, lr] of rates.entries()) {
      const curves = runs
        .filter((r) => r.regime === regime && (r.chainLr ?? null) === lr)
        .map((run) => {
          const ms = metrics[run.id] ?? [];
          const xs = xOf(run, ms, opts.axis, flops);
          const ys = emaDebiased(yOf(ms, opts.metric), opts.smoothing);
          return xs.map((x, i) => [Math.round(x * 1e6) / 1e6, ys[i]!] as const);
        });
      const band = bandAcrossSeeds(curves);
      if (band.x.length === 0) continue;
      const label = lr === null ? REGIME_LABELS[regime] : `${REGIME_LABELS[regime]} · lr ${lr}`;
      out.push({ label, color: REGIME_COLORS[regime], x: band.x, y: band.mean, lo: band.lo, hi: band.hi, ...(k > 0 ? { dashed: true } : {}) });
    }
  }
  return out;
}
