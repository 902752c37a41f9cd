// CSV export of an experiment (RFC 4180, through csv-stringify): one row per run, one per summary line.
import { stringify } from 'csv-stringify/sync';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, ValidationError } from '../../src-shared/errors.ts';
import type { ExperimentResults } from './experiment-results.ts';

export function runsCsv(results: ExperimentResults): string {
  const rows = results.runs.map((r) => ({
    experiment_id: results.experiment.id, run_id: r.id, parent_run_id: r.parentRunId ?? '', regime: r.regime, seed: r.seed, chain_lr: r.chainLr ?? '',
    arch: r.archId ?? '', dataset: r.datasetId, status: r.status, epochs_planned: r.epochsPlanned, epochs_done: r.epochsDone,
    train_loss: r.trainLoss ?? '', train_acc: r.trainAcc ?? '', test_loss: r.testLoss ?? '', test_acc: r.testAcc ?? '',
    best_test_acc: r.bestTestAcc ?? '', best_epoch: r.bestEpoch ?? '', best_chosen_on: r.bestEpoch === null ? '' : r.bestValAcc !== null ? 'held-out' : 'test',
    best_val_acc: r.bestValAcc ?? '', params: r.params ?? '', flops: r.flops ?? '',
    images_per_sec: r.imagesPerSec ?? '', backend: r.backend ?? '', scale: results.scale, created_at: r.createdAt, finished_at: r.finishedAt ?? '',
  }));
  return stringify(rows, { header: true, columns: Object.keys(rows[0] ?? { run_id: '' }) });
}

export function summaryCsv(results: ExperimentResults): string {
  const rows = results.summary.map((s) => {
    const v = s.vsFinetune && 'outcome' in s.vsFinetune ? s.vsFinetune : null;
    return {
      experiment_id: results.experiment.id, regime: s.regime, round: s.round ?? '', lr: s.lr ?? '', arch: s.arch, seeds: s.seeds, completed: s.completed,
      test_acc_mean: s.accMean ?? '', test_acc_std: s.accStd ?? '', test_top5_mean: s.top5Mean ?? '', test_top5_std: s.top5Std ?? '', best_test_acc_mean: s.bestAccMean ?? '', best_chosen_on: s.bestChosenOn ?? '',
      params: s.params ?? '', params_std: s.paramsStd ?? '', flops: s.flops ?? '', flops_std: s.flopsStd ?? '',
      param_reduction: s.paramReduction ?? '', flop_reduction: s.flopReduction ?? '',
      epochs: s.epochs ?? '', epochs_std: s.epochsStd ?? '', compute_vs_baseline: s.computeVsBaseline ?? '', scale: results.scale,
      diff_vs_finetune: v?.difference ?? '', test: v?.method ?? '', test_n: v?.n ?? '',
      ci95_low: v?.ci?.[0] ?? '', ci95_high: v?.ci?.[1] ?? '', p_value: v?.p ?? '',
      equivalence_margin: v?.equivalence.margin ?? '', tost_p: v?.equivalence.p ?? '', ci90_low: v?.equivalence.ci?.[0] ?? '', ci90_high: v?.equivalence.ci?.[1] ?? '',
      wilcoxon_p: v?.wilcoxon?.p ?? '', outcome: v?.outcome ?? '', seeds_needed: v?.seedsNeeded?.seeds ?? '', verdict: s.vsFinetune?.verdict ?? '', vs_random_init: s.vsRandomInit?.verdict ?? '',
      warnings: results.warnings.join(' | '),
    };
  });
  return stringify(rows, { header: true, columns: Object.keys(rows[0] ?? { regime: '' }) });
}

/**
 * Writes experiment-<id>-runs.csv and -summary.csv into `dir` (created if missing); returns their paths.
 * Refuses, before writing either, a `dir` that is a file and, without `overwrite`, files already there;
 * a folder it cannot write is one line naming it.
 */
export function writeCsv(results: ExperimentResults, dir: string, opts: { overwrite?: boolean } = {}): { runs: string; summary: string } {
  if (dir.trim() === '') throw new ValidationError("--csv: expected a folder, got ''");
  const runs = join(dir, `experiment-${results.experiment.id}-runs.csv`);
  const summary = join(dir, `experiment-${results.experiment.id}-summary.csv`);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ValidationError(`${dir}: is a file, not a folder; name a folder for --csv`);
  for (const path of [runs, summary]) {
    if (!opts.overwrite && existsSync(path)) throw new ValidationError(`${path} already exists; pass --force to overwrite it, or name another folder`);
  }
  const contents = [runsCsv(results), summaryCsv(results)];
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(runs, contents[0]!);
    writeFileSync(summary, contents[1]!);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const where = err.path ?? dir;
    throw new DataError(`${where}: cannot write the CSV files (${err.code ?? err.message}); choose a folder you can write to`);
  }
  return { runs, summary };
}
