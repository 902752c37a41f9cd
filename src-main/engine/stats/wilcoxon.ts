// The Wilcoxon signed-rank test (Wilcoxon 1945) on paired differences, two-sided: a check on the paired
// t-test that does not assume normal differences. As SciPy's wilcoxon (zero_method 'wilcox', method
// 'auto'): zero differences are dropped; exact null distribution when n ≤ 50 without ties, otherwise
// the normal approximation with the tie correction (no continuity correction). Statistic: min(W+, W−).
import { normalCdf } from './student-t.ts';

export interface SignedRank {
  statistic: number;
  p: number;
  exact: boolean;
  /** Non-zero differences used. */
  n: number;
}

/** Null when every difference is zero. */
export function wilcoxonSignedRank(differences: readonly number[]): SignedRank | null {
  const d = differences.filter((x) => x !== 0);
  const n = d.length;
  if (n === 0) return null;
  const order = d.map((x, i) => ({ abs: Math.abs(x), i })).sort((a, b) => a.abs - b.abs);
  const ranks = new Array<number>(n);
  const tieSizes: number[] = [];
  for (let s = 0; s < n; ) {
    let e = s;
    while (e + 1 < n && order[e + 1]!.abs === order[s]!.abs) e++;
    for (let k = s; k <= e; k++) ranks[order[k]!.i] = (s + e + 2) / 2;
    if (e > s) tieSizes.push(e - s + 1);
    s = e + 1;
  }
  let plus = 0;
  for (let i = 0; i < n; i++) if (d[i]! > 0) plus += ranks[i]!;
  const total = (n * (n + 1)) / 2;
  const statistic = Math.min(plus, total - plus);
  if (n <= 50 && tieSizes.length === 0) {
    return { statistic, p: Math.min(1, 2 * exactCdf(n, statistic)), exact: true, n };
  }
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieSizes.reduce((s, t) => s + t ** 3 - t, 0) / 48;
  const z = (statistic - total / 2) / Math.sqrt(variance);
  return { statistic, p: Math.min(1, 2 * normalCdf(-Math.abs(z))), exact: false, n };
}

/** P(W ≤ w) under H0 for n untied ranks: counts of subsets of 1..n by their sum, over 2^n. */
function exactCdf(n: number, w: number): number {
  const max = (n * (n + 1)) / 2;
  let counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let r = 1; r <= n; r++) {
    const next = counts.slice();
    for (let s = r; s <= max; s++) next[s]! += counts[s - r]!;
    counts = next;
  }
  let below = 0;
  for (let s = 0; s <= Math.floor(w); s++) below += counts[s]!;
  return below / 2 ** n;
}
