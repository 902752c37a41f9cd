// The study over experiments: a point per completed run, per (experiment, regime) the mean and std over
// seeds, latencies from the newest stored measurement's backend (batch 1 and its larger batch), the CSV,
// and the terminal table. Stored runs are fakes (fake-experiments.ts): only the aggregation is tested here;
// the UI test measures real latencies of really trained runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { formatStudy } from '../../src-main/cli/commands/study.ts';
import { study } from '../../src-main/queries/study.ts';
import { latenciesOf, putLatencies } from '../../src-main/store/latency.ts';
import { listRuns } from '../../src-main/store/runs.ts';
import { chain, experimentWith } from '../jobs/fake-experiments.ts';

test('points, group means over seeds and the CSV; no latency until one is stored', (t) => {
  const { db, id: a } = experimentWith(t, [...chain(1, 0.9, 0.91, 0.92, 500), ...chain(2, 0.88, 0.93, 0.94, 500)], { method: { id: 'l1_norm' } });
  const { id: b } = experimentWith(t, [{ regime: 'scratch-b', seed: 1, acc: 0.8, params: 300 }], { method: { id: 'uniform' } }, db);
  const s = study(db, [a, b]);
  assert.deepEqual(s.experiments.map((e) => [e.id, e.method]), [[a, 'l1_norm'], [b, 'uniform']]);
  assert.equal(s.points.length, 9);
  assert.deepEqual(s.groups.map((g) => g.label), [`#${a} l1_norm · baseline`, `#${a} l1_norm · fine-tuned`, `#${a} l1_norm · Scratch-E`, `#${a} l1_norm · Scratch-B`, `#${b} uniform · Scratch-B`]);
  const ft = s.groups[1]!;
  assert.equal(ft.seeds, 2);
  assert.ok(Math.abs(ft.accMean - 0.89) < 1e-12);
  assert.ok(Math.abs(ft.accStd! - Math.SQRT2 * 0.01) < 1e-12, `${ft.accStd}`);
  assert.equal(ft.params, 500);
  assert.equal(s.groups[4]!.accStd, null, 'one seed: no spread');
  assert.equal(s.latency, null);
  assert.ok(s.points.every((p) => p.latency1Ms === null && p.latencyBatchMs === null));
  const csv = parse(s.csv, { columns: true }) as Array<Record<string, string>>;
  assert.equal(csv.length, 5);
  assert.equal(csv[1]!.test_acc_mean, String(ft.accMean));
  assert.equal(csv[1]!.latency_batch1_ms, '');
  assert.match(formatStudy(s), /latency: not measured yet/);
});

test('latencies: the newest backend measured, batch 1 and its largest other batch; a re-measurement replaces', (t) => {
  const { db, id } = experimentWith(t, chain(1, 0.9, 0.91, 0.92, 500), { method: { id: 'l1_norm' } });
  const runs = listRuns(db, { experimentId: id });
  const large = runs.find((r) => r.regime === 'baseline')!.archSpecId;
  const pruned = runs.find((r) => r.regime === 'finetune')!.archSpecId;
  putLatencies(db, [
    { archSpecId: large, backend: 'wasm', device: 'CPU', batchSize: 1, medianMs: 9, repeats: 20 },
  ]);
  // Later, on another backend, both architectures at batch 1 and 32.
  const later = [
    { archSpecId: large, backend: 'tensorflow', device: 'CPU (oneDNN on)', batchSize: 1, medianMs: 2, repeats: 20 },
    { archSpecId: large, backend: 'tensorflow', device: 'CPU (oneDNN on)', batchSize: 32, medianMs: 20, repeats: 20 },
    { archSpecId: pruned, backend: 'tensorflow', device: 'CPU (oneDNN on)', batchSize: 1, medianMs: 1, repeats: 20 },
    { archSpecId: pruned, backend: 'tensorflow', device: 'CPU (oneDNN on)', batchSize: 32, medianMs: 8, repeats: 20 },
  ];
  // measured_at has millisecond resolution: make the second write strictly newer.
  const until = Date.now() + 5;
  while (Date.now() < until) { /* wait */ }
  putLatencies(db, later);
  let s = study(db, [id]);
  assert.deepEqual({ backend: s.latency!.backend, batch: s.latency!.batchSize, measured: s.latency!.measured, of: s.latency!.architectures }, { backend: 'tensorflow', batch: 32, measured: 2, of: 2 });
  assert.deepEqual(s.groups.map((g) => [g.regime, g.latency1Ms, g.latencyBatchMs]), [['baseline', 2, 20], ['finetune', 1, 8], ['scratch-e', 1, 8], ['scratch-b', 1, 8]]);
  const csv = parse(s.csv, { columns: true }) as Array<Record<string, string>>;
  assert.equal(csv[0]!.latency_batch32_ms, '20');
  assert.match(formatStudy(s), /latency b32 ms/);
  putLatencies(db, [{ ...later[0]!, medianMs: 3 }]);
  assert.equal(latenciesOf(db, [large]).length, 3, 'wasm b1, tensorflow b1 (replaced), tensorflow b32');
  s = study(db, [id]);
  assert.equal(s.groups[0]!.latency1Ms, 3);
  assert.throws(() => putLatencies(db, [{ ...later[0]!, medianMs: 0 }, later[1]!]), /latency measurement 0: field 'medianMs'/);
  assert.equal(study(db, [id]).groups[0]!.latency1Ms, 3, 'a refused batch changes nothing');
});
