// CSV export of an experiment (RFC 4180, through csv-stringify): one row per run, one per summary line.
import { stringify } from 'csv-stringify/sync';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentResults } from './experiment-results.ts';

export function runsCsv(results: ExperimentResults): string {
  const rows = results.runs.map((r) => ({
    experiment_id: results.experiment.id, run_id: r.id, parent_run_id: r.parentRunId ?? '', regime: r.regime, seed: r.seed,
    arch: r.archId ?? '', dataset: r.datasetId, status: r.status, epochs_planned: r.epochsPlanned, epochs_done: r.epochsDone,
    train_loss: r.trainLoss ?? '', train_acc: r.trainAcc ?? '', test_loss: r.testLoss ?? '', test_acc: r.testAcc ?? '',
    best_test_acc: r.bestTestAcc ?? '', best_epoch: r.bestEpoch ?? '', params: r.params ?? '', flops: r.flops ?? '',
    images_per_sec: r.imagesPerSec ?? '', backend: r.backend ?? '', scale: results.scale, created_at: r.createdAt, finished_at: r.finishedAt ?? '',
  }));
  return stringify(rows, { header: true, columns: Object.keys(rows[0] ?? { run_id: '' }) });
}

export function summaryCsv(results: ExperimentResults): string {
  const rows = results.summary.map((s) => {
    const v = s.vsFinetune && 'difference' in s.vsFinetune ? s.vsFinetune : null;
    return {
      experiment_id: results.experiment.id, regime: s.regime, arch: s.arch, seeds: s.seeds, completed: s.completed,
      test_acc_mean: s.accMean ?? '', test_acc_std: s.accStd ?? '', best_test_acc_mean: s.bestAccMean ?? '',
      params: s.params ?? '', flops: s.flops ?? '', param_reduction: s.paramReduction ?? '', flop_reduction: s.flopReduction ?? '',
      epochs: s.epochs ?? '', compute_vs_baseline: s.computeVsBaseline ?? '', scale: results.scale,
      diff_vs_finetune: v?.difference ?? '', ci95_low: v?.ci[0] ?? '', ci95_high: v?.ci[1] ?? '', p_value: v?.p ?? '',
      significant: v ? String(v.significant) : '', test: v ? 'welch_t' : '', verdict: s.vsFinetune?.verdict ?? '',
    };
  });
  return stringify(rows, { header: true, columns: Object.keys(rows[0] ?? { regime: '' }) });
}

/** Writes runs.csv and summary.csv into `dir`; returns their paths. */
export function writeCsv(results: ExperimentResults, dir: string): { runs: string; summary: string } {
  mkdirSync(dir, { recursive: true });
  const runs = join(dir, `experiment-${results.experiment.id}-runs.csv`);
  const summary = join(dir, `experiment-${results.experiment.id}-summary.csv`);
  writeFileSync(runs, runsCsv(results));
  writeFileSync(summary, summaryCsv(results));
  return { runs, summary };
}
