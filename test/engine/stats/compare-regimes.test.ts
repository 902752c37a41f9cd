// The verdict words and their tests on the cases that used to mislead: two seeds (too few to tell, not
// "no significant difference"), constant groups (no test, not p = 0), paired seeds that Welch cannot
// separate, and a difference inside the margin (equivalent).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareRegimes, type SeedValue } from '../../../src-main/engine/stats/compare-regimes.ts';
import { pairedTTest } from '../../../src-main/engine/stats/paired-t.ts';
import { welchTest } from '../../../src-main/engine/stats/welch.ts';

const seeds = (values: number[], first = 1): SeedValue[] => values.map((value, i) => ({ seed: first + i, value }));
const FINETUNE = [0.9, 0.92, 0.88, 0.93, 0.91];

test('two seeds far apart: inconclusive, with the seeds the spread would need, never "no significant difference"', () => {
  // The quickstart's case: +5.80 pp, 95% CI [−19.90, +31.50] under Welch.
  const c = compareRegimes(seeds([0.853, 0.85]), seeds([0.824, 0.763]))!;
  assert.equal(c.method, 'paired-t');
  assert.equal(c.outcome, 'inconclusive');
  assert.doesNotMatch(c.verdict, /no significant difference/);
  assert.match(c.verdict, /^inconclusive \(\+5\.80 pp, 95% CI \[.*\]; paired t over 2 paired seeds, p=0\.\d+; Wilcoxon p=0\.50; at this spread ≈ \d+ seeds would show a difference\)$/);
  assert.ok(c.seedsNeeded && c.seedsNeeded.seeds > 2);
});

test('constant groups that do not pair: no test applies (p is null, not 0), inconclusive', () => {
  const c = compareRegimes(seeds([0.9, 0.9], 1), seeds([0.91, 0.91], 3))!;
  assert.equal(c.method, 'welch-t');
  assert.equal(c.p, null);
  assert.equal(c.outcome, 'inconclusive');
  assert.match(c.verdict, /−1\.00 pp in every seed, with no spread between seeds, so no test applies/);
  // The same 4 images fewer in both seeds: differences equal up to floating-point noise (0.811 − 0.815 vs
  // 0.829 − 0.833) must not become a "90% CI [−0.40, −0.40]" that proves equivalence.
  const quantised = compareRegimes(seeds([0.811, 0.829]), seeds([0.815, 0.833]))!;
  assert.notEqual(0.811 - 0.815, 0.829 - 0.833, 'the noise is there');
  assert.equal(quantised.p, null);
  assert.equal(quantised.outcome, 'inconclusive');
  assert.match(quantised.verdict, /−0\.40 pp in every seed, with no spread between seeds/);
  const same = compareRegimes(seeds([0.9, 0.8]), seeds([0.9, 0.8]))!;
  assert.equal(same.outcome, 'equivalent');
  assert.match(same.verdict, /identical accuracy in each of 2 seeds/);
});

test('paired seeds: a consistent +1.1 pp that Welch cannot see is "scratch better" by the paired test', () => {
  const shift = [0.011, 0.012, 0.01, 0.013, 0.011];
  const scratch = FINETUNE.map((f, i) => f + shift[i]!);
  assert.ok(welchTest(scratch, FINETUNE)!.p > 0.2, 'unpaired: no signal');
  assert.ok(pairedTTest(scratch, FINETUNE)!.p < 0.001, 'paired: strong signal');
  const c = compareRegimes(seeds(scratch), seeds(FINETUNE))!;
  assert.equal(c.outcome, 'better');
  assert.match(c.verdict, /^scratch better \(\+1\.14 pp, 95% CI \[\+1\.\d\d, \+1\.\d\d\]; paired t over 5 paired seeds, p<0\.001; Wilcoxon p=0\.\d+\)$/);
  const worse = compareRegimes(seeds(FINETUNE), seeds(scratch))!;
  assert.equal(worse.outcome, 'worse');
  assert.match(worse.verdict, /^fine-tuned better/);
});

test('a small, tight difference is "equivalent within ±m" (TOST), with the margin the user set', () => {
  const scratch = FINETUNE.map((f, i) => f + [0.001, -0.001, 0.0005, 0, -0.0005][i]!);
  const c = compareRegimes(seeds(scratch), seeds(FINETUNE))!;
  assert.equal(c.outcome, 'equivalent');
  assert.match(c.verdict, /^equivalent within ±0\.5 pp \(\+0\.00 pp, 90% CI \[−0\.\d\d, \+0\.\d\d\]; paired t over 5 paired seeds, TOST p[<=]0\.\d+\)$/);
  const strict = compareRegimes(seeds(scratch), seeds(FINETUNE), 0.0005)!;
  assert.equal(strict.outcome, 'inconclusive', 'a margin of ±0.05 pp is too tight for this spread');
  assert.match(strict.verdict, /would show equivalence within ±0\.05 pp/);
});

test('seeds that do not pair fall back to Welch; too few runs say what is missing', () => {
  const c = compareRegimes(seeds([0.91, 0.92, 0.9], 10), seeds(FINETUNE))!;
  assert.equal(c.method, 'welch-t');
  assert.match(c.verdict, /Welch t over 3 seeds/);
  const few = compareRegimes(seeds([0.91]), seeds([0.9]))!;
  assert.equal(few.method, 'none');
  assert.match(few.verdict, /needs ≥ 2 seeds that completed both regimes \(have 1 paired; 1 and 1 runs\)/);
  assert.equal(compareRegimes([], seeds(FINETUNE)), null);
});
