// The comparison from stored runs: per-seed sizes (slimming and magnitude give each seed its own
// architecture) as mean ± std, the paired verdict, and the warnings that bend the results.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { RunRegime } from '../../src-shared/store-schemas.ts';
import { experimentResults } from '../../src-main/jobs/experiment-results.ts';
import { putArchSpec } from '../../src-main/store/arch-specs.ts';
import type { Db } from '../../src-main/store/db.ts';
import { createExperiment } from '../../src-main/store/experiments.ts';
import { recordEpoch } from '../../src-main/store/metrics.ts';
import { createRun, markRunFinished, markRunStarted } from '../../src-main/store/runs.ts';
import { memoryDb, smallVgg } from '../store/helpers.ts';

interface Fake {
  regime: RunRegime;
  seed: number;
  acc: number;
  params?: number;
  epochs?: number;
  reason?: string;
}

function experimentWith(t: TestContext, runs: Fake[], spec: Record<string, unknown> = {}): { db: Db; id: number } {
  const db = memoryDb(t);
  const experiment = createExperiment(db, { name: 'e', spec: { scale: 1, ...spec } });
  const base = putArchSpec(db, smallVgg, { params: 1000, flops: 10_000 });
  for (const r of runs) {
    const archSpecId = r.params ? putArchSpec(db, { ...smallVgg, cfg: [r.params % 97, 'M', 16] }, { params: r.params, flops: r.params * 10 }) : base;
    const epochs = r.epochs ?? 2;
    const run = createRun(db, {
      experimentId: experiment.id, regime: r.regime, seed: r.seed, archSpecId, datasetId: 'd', config: { epochs, batchSize: 64 }, epochsPlanned: epochs,
    });
    markRunStarted(db, run.id, { backend: 'wasm', backendReason: r.reason ?? 'wasm: WebAssembly; 1 thread' });
    for (let e = 1; e <= epochs; e++) recordEpoch(db, run.id, { epoch: e, trainLoss: 1, trainAcc: 0.5, testLoss: 1, testAcc: e === epochs ? r.acc : 0.1, lr: 0.1, wallS: 1 });
    markRunFinished(db, run.id, 'completed');
  }
  return { db, id: experiment.id };
}

const chain = (seed: number, ft: number, se: number, sb: number, params?: number, extra: Partial<Fake> = {}): Fake[] => [
  { regime: 'baseline', seed, acc: 0.93, ...extra },
  { regime: 'finetune', seed, acc: ft, params, ...extra },
  { regime: 'scratch-e', seed, acc: se, params, ...extra },
  { regime: 'scratch-b', seed, acc: sb, params, epochs: 4, ...extra },
];

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
