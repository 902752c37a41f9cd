// The comparison an experiment answers, from its stored runs: per regime, mean ± std of the final
// test accuracy over seeds, params, FLOPs, reductions, epochs and compute; and a verdict comparing
// Scratch-E and Scratch-B with fine-tuning, seed by seed (engine/stats/compare-regimes.ts: paired
// t-test, TOST equivalence within the spec's margin, Wilcoxon check). Final-epoch accuracy is the primary number (choosing the
// best epoch on the test set would flatter every regime); the best epoch's accuracy is shown beside it.
import type { Experiment, Run, RunRegime } from '../../src-shared/store-schemas.ts';
import type { RateCell, RateTable, SummaryLine } from '../../src-shared/workbench-api.ts';
import { getMethod } from '../engine/pruning/methods/register-all.ts';
import { compareRegimes, type SeedValue } from '../engine/stats/compare-regimes.ts';
import { mean, std } from '../engine/stats/summary.ts';
import type { Db } from '../store/db.ts';
import { getExperiment } from '../store/experiments.ts';
import { listPlans } from '../store/plans.ts';
import { listRuns } from '../store/runs.ts';

export interface ExperimentResults {
  experiment: Experiment;
  /** Fraction of epochs and data used (from the spec). */
  scale: number;
  runs: Run[];
  summary: SummaryLine[];
  /** What bends these results (Scratch-B no longer than Scratch-E, data-parallel batch norm, the plans' notes), one line each. */
  warnings: string[];
  /** With several learning rates (spec.learningRates): every regime's accuracy at every rate; else null. */
  byRate: RateTable | null;
}

// 'train' in an experiment: the unpruned network trained without the method's regulariser (spec.plainBaseline).
// 'round': iterative pruning's intermediate rounds, a line per round (spec.pruningRounds).
const ORDER: RunRegime[] = ['baseline', 'train', 'round', 'finetune', 'scratch-e', 'scratch-b', 'lottery', 'reduced'];

/** A chain's rounds (a seed's, at a learning rate) in the order they ran (by id), grouped by round number: round n's runs over the chains. */
export function roundsOf(runs: readonly Run[]): Run[][] {
  const perSeed = new Map<string, Run[]>();
  for (const r of [...runs].sort((a, b) => a.id - b.id)) {
    const chain = `${r.seed}@${r.chainLr ?? ''}`;
    perSeed.set(chain, [...(perSeed.get(chain) ?? []), r]);
  }
  const out: Run[][] = [];
  for (const rs of perSeed.values()) rs.forEach((r, i) => (out[i] = [...(out[i] ?? []), r]));
  return out;
}

export function experimentResults(db: Db, experimentId: number): ExperimentResults {
  const experiment = getExperiment(db, experimentId);
  const runs = listRuns(db, { experimentId }).sort((a, b) => a.id - b.id);
  const scale = typeof experiment.spec.scale === 'number' ? experiment.spec.scale : 1;
  const marginPp = typeof experiment.spec.equivalenceMargin === 'number' ? experiment.spec.equivalenceMargin : 0.5;
  // An experiment with several learning rates (spec.learningRates) is a chain per rate: each summarised, and compared, on its own.
  // Without a fine-tuning regime (the lottery experiments) there is nothing to compare Scratch-E and -B with.
  const finetunes = !Array.isArray(experiment.spec.regimes) || experiment.spec.regimes.includes('finetune') || runs.some((r) => r.regime === 'finetune');
  const summary = chainsOf(experiment, runs).flatMap((lr) => chainSummary(runs.filter((r) => r.chainLr === lr), lr, marginPp, finetunes));
  const warnings = [...warningsFor(runs, summary, scale), ...regularisedBaselineNote(experiment, runs.some((r) => r.regime === 'train')), ...planNotes(db, experimentId)];
  return { experiment, scale, runs, summary, warnings, byRate: byRate(summary) };
}

/** The chains' learning rates: the spec's, in its order, then any other the runs carry; [null] for an experiment of one rate. */
function chainsOf(experiment: Experiment, runs: readonly Run[]): Array<number | null> {
  const listed = Array.isArray(experiment.spec.learningRates) ? experiment.spec.learningRates.filter((x): x is number => typeof x === 'number') : [];
  const seen = [...new Set(runs.map((r) => r.chainLr))];
  const all = [...listed, ...seen.filter((lr): lr is number => lr !== null && !listed.includes(lr))];
  return all.length === 0 ? [null] : seen.includes(null) ? [null, ...all] : all;
}

