import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mean, std } from '../../../src-main/engine/stats/summary.ts';
import { welchTest } from '../../../src-main/engine/stats/welch.ts';

test("Welch's t-test matches the textbook example (Wikipedia, Welch's t-test, example 1)", () => {
  const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
  const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
  const r = welchTest(a1, a2)!;
  assert.ok(Math.abs(r.t - -2.46) < 0.01, `t ${r.t}`);
  assert.ok(r.df > 24.9 && r.df < 25.0, `df ${r.df}`);
  assert.ok(Math.abs(r.p - 0.021) < 0.001, `p ${r.p}`);
  assert.equal(r.significant, true);
  assert.ok(r.ci[0] < r.difference && r.difference < r.ci[1] && r.ci[1] < 0, `CI ${r.ci}`);
});

test('the 95% interval is the difference ± t(0.975, df) · SE, and it widens at 99%', () => {
  const a = [0.91, 0.915, 0.905];
  const b = [0.9, 0.898, 0.902];
  const r95 = welchTest(a, b)!;
  const r99 = welchTest(a, b, 0.99)!;
  assert.ok(Math.abs((r95.ci[0] + r95.ci[1]) / 2 - r95.difference) < 1e-12);
  assert.ok(r99.ci[1] - r99.ci[0] > r95.ci[1] - r95.ci[0]);
});

test('too few values, identical groups, mean and sample std', () => {
  assert.equal(welchTest([0.9], [0.8, 0.85]), null);
  assert.equal(welchTest([0.5, 0.5], [0.5, 0.5]), null, 'no spread: no test');
  assert.equal(welchTest([0.9, 0.9], [0.91, 0.91]), null, 'constant groups are not "significant"');
  assert.equal(mean([1, 2, 3]), 2);
  assert.ok(Math.abs(std([1, 2, 3, 4]) - Math.sqrt(5 / 3)) < 1e-12);
  assert.equal(std([7]), 0);
});
