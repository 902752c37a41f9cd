// The comparison from stored runs: per-seed sizes (slimming and magnitude give each seed its own
// architecture) as mean ± std, the paired verdict, and the warnings that bend the results.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { experimentResults } from '../../src-main/queries/experiment-results.ts';
import { putPlan } from '../../src-main/store/plans.ts';
import { chain, experimentWith } from '../jobs/fake-experiments.ts';

test('sizes that differ by seed are means with their spread; equal ones have none', (t) => {
  const { db, id } = experimentWith(t, [...chain(1, 0.9, 0.91, 0.92, 500), ...chain(2, 0.91, 0.9, 0.93, 700)]);
  const r = experimentResults(db, id);
  const ft = r.summary.find((s) => s.regime === 'finetune')!;
  assert.equal(ft.params, 600);
  assert.ok(Math.abs(ft.paramsStd! - Math.sqrt(20_000)) < 1e-9);
  assert.equal(ft.flops, 6000);
  assert.ok(Math.abs(ft.paramReduction! - 0.4) < 1e-12, 'reduction of the mean');
  assert.equal(ft.epochsStd, null);
  const baseline = r.summary.find((s) => s.regime === 'baseline')!;
  assert.equal(baseline.params, 1000);
  assert.equal(baseline.paramsStd, null);
  assert.deepEqual(r.warnings, []);
});

test('the verdict pairs runs by seed and follows the spec\'s equivalence margin', (t) => {
  const runs = [1, 2, 3, 4].flatMap((s) => chain(s, 0.9 + s / 100, 0.9 + s / 100 + 0.0005 * (s % 2 ? 1 : -1), 0.92 + s / 100));
  const wide = experimentResults(experimentWith(t, runs, { equivalenceMargin: 0.5 }).db, 1);
  const e = wide.summary.find((s) => s.regime === 'scratch-e')!.vsFinetune!;
  assert.ok('outcome' in e);
  assert.equal(e.method, 'paired-t');
  assert.equal(e.outcome, 'equivalent');
  const narrow = experimentResults(experimentWith(t, runs, { equivalenceMargin: 0.01 }).db, 1);
  const n = narrow.summary.find((s) => s.regime === 'scratch-e')!.vsFinetune!;
  assert.ok('outcome' in n);
  assert.equal(n.outcome, 'inconclusive');
  assert.match(n.verdict, /±0\.01 pp/);
});

test('warnings: Scratch-B no longer than Scratch-E, and batch norm on data-parallel shards', (t) => {
  const runs = [...chain(1, 0.9, 0.91, 0.92, undefined, { reason: 'wasm: WebAssembly; 4 threads, data-parallel' }), ...chain(2, 0.91, 0.9, 0.93)]
    .map((r) => (r.regime === 'scratch-b' ? { ...r, epochs: 2 } : r));
  const r = experimentResults(experimentWith(t, runs, { scale: 0.05 }).db, 1);
  assert.equal(r.warnings.length, 2, r.warnings.join('\n'));
  assert.match(r.warnings[0]!, /^Scratch-B trains 2 epochs, no more than Scratch-E's 2 \(at scale 0\.05 its compute budget rounds down to the same epochs\)/);
  assert.match(r.warnings[1]!, /^4 of 8 runs trained data-parallel on 4 threads: batch norm saw 16 of each batch's 64 images per shard/);
});

test("the plans' notes become warnings, seeds with the same note together", (t) => {
  const { db, id } = experimentWith(t, [...chain(1, 0.9, 0.91, 0.92), ...chain(2, 0.91, 0.9, 0.93), ...chain(3, 0.9, 0.9, 0.9)]);
  putPlan(db, id, 1, JSON.stringify({ notes: ['restored 1 channel'] }));
  putPlan(db, id, 2, JSON.stringify({ notes: ['restored 1 channel', 'emptied features.0.weight'] }));
  putPlan(db, id, 3, JSON.stringify({}));
  assert.deepEqual(experimentResults(db, id).warnings, ['seeds 1, 2: restored 1 channel', 'seed 2: emptied features.0.weight']);
});
