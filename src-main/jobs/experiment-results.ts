// The comparison an experiment answers, from its stored runs: per regime, mean ± std of the final
// test accuracy over seeds, params, FLOPs, reductions, epochs and compute; and a verdict comparing
// Scratch-E and Scratch-B with fine-tuning, seed by seed (engine/stats/compare-regimes.ts: paired
// t-test, TOST equivalence within the spec's margin, Wilcoxon check). Final-epoch accuracy is the primary number (choosing the
// best epoch on the test set would flatter every regime); the best epoch's accuracy is shown beside it.
import type { Experiment, Run, RunRegime } from '../../src-shared/store-schemas.ts';
import type { SummaryLine } from '../../src-shared/workbench-api.ts';
import { compareRegimes, type SeedValue } from '../engine/stats/compare-regimes.ts';
import { mean, std } from '../engine/stats/summary.ts';
import type { Db } from '../store/db.ts';
import { getExperiment } from '../store/experiments.ts';
import { listRuns } from '../store/runs.ts';

/** One regime's line of the comparison; the type the API serves (src-shared/workbench-api.ts). */
export type SummaryRow = SummaryLine;

export interface ExperimentResults {
  experiment: Experiment;
  /** Fraction of epochs and data used (from the spec). */
  scale: number;
  runs: Run[];
  summary: SummaryRow[];
}

const ORDER: RunRegime[] = ['baseline', 'finetune', 'scratch-e', 'scratch-b'];

export function experimentResults(db: Db, experimentId: number): ExperimentResults {
  const experiment = getExperiment(db, experimentId);
  const runs = listRuns(db, { experimentId }).sort((a, b) => a.id - b.id);
  const scale = typeof experiment.spec.scale === 'number' ? experiment.spec.scale : 1;
  const byRegime = new Map<RunRegime, Run[]>();
  for (const r of runs) byRegime.set(r.regime, [...(byRegime.get(r.regime) ?? []), r]);
  const finals = (rs: Run[]): number[] => rs.filter((r) => r.status === 'completed' && r.testAcc !== null).map((r) => r.testAcc!);
  const baseline = byRegime.get('baseline') ?? [];
  const baseParams = baseline[0]?.params ?? null;
  const baseFlops = baseline[0]?.flops ?? null;
  const baseEpochs = baseline[0]?.epochsPlanned ?? null;
  const seedFinals = (rs: Run[]): SeedValue[] => rs.filter((r) => r.status === 'completed' && r.testAcc !== null).map((r) => ({ seed: r.seed, value: r.testAcc! }));
  const finetuneAcc = seedFinals(byRegime.get('finetune') ?? []);
  const marginPp = typeof experiment.spec.equivalenceMargin === 'number' ? experiment.spec.equivalenceMargin : 0.5;

  const summary: SummaryRow[] = [];
  for (const regime of ORDER) {
    const rs = byRegime.get(regime);
    if (!rs?.length) continue;
    const accs = finals(rs);
    const bests = rs.filter((r) => r.status === 'completed' && r.bestTestAcc !== null).map((r) => r.bestTestAcc!);
    const first = rs[0]!;
    const reduction = (v: number | null, base: number | null): number | null => (v !== null && base ? 1 - v / base : null);
    const compute = first.flops !== null && baseFlops && baseEpochs ? (first.epochsPlanned * first.flops) / (baseEpochs * baseFlops) : null;
    summary.push({
      regime,
      arch: first.archId ?? '-',
      seeds: rs.length,
      completed: accs.length,
      accMean: accs.length ? mean(accs) : null,
      accStd: accs.length ? std(accs) : null,
      bestAccMean: bests.length ? mean(bests) : null,
      params: first.params,
      flops: first.flops,
      paramReduction: regime === 'baseline' ? null : reduction(first.params, baseParams),
      flopReduction: regime === 'baseline' ? null : reduction(first.flops, baseFlops),
      epochs: first.epochsPlanned,
      computeVsBaseline: compute,
      vsFinetune: regime === 'scratch-e' || regime === 'scratch-b' ? verdict(seedFinals(rs), finetuneAcc, marginPp / 100) : null,
    });
  }
  return { experiment, scale, runs, summary };
}

function verdict(scratch: SeedValue[], finetune: SeedValue[], margin: number): SummaryRow['vsFinetune'] {
  if (finetune.length === 0) return { verdict: 'no fine-tuned runs to compare with' };
  if (scratch.length === 0) return { verdict: 'no completed runs yet' };
  return compareRegimes(scratch, finetune, margin);
}
