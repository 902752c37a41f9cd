// A parameter-efficiency study over a set of experiments (Liu et al.'s parameter-efficiency figure,
// Crowley et al.'s speed figure): every completed run's final test accuracy against its parameters,
// FLOPs and measured inference latency, one point per run, and per (experiment, regime, learning rate) the mean over
// seeds. Latencies come from the stored measurements of the runs' architectures (store/latency.ts): those
// of the backend measured most recently, at batch 1 and at the largest other batch size measured there.
import { stringify } from 'csv-stringify/sync';
import type { Run } from '../../src-shared/store-schemas.ts';
import type { StudyGroup, StudyPoint, StudyResult } from '../../src-shared/workbench-api.ts';
import type { Db } from '../store/db.ts';
import { getExperiment } from '../store/experiments.ts';
import { latenciesOf, type StoredLatency } from '../store/latency.ts';
import { completedRuns } from '../store/runs.ts';
import { roundsOf } from './experiment-results.ts';

const REGIME_WORDS: Record<Run['regime'], string> = {
  baseline: 'baseline', finetune: 'fine-tuned', 'scratch-e': 'Scratch-E', 'scratch-b': 'Scratch-B',
  train: 'trained normally', lottery: 'lottery ticket', reduced: 'reduced', round: 'pruning round',
};

export function study(db: Db, ids: readonly number[]): StudyResult {
  const experiments = ids.map((id) => {
    const e = getExperiment(db, id);
    const spec = e.spec as { dataset?: unknown; arch?: unknown; method?: { id?: unknown } };
    return {
      id, name: e.name, status: e.status,
      dataset: typeof spec.dataset === 'string' ? spec.dataset : '?',
      arch: typeof spec.arch === 'string' ? spec.arch : 'custom',
      method: typeof spec.method?.id === 'string' ? spec.method.id : '?',
    };
  });
  const runs = completedRuns(db, ids);
  const archIds = [...new Set(runs.map((r) => r.archSpecId))];
  const chosen = chooseLatencies(latenciesOf(db, archIds));
  const points: StudyPoint[] = runs.map((r) => ({
    experimentId: r.experimentId!, runId: r.id, regime: r.regime, seed: r.seed, ...(r.chainLr === null ? {} : { lr: r.chainLr }), archSpecId: r.archSpecId, acc: r.testAcc!,
    params: r.params, flops: r.flops,
    latency1Ms: chosen?.at1.get(r.archSpecId) ?? null, latencyBatchMs: chosen?.atBatch.get(r.archSpecId) ?? null,
  }));
  // Iterative pruning's rounds: a group per round number (each seed's n-th round run is round n).
  const roundOf = new Map<number, number>();
  for (const id of ids) roundsOf(runs.filter((r) => r.experimentId === id && r.regime === 'round')).forEach((rs, i) => rs.forEach((r) => roundOf.set(r.id, i + 1)));
  const groups = groupPoints(points, new Map(experiments.map((e) => [e.id, e.method])), roundOf);
  return {
    experiments, points, groups,
    latency: chosen && {
      backend: chosen.backend, device: chosen.device, batchSize: chosen.batchSize, measuredAt: chosen.measuredAt,
      measured: archIds.filter((a) => chosen.at1.has(a)).length, architectures: archIds.length,
    },
    csv: studyCsv(groups, chosen?.batchSize ?? null),
  };
}

interface ChosenLatencies {
  backend: string;
  device: string;
  batchSize: number | null;
  measuredAt: string;
  at1: Map<number, number>;
  atBatch: Map<number, number>;
}

function chooseLatencies(stored: readonly StoredLatency[]): ChosenLatencies | null {
  const newest = stored[0];
  if (!newest) return null;
  const same = stored.filter((s) => s.backend === newest.backend);
  const others = same.map((s) => s.batchSize).filter((b) => b !== 1);
  const batchSize = others.length ? Math.max(...others) : null;
  const at = (b: number | null) => new Map(same.filter((s) => s.batchSize === b).map((s) => [s.archSpecId, s.medianMs]));
  return { backend: newest.backend, device: newest.device, batchSize, measuredAt: newest.measuredAt, at1: at(1), atBatch: at(batchSize) };
}

function groupPoints(points: readonly StudyPoint[], methods: ReadonlyMap<number, string>, roundOf: ReadonlyMap<number, number>): StudyGroup[] {
  const byKey = new Map<string, StudyPoint[]>();
  for (const p of points) {
    const key = `${p.experimentId}/${p.regime}/${roundOf.get(p.runId) ?? ''}/${p.lr ?? ''}`;
    byKey.set(key, [...(byKey.get(key) ?? []), p]);
  }
  return [...byKey.values()].map((ps) => {
    const first = ps[0]!;
    return {
      experimentId: first.experimentId,
      label: `#${first.experimentId} ${methods.get(first.experimentId)} · ${REGIME_WORDS[first.regime]}${roundOf.has(first.runId) ? ` ${roundOf.get(first.runId)}` : ''}${first.lr === undefined ? '' : ` · lr ${first.lr}`}`,
      regime: first.regime, runIds: ps.map((p) => p.runId), seeds: ps.length,
      accMean: mean(ps.map((p) => p.acc))!, accStd: std(ps.map((p) => p.acc)),
      params: mean(known(ps.map((p) => p.params))), flops: mean(known(ps.map((p) => p.flops))),
      latency1Ms: mean(known(ps.map((p) => p.latency1Ms))), latencyBatchMs: mean(known(ps.map((p) => p.latencyBatchMs))),
    };
  });
}

function studyCsv(groups: readonly StudyGroup[], batchSize: number | null): string {
  const rows = groups.map((g) => ({
    experiment_id: g.experimentId, label: g.label, regime: g.regime, seeds: g.seeds, test_acc_mean: g.accMean, test_acc_std: g.accStd ?? '',
    params: g.params ?? '', flops: g.flops ?? '', latency_batch1_ms: g.latency1Ms ?? '',
    [`latency_batch${batchSize ?? 'n'}_ms`]: g.latencyBatchMs ?? '',
  }));
  return stringify(rows, { header: true, columns: Object.keys(rows[0] ?? { experiment_id: '' }) });
}

const known = (xs: Array<number | null>): number[] => xs.filter((x): x is number => x !== null);
function mean(xs: readonly number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}
/** Sample standard deviation; null with fewer than two values. */
function std(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs)!;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}
