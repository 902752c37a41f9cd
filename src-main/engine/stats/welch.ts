// Welch's two-sample t-test (unequal variances, Satterthwaite degrees of freedom) on the difference
// of means a − b, with its confidence interval. Used for the verdict "does Scratch-B/Scratch-E differ
// from fine-tuning?" over seeds. Student's t quantiles come from jstat.
import jstatModule from 'jstat';

const { jStat } = jstatModule as unknown as typeof import('jstat');

export interface WelchResult {
  /** mean(a) − mean(b). */
  difference: number;
  ci: [number, number];
  confidence: number;
  t: number;
  df: number;
  /** Two-sided p-value. */
  p: number;
  significant: boolean;
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Null when either group has fewer than two values (no variance to test with). */
export function welchTest(a: readonly number[], b: readonly number[], confidence = 0.95): WelchResult | null {
  if (a.length < 2 || b.length < 2) return null;
  const difference = mean(a) - mean(b);
  const va = std(a) ** 2 / a.length;
  const vb = std(b) ** 2 / b.length;
  const se = Math.sqrt(va + vb);
  if (se === 0) {
    return { difference, ci: [difference, difference], confidence, t: difference === 0 ? 0 : Infinity, df: a.length + b.length - 2, p: difference === 0 ? 1 : 0, significant: difference !== 0 };
  }
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const t = difference / se;
  const p = 2 * (1 - jStat.studentt.cdf(Math.abs(t), df));
  const q = jStat.studentt.inv(1 - (1 - confidence) / 2, df);
  return { difference, ci: [difference - q * se, difference + q * se], confidence, t, df, p, significant: p < 1 - confidence };
}