/** One line per regime (and pruning round) of one chain's runs: accuracies, sizes, compute and the verdicts. */
function chainSummary(runs: readonly Run[], lr: number | null, marginPp: number, finetunes: boolean): SummaryLine[] {
  const byRegime = new Map<RunRegime, Run[]>();
  for (const r of runs) byRegime.set(r.regime, [...(byRegime.get(r.regime) ?? []), r]);
  const finals = (rs: Run[]): number[] => rs.filter((r) => r.status === 'completed' && r.testAcc !== null).map((r) => r.testAcc!);
  const baseline = byRegime.get('baseline') ?? [];
  const baseParams = baseline[0]?.params ?? null;
  const baseFlops = baseline[0]?.flops ?? null;
  const baseEpochs = baseline[0]?.epochsPlanned ?? null;
  const seedFinals = (rs: Run[]): SeedValue[] => rs.filter((r) => r.status === 'completed' && r.testAcc !== null).map((r) => ({ seed: r.seed, value: r.testAcc! }));
  const finetuneAcc = seedFinals(byRegime.get('finetune') ?? []);

  const summary: SummaryLine[] = [];
  const groups = ORDER.flatMap((regime): Array<{ regime: RunRegime; rs: Run[]; round: number | undefined }> => {
    const rs = byRegime.get(regime);
    if (!rs?.length) return [];
    return regime === 'round' ? roundsOf(rs).map((group, i) => ({ regime, rs: group, round: i + 1 })) : [{ regime, rs, round: undefined }];
  });
  for (const { regime, rs, round } of groups) {
    const accs = finals(rs);
    const top5 = rs.filter((r) => r.status === 'completed' && r.testTop5 !== null).map((r) => r.testTop5!);
    const withBest = rs.filter((r) => r.status === 'completed' && r.bestTestAcc !== null);
    const bests = withBest.map((r) => r.bestTestAcc!);
    const heldOut = withBest.filter((r) => r.bestValAcc !== null).length;
    // Network slimming and magnitude pruning give each seed its own architecture or mask: sizes, epochs
    // and compute are means over the regime's runs, with their spread where they differ.
    const params = spread(rs.map((r) => r.params));
    const flops = spread(rs.map((r) => r.flops));
    const epochs = spread(rs.map((r) => r.epochsPlanned));
    const computes = baseFlops && baseEpochs ? rs.map((r) => (r.flops !== null ? (r.epochsPlanned * r.flops) / (baseEpochs * baseFlops) : null)) : [];
    const compute = spread(computes);
    const reduction = (v: number | null, base: number | null): number | null => (v !== null && base ? 1 - v / base : null);
    summary.push({
      regime,
      ...(round === undefined ? {} : { round }),
      ...(lr === null ? {} : { lr }),
      arch: rs[0]!.archId ?? '-',
      seeds: rs.length,
      completed: accs.length,
      accMean: accs.length ? mean(accs) : null,
      accStd: accs.length ? std(accs) : null,
      top5Mean: top5.length ? mean(top5) : null,
      top5Std: top5.length ? std(top5) : null,
      bestAccMean: bests.length ? mean(bests) : null,
      bestChosenOn: withBest.length === 0 ? null : heldOut === withBest.length ? 'held-out' : heldOut === 0 ? 'test' : 'mixed',
      params: params.mean,
      paramsStd: params.std,
      flops: flops.mean,
      flopsStd: flops.std,
      paramReduction: regime === 'baseline' || regime === 'train' ? null : reduction(params.mean, baseParams),
      flopReduction: regime === 'baseline' || regime === 'train' ? null : reduction(flops.mean, baseFlops),
      epochs: epochs.mean,
      epochsStd: epochs.std,
      computeVsBaseline: compute.mean,
      vsFinetune: finetunes && (regime === 'scratch-e' || regime === 'scratch-b' || regime === 'reduced') ? verdict(seedFinals(rs), finetuneAcc, marginPp / 100) : null,
      vsRandomInit: regime === 'lottery' ? ticketVerdict(seedFinals(rs), seedFinals(byRegime.get('scratch-e') ?? []), marginPp / 100) : null,
    });
  }
  return summary;
}

/**
 * The regimes against the learning rates (Liu et al. §6's layout: a column per rate): each regime's (and
 * round's) final accuracy at every rate; null for an experiment of one rate.
 */
function byRate(summary: readonly SummaryLine[]): ExperimentResults['byRate'] {
  const rates = [...new Set(summary.map((s) => s.lr).filter((lr): lr is number => lr !== undefined))];
  if (rates.length === 0) return null;
  const keyOf = (s: SummaryLine): string => `${s.regime}${s.round ?? ''}`;
  const rows = new Map<string, { regime: RunRegime; round?: number; cells: Array<RateCell | null> }>();
  for (const s of summary) {
    if (s.lr === undefined) continue;
    const row = rows.get(keyOf(s)) ?? { regime: s.regime, ...(s.round === undefined ? {} : { round: s.round }), cells: rates.map(() => null) };
    row.cells[rates.indexOf(s.lr)] = { accMean: s.accMean, accStd: s.accStd, completed: s.completed, seeds: s.seeds };
    rows.set(keyOf(s), row);
  }
  return { rates, rows: [...rows.values()] };
}

