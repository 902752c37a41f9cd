// Welch's two-sample t-test (unequal variances, Satterthwaite degrees of freedom) on the difference
// of means a − b, with its confidence interval: the verdict's test when the seeds do not pair up
// (compare-regimes.ts). Null when it is not defined: a group of fewer than two, or no spread in either.
import { mean, noSpread, std } from './summary.ts';
import { tCdf, tQuantile } from './student-t.ts';

export interface WelchResult {
  /** mean(a) − mean(b). */
  difference: number;
  /** Standard error of the difference. */
  se: number;
  ci: [number, number];
  confidence: number;
  t: number;
  df: number;
  /** Two-sided p-value. */
  p: number;
  significant: boolean;
}

/** Null when either group has fewer than two values, or neither varies (no variance to test with). */
export function welchTest(a: readonly number[], b: readonly number[], confidence = 0.95): WelchResult | null {
  if (a.length < 2 || b.length < 2) return null;
  const difference = mean(a) - mean(b);
  const va = std(a) ** 2 / a.length;
  const vb = std(b) ** 2 / b.length;
  const se = Math.sqrt(va + vb);
  if (noSpread(a) && noSpread(b)) return null;
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const t = difference / se;
  const p = Math.min(1, 2 * (1 - tCdf(Math.abs(t), df)));
  const q = tQuantile(1 - (1 - confidence) / 2, df);
  return { difference, se, ci: [difference - q * se, difference + q * se], confidence, t, df, p, significant: p < 1 - confidence };
}
