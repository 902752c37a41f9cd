// Equivalence by two one-sided tests (TOST; Schuirmann 1987): the difference lies within ±margin when
// both "difference ≤ −margin" and "difference ≥ +margin" are rejected, i.e. when the (1 − 2α) confidence
// interval lies inside (−margin, +margin). Built on a t statistic's difference, standard error and
// degrees of freedom (paired or Welch).
import { tCdf, tQuantile } from './student-t.ts';

export interface Equivalence {
  margin: number;
  /** max of the two one-sided p-values: equivalent at level α when p < α. */
  p: number;
  /** The (1 − 2α) interval of the difference: 90% at α = 0.05. */
  ci: [number, number];
  alpha: number;
}

export function equivalenceTest(difference: number, se: number, df: number, margin: number, alpha = 0.05): Equivalence {
  if (!(margin > 0)) throw new RangeError(`equivalence margin must be > 0 (got ${margin})`);
  const pBelow = 1 - tCdf((difference + margin) / se, df); // H0: difference ≤ −margin
  const pAbove = tCdf((difference - margin) / se, df); // H0: difference ≥ +margin
  const q = tQuantile(1 - alpha, df);
  return { margin, p: Math.max(pBelow, pAbove), ci: [difference - q * se, difference + q * se], alpha };
}

/**
 * How many seeds (pairs) the observed spread `sd` of the differences would need, with the difference
 * staying at `difference`, for a test to decide: equivalence when |difference| < margin (the 90% interval
 * inside ±margin), else a difference (the 95% interval excluding 0). Null above `limit`.
 */
export function seedsNeeded(difference: number, sd: number, margin: number, limit = 1000): { seeds: number; toShow: 'equivalence' | 'difference' } | null {
  const equivalence = Math.abs(difference) < margin;
  const room = equivalence ? margin - Math.abs(difference) : Math.abs(difference);
  if (room === 0) return null;
  for (let n = 2; n <= limit; n++) {
    const q = tQuantile(equivalence ? 0.95 : 0.975, n - 1);
    if ((q * sd) / Math.sqrt(n) < room) return { seeds: n, toShow: equivalence ? 'equivalence' : 'difference' };
  }
  return null;
}
