// The verdict of "does training the pruned network from scratch match fine-tuning it?" over seeds.
//   - Runs pair by seed (each seed's scratch and fine-tuned runs share its baseline, plan and data
//     order): the paired t-test is the primary test when two or more seeds pair up, Welch's otherwise;
//     the Wilcoxon signed-rank test is reported beside a paired test as a check that needs no normality.
//   - Outcome words: "equivalent" when two one-sided tests put the difference inside ±margin (default
//     0.5 pp), else "better" / "worse" when the two-sided test rejects no difference (p < 0.05), else
//     "inconclusive" — with how many seeds the observed spread would need to decide. "No significant
//     difference" is never a verdict: with few seeds it only means "too few seeds to tell".
//   - No spread (every seed's difference equal, or both groups constant): no test is defined; the
//     outcome is "equivalent" only for a difference of exactly 0, else "inconclusive", and it says so.
import type { VersusFinetune } from '../../../src-shared/workbench-api.ts';
import { equivalenceTest, seedsNeeded } from './equivalence.ts';
import { pairedTTest, tResult, type TTest } from './paired-t.ts';
import { mean, std } from './summary.ts';
import { welchTest } from './welch.ts';
import { wilcoxonSignedRank, type SignedRank } from './wilcoxon.ts';

/** Accuracy (fraction) of one completed run, with the seed it ran with. */
export interface SeedValue {
  seed: number;
  value: number;
}

/** The comparison as the API serves it (src-shared/workbench-api.ts): one definition for both sides. */
export type Comparison = VersusFinetune;
export type Outcome = Comparison['outcome'];
export type TestMethod = Comparison['method'];

export const DEFAULT_MARGIN = 0.005;
const ALPHA = 0.05;

const pp = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)}`;
const interval = (ci: [number, number]): string => `[${pp(ci[0])}, ${pp(ci[1])}]`;
const pValue = (p: number): string => (p < 0.001 ? 'p<0.001' : `p=${p.toPrecision(2)}`);

/**
 * Scratch (E or B) against fine-tuning — or any regime against another, named by `names` in the verdict —
 * over seeds; `margin` is a fraction (0.005 = 0.5 pp). Null when a side has no runs.
 */
export function compareRegimes(
  scratch: readonly SeedValue[], finetune: readonly SeedValue[], margin = DEFAULT_MARGIN,
  names: { first: string; second: string } = { first: 'scratch', second: 'fine-tuned' },
): Comparison | null {
  if (scratch.length === 0 || finetune.length === 0) return null;
  const bySeed = new Map(finetune.map((f) => [f.seed, f.value]));
  const pairs = scratch.filter((s) => bySeed.has(s.seed)).map((s) => [s.value, bySeed.get(s.seed)!] as const);
  const marginPp = `±${(margin * 100).toFixed(2).replace(/\.?0+$/, '')} pp`;

  let method: TestMethod;
  let test: TTest | null;
  let n: number;
  let difference: number;
  let spread: number; // sd of the differences (paired) or the pooled-like spread for the seed estimate
  let wilcoxon: SignedRank | null = null;
  if (pairs.length >= 2) {
    method = 'paired-t';
    const a = pairs.map((p) => p[0]);
    const b = pairs.map((p) => p[1]);
    test = pairedTTest(a, b);
    n = pairs.length;
    const d = pairs.map((p) => p[0] - p[1]);
    difference = mean(d);
    spread = std(d);
    wilcoxon = wilcoxonSignedRank(d);
  } else if (scratch.length >= 2 && finetune.length >= 2) {
    method = 'welch-t';
    const a = scratch.map((s) => s.value);
    const b = finetune.map((f) => f.value);
    const w = welchTest(a, b);
    test = w ? tResult(w.difference, w.se, w.df, 0.95) : null;
    n = Math.min(a.length, b.length);
    difference = mean(a) - mean(b);
    spread = Math.sqrt(std(a) ** 2 + std(b) ** 2);
  } else {
    const d = mean(scratch.map((s) => s.value)) - mean(finetune.map((f) => f.value));
    const need = `needs ≥ 2 seeds that completed both regimes (have ${pairs.length} paired; ${scratch.length} and ${finetune.length} runs)`;
    return {
      method: 'none', n: pairs.length, difference: d, ci: null, p: null, t: null, df: null,
      equivalence: { margin, p: null, ci: null }, wilcoxon: null, outcome: 'inconclusive', seedsNeeded: null,
      verdict: `inconclusive (${pp(d)} pp): ${need}`,
    };
  }
  const over = `${method === 'paired-t' ? 'paired t' : 'Welch t'} over ${n} ${method === 'paired-t' ? 'paired ' : ''}seed${n === 1 ? '' : 's'}`;

  if (!test) {
    // No spread: the difference is the same in every seed (or both groups are constant).
    const exact = difference === 0;
    return {
      method, n, difference, ci: null, p: null, t: null, df: null,
      equivalence: { margin, p: null, ci: null }, wilcoxon, outcome: exact ? 'equivalent' : 'inconclusive', seedsNeeded: null,
      verdict: exact
        ? `equivalent (identical accuracy in each of ${n} seeds; no spread, so no test applies)`
        : `inconclusive: ${pp(difference)} pp in every seed, with no spread between seeds, so no test applies; run more seeds or evaluate on more test images`,
    };
  }

  const equivalence = equivalenceTest(test.difference, test.se, test.df, margin, ALPHA);
  const check = wilcoxon ? `; Wilcoxon ${pValue(wilcoxon.p)}` : '';
  let outcome: Outcome;
  let verdict: string;
  let needed: Comparison['seedsNeeded'] = null;
  if (equivalence.p < ALPHA) {
    outcome = 'equivalent';
    verdict = `equivalent within ${marginPp} (${pp(difference)} pp, 90% CI ${interval(equivalence.ci)}; ${over}, TOST ${pValue(equivalence.p)})`;
  } else if (test.p < ALPHA) {
    outcome = difference > 0 ? 'better' : 'worse';
    verdict = `${difference > 0 ? names.first : names.second} better (${pp(difference)} pp, 95% CI ${interval(test.ci)}; ${over}, ${pValue(test.p)}${check})`;
  } else {
    outcome = 'inconclusive';
    needed = seedsNeeded(difference, spread, margin);
    const more = needed
      ? `; at this spread ≈ ${needed.seeds} seeds would show ${needed.toShow === 'equivalence' ? `equivalence within ${marginPp}` : 'a difference'}`
      : '; at this spread no practical number of seeds would decide';
    verdict = `inconclusive (${pp(difference)} pp, 95% CI ${interval(test.ci)}; ${over}, ${pValue(test.p)}${check}${more})`;
  }
  return { method, n, difference, ci: test.ci, p: test.p, t: test.t, df: test.df, equivalence, wilcoxon, outcome, seedsNeeded: needed, verdict };
}
