// The paired t-test over seeds: each seed's pruned-from-scratch run and fine-tuned run share the seed's
// baseline, plan and data order, so their difference is the observation (Student 1908; R's
// t.test(paired = TRUE), SciPy's ttest_rel). Null when it is not defined: fewer than two pairs, or
// differences without spread (then the difference is known exactly, and no test applies).
import { mean, noSpread, std } from './summary.ts';
import { tCdf, tQuantile } from './student-t.ts';

export interface TTest {
  /** mean(a − b). */
  difference: number;
  /** Its standard error and degrees of freedom (what the equivalence test builds on). */
  se: number;
  df: number;
  t: number;
  /** Two-sided p-value. */
  p: number;
  ci: [number, number];
  confidence: number;
}

/** `a[i]` pairs with `b[i]`. */
export function pairedTTest(a: readonly number[], b: readonly number[], confidence = 0.95): TTest | null {
  if (a.length !== b.length) throw new RangeError(`paired samples of different lengths (${a.length}, ${b.length})`);
  if (a.length < 2) return null;
  const d = a.map((x, i) => x - b[i]!);
  if (noSpread(d, [...a, ...b])) return null;
  const se = std(d) / Math.sqrt(d.length);
  return tResult(mean(d), se, d.length - 1, confidence);
}

export function tResult(difference: number, se: number, df: number, confidence: number): TTest {
  const t = difference / se;
  const p = Math.min(1, 2 * (1 - tCdf(Math.abs(t), df)));
  const q = tQuantile(1 - (1 - confidence) / 2, df);
  return { difference, se, df, t, p, ci: [difference - q * se, difference + q * se], confidence };
}
