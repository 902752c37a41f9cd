// The comparison table printed at the end of `pwb run` / `pwb resume` and by `pwb results`.
import type { SummaryLine } from '../../src-shared/workbench-api.ts';
import type { ExperimentResults } from '../queries/experiment-results.ts';
import { percent, si, table } from './format.ts';

export function printResults(results: ExperimentResults): void {
  const { experiment, scale } = results;
  const chosenOn = new Set(results.summary.map((s) => s.bestChosenOn).filter((c) => c !== null));
  const bestHeader = chosenOn.size === 1 ? `best acc (epoch chosen on ${chosenOn.has('held-out') ? 'held-out train images' : chosenOn.has('test') ? 'test' : 'test or held-out'})` : 'best acc';
  console.log(`\nexperiment ${experiment.id}: ${experiment.name} — ${experiment.status}${scale < 1 ? `, at scale ${scale} (fraction of epochs and training data)` : ''}`);
  // Top-5 where the dataset reports it (the ImageNet protocol), beside top-1.
  const top5 = results.summary.some((s) => s.top5Mean !== null);
  const pm = (m: number | null, sd: number | null): string => (m === null ? '-' : `${(m * 100).toFixed(2)} ± ${((sd ?? 0) * 100).toFixed(2)}`);
  console.log(
    table(
      ['regime', 'arch', 'seeds', top5 ? 'top-1 acc (mean ± std)' : 'test acc (mean ± std)', ...(top5 ? ['top-5 acc'] : []), bestHeader, 'params', 'FLOPs', 'params ↓', 'FLOPs ↓', 'epochs', 'compute', 'vs fine-tuned (final test acc, seed by seed)'],
      results.summary.map((s) => [
        `${regimeLabel(s)}${s.lr === undefined ? '' : ` (lr ${s.lr})`}`, s.arch, `${s.completed}/${s.seeds}`,
        pm(s.accMean, s.accStd), ...(top5 ? [pm(s.top5Mean, s.top5Std)] : []),
        `${percent(s.bestAccMean)}${chosenOn.size > 1 && s.bestChosenOn ? ` (${s.bestChosenOn})` : ''}`, withSpread(s.params, s.paramsStd, si), withSpread(s.flops, s.flopsStd, si),
        percent(s.paramReduction, 1), percent(s.flopReduction, 1), withSpread(s.epochs, s.epochsStd, (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1))),
        s.computeVsBaseline === null ? '-' : `${s.computeVsBaseline.toFixed(2)}×`,
        s.vsFinetune?.verdict ?? (s.vsRandomInit ? `vs random init (Scratch-E): ${s.vsRandomInit.verdict}` : ''),
      ]),
      ['l', 'l', 'r', 'r', ...(top5 ? ['r' as const] : []), 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
  );
  if (results.byRate) {
    // Liu et al. §6's layout: a column per learning rate.
    const { rates, rows } = results.byRate;
    console.log(`\nfinal test acc (mean ± std) by learning rate\n${table(
      ['regime', ...rates.map((lr) => `lr ${lr}`)],
      rows.map((r) => [regimeLabel(r), ...r.cells.map((c) => (c === null ? '-' : `${pm(c.accMean, c.accStd)}${c.completed < c.seeds ? ` (${c.completed}/${c.seeds})` : ''}`))]),
      ['l', ...rates.map(() => 'r' as const)],
    )}`);
  }
  for (const w of results.warnings) console.log(`warning: ${w}`);
}

/** A summary line's regime as the tables name it: "plain (no regulariser)", "round 2", "scratch-e". */
function regimeLabel(s: { regime: SummaryLine['regime']; round?: number }): string {
  return s.regime === 'train' ? 'plain (no regulariser)' : s.round !== undefined ? `round ${s.round}` : s.regime;
}

/** `value`, or `mean ± std` where the seeds differ (network slimming, magnitude masks). */
function withSpread(value: number | null, spread: number | null, show: (v: number) => string): string {
  if (value === null) return '-';
  return spread === null ? show(value) : `${show(value)} ± ${show(spread)}`;
}
