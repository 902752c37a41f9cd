// The paired t-test, Welch's test, the Wilcoxon signed-rank test and TOST against published examples:
//   - Student's sleep data (Cushny & Peebles 1905; R's `sleep`): R's t.test(extra ~ group, paired = TRUE)
//     gives t = −4.0621, df = 9, p = 0.002833, 95% CI [−2.4599, −0.7001]; unpaired (Welch) t = −1.8608,
//     df = 17.776, p = 0.07939, CI [−3.3655, 0.2055]. SciPy 1.17's ttest_rel / ttest_ind agree.
//   - Darwin's Zea mays differences (SciPy's wilcoxon documentation): statistic 24, p = 0.041259765625
//     (exact); small exact cases computed with scipy.stats.wilcoxon 1.17.
//   - TOST: two one-sided one-sample t-tests at ±0.5, scipy.stats.ttest_1samp(alternative='greater' /
//     'less') 1.17, on the differences below.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { equivalenceTest, seedsNeeded } from '../../../src-main/engine/stats/equivalence.ts';
import { pairedTTest } from '../../../src-main/engine/stats/paired-t.ts';
import { mean, std } from '../../../src-main/engine/stats/summary.ts';
import { welchTest } from '../../../src-main/engine/stats/welch.ts';
import { wilcoxonSignedRank } from '../../../src-main/engine/stats/wilcoxon.ts';

const SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

const near = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);

test('paired t-test on the sleep data matches R and SciPy', () => {
  const r = pairedTTest(SLEEP_1, SLEEP_2)!;
  near(r.t, -4.062127683382037, 1e-9, 't');
  assert.equal(r.df, 9);
  near(r.p, 0.002832890197384273, 1e-9, 'p');
  near(r.ci[0], -2.459885763276983, 1e-6, 'CI low'); // jstat's t quantile: ≈ 1e-8
  near(r.ci[1], -0.7001142367230175, 1e-6, 'CI high');
  near(r.difference, -1.58, 1e-12, 'mean difference');
});

test("Welch's test on the same data, unpaired, matches R and SciPy: pairing is what makes it significant", () => {
  const r = welchTest(SLEEP_1, SLEEP_2)!;
  near(r.t, -1.8608134674868526, 1e-9, 't');
  near(r.df, 17.776473516178488, 1e-9, 'df');
  near(r.p, 0.0793941401873583, 1e-9, 'p');
  near(r.ci[0], -3.3654832307117104, 1e-6, 'CI low');
  near(r.ci[1], 0.20548323071171137, 1e-6, 'CI high');
});

test('no spread: the paired test and Welch are undefined (null), never p = 0', () => {
  assert.equal(pairedTTest([0.9, 0.8], [0.89, 0.79]), null, 'equal differences');
  assert.equal(welchTest([0.9, 0.9], [0.91, 0.91]), null, 'both groups constant');
  assert.equal(pairedTTest([0.9], [0.8]), null, 'one pair');
  assert.throws(() => pairedTTest([1, 2], [1]), /different lengths/);
});

test('Wilcoxon signed-rank: exact p on Darwin\'s data and small cases as SciPy', () => {
  const zea = wilcoxonSignedRank([6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75])!;
  assert.equal(zea.statistic, 24);
  assert.equal(zea.exact, true);
  near(zea.p, 0.041259765625, 1e-12, 'Zea mays p');
  for (const [d, statistic, p] of [[[1, 2, 3, 4, 5], 0, 0.0625], [[0.5, -0.2, 0.3, 0.8], 1, 0.25], [[1, 2, -3, 4, 5, 6], 3, 0.15625]] as const) {
    const r = wilcoxonSignedRank(d)!;
    assert.equal(r.statistic, statistic, `${d}`);
    near(r.p, p, 1e-12, `${d}`);
  }
  assert.equal(wilcoxonSignedRank([0, 0]), null, 'all zero');
  assert.equal(wilcoxonSignedRank([0, 1, 2, 3, 4, 5])!.n, 5, 'zeros dropped');
});

test('Wilcoxon with ties: the normal approximation with the tie correction', () => {
  // Ranks of |d| = 1, 1, 2, 3 → 1.5, 1.5, 3, 4; W+ = 1.5 + 3 + 4 = 8.5, W− = 1.5; T = 1.5, n = 4.
  // Var = 4·5·9/24 − (2³ − 2)/48 = 7.375; z = (1.5 − 5)/√7.375; p = 2Φ(z).
  const r = wilcoxonSignedRank([1, -1, 2, 3])!;
  assert.equal(r.exact, false);
  assert.equal(r.statistic, 1.5);
  const z = (1.5 - 5) / Math.sqrt(7.375);
  // Φ(z) = (1 + erf(z/√2))/2, erf by Abramowitz & Stegun (independent of jstat).
  near(r.p, 2 * 0.5 * (1 + erf(z / Math.SQRT2)), 1e-6, 'p');
});

/** Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), independent of jstat. */
function erf(x: number): number {
  const s = Math.sign(x);
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return s * y;
}

test('TOST: two one-sided tests as SciPy, and the 90% interval inside the margin exactly when p < 0.05', () => {
  const within = [0.12, -0.31, 0.05, 0.22, -0.08, 0.17, -0.02, 0.09];
  const se = std(within) / Math.sqrt(within.length);
  const e = equivalenceTest(mean(within), se, within.length - 1, 0.5);
  near(e.p, 4.9213813870224135e-05, 1e-12, 'p = max of the one-sided p-values');
  near(e.ci[0], -0.08265519152890742, 1e-6, '90% CI low');
  near(e.ci[1], 0.1426551915289074, 1e-6, '90% CI high');

  // A real difference (the plain t-test: p = 0.0056) that is not shown to be within ±0.5.
  const shifted = [0.42, 0.31, 0.65, 0.22, 0.58];
  const e2 = equivalenceTest(mean(shifted), std(shifted) / Math.sqrt(5), 4, 0.5);
  near(e2.p, 0.23532460975079045, 1e-9, 'p');
  assert.ok(e2.ci[1] > 0.5);
  assert.throws(() => equivalenceTest(0, 1, 3, 0), /margin/);
});

test('seeds needed: the smallest n whose interval at the observed spread would decide', () => {
  const r = seedsNeeded(0.001, 0.004, 0.005)!;
  assert.equal(r.toShow, 'equivalence');
  // At n the 90% half-width t(0.95, n−1)·sd/√n is below 0.004; at n − 1 it is not.
  const half = (n: number): number => equivalenceTest(0, 0.004 / Math.sqrt(n), n - 1, 1).ci[1];
  assert.ok(half(r.seeds) < 0.004 && half(r.seeds - 1) >= 0.004, `${r.seeds}`);
  assert.equal(seedsNeeded(0.02, 0.01, 0.005)!.toShow, 'difference');
  assert.equal(seedsNeeded(0.001, 10, 0.005), null, 'more than 1000');
});