/** The baseline row of a regularising method is not a normally trained network: say so unless a plain one ran. */
function regularisedBaselineNote(experiment: Experiment, hasPlain: boolean): string[] {
  if (hasPlain) return [];
  const method = experiment.spec.method as { id?: unknown; params?: unknown } | undefined;
  if (typeof method?.id !== 'string') return [];
  let describe: string | null = null;
  try {
    const training = getMethod(method.id).training;
    describe = (training?.regularizer?.(method.params ?? {}) ?? training?.proximal?.(method.params ?? {}))?.describe ?? null;
  } catch {
    return []; // a method this version no longer has, or parameters it no longer takes: nothing to add
  }
  return describe === null ? [] : [
    `the baseline row is the large network trained with the method's regulariser (${describe}), not a normally trained one: ` +
      "set the spec's plainBaseline to true to train that too and compare",
  ];
}

/** Mean of the known values, and their std where they differ (null where they are all equal). */
function spread(values: Array<number | null>): { mean: number | null; std: number | null } {
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return { mean: null, std: null };
  return { mean: mean(known), std: known.every((v) => v === known[0]) ? null : std(known) };
}

/** What the seeds' plans noted (channels restored, layers a mask empties), the seeds that share a note together. */
function planNotes(db: Db, experimentId: number): string[] {
  const seedsOf = new Map<string, string[]>();
  for (const p of listPlans(db, experimentId)) {
    let notes: unknown;
    try {
      notes = (JSON.parse(p.planJson) as { notes?: unknown }).notes;
    } catch {
      continue;
    }
    if (!Array.isArray(notes)) continue;
    const who = p.chainLr === null ? `${p.seed}` : `${p.seed} (lr ${p.chainLr})`;
    for (const n of notes) if (typeof n === 'string') seedsOf.set(n, [...(seedsOf.get(n) ?? []), who]);
  }
  return [...seedsOf].map(([note, seeds]) => `seed${seeds.length === 1 ? '' : 's'} ${seeds.join(', ')}: ${note}`);
}

/** What bends these results, for the table, the CLI and the CSV. */
function warningsFor(runs: readonly Run[], summary: readonly SummaryLine[], scale: number): string[] {
  const out: string[] = [];
  const e = summary.find((s) => s.regime === 'scratch-e');
  const b = summary.find((s) => s.regime === 'scratch-b');
  if (e?.epochs != null && b?.epochs != null && b.epochs <= e.epochs) {
    out.push(`Scratch-B trains ${b.epochs} epochs, no more than Scratch-E's ${e.epochs}${scale < 1 ? ` (at scale ${scale} its compute budget rounds down to the same epochs)` : ''}: here it is not a separate regime; run at a larger scale`);
  }
  const sharded = runs
    .map((r) => ({ r, threads: Number(/; (\d+) threads, data-parallel/.exec(r.backendReason ?? '')?.[1] ?? 1) }))
    .filter((x) => x.threads > 1);
  if (sharded.length > 0) {
    const threads = [...new Set(sharded.map((x) => x.threads))].sort((x, y) => x - y);
    const batch = Number((sharded[0]!.r.config as { batchSize?: unknown }).batchSize) || null;
    const perShard = batch ? `${Math.floor(batch / threads[0]!)}${threads.length > 1 ? ' or fewer' : ''} of each batch's ${batch} images` : 'a part of each batch';
    out.push(
      `${sharded.length} of ${runs.length} runs trained data-parallel on ${threads.join('/')} threads: batch norm saw ${perShard} per shard, so their numbers depend on the core count; ` +
        'train with --threads 1, or on native TensorFlow or WebGPU (one whole-batch step), for numbers that do not',
    );
  }
  return out;
}

function ticketVerdict(ticket: SeedValue[], randomInit: SeedValue[], margin: number): SummaryLine['vsRandomInit'] {
  if (randomInit.length === 0) return { verdict: 'no Scratch-E (random initialisation) runs to compare with: add scratch-e to the regimes' };
  if (ticket.length === 0) return { verdict: 'no completed runs yet' };
  return compareRegimes(ticket, randomInit, margin, { first: 'winning ticket', second: 'random init' });
}

function verdict(scratch: SeedValue[], finetune: SeedValue[], margin: number): SummaryLine['vsFinetune'] {
  if (finetune.length === 0) return { verdict: 'no fine-tuned runs to compare with' };
  if (scratch.length === 0) return { verdict: 'no completed runs yet' };
  return compareRegimes(scratch, finetune, margin);
}
