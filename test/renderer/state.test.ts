// The renderer's pure logic, tested under Node: EMA smoothing with debias, mean ± std bands across
// seeds, the Experiments table's search and sort, the generated params form, routes and curves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EpochMetric, Run } from '../../src-shared/store-schemas.ts';
import type { ExperimentRow } from '../../src-shared/workbench-api.ts';
import { regimeBands, runSeries, xOf } from '../../src-renderer/src/lib/curves.ts';
import { matchesSearch, parseTags, sortRows, visibleRows } from '../../src-renderer/src/lib/experiment-table.ts';
import { href, parseRoute } from '../../src-renderer/src/lib/routes.ts';
import { fieldOfMessage, fieldsFromSchema, parseField, setPath, toText } from '../../src-renderer/src/lib/schema-form.ts';
import { emaDebiased } from '../../src-renderer/src/lib/smoothing.ts';
import { bandAcrossSeeds, meanStd } from '../../src-renderer/src/lib/stats.ts';
import { coalesce, debounce } from '../../src-renderer/src/lib/debounce.ts';

const close = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) < eps, `${a} ≠ ${b}`);

test('EMA smoothing is debiased like TensorBoard: a constant stays constant from the first point', () => {
  assert.deepEqual(emaDebiased([1, 2, 3], 0), [1, 2, 3]);
  for (const v of emaDebiased([5, 5, 5, 5], 0.9)) close(v!, 5);
  // By hand: w = 0.5; last = 0.5, 1.5 -> /0.5, /0.75 -> 1, 2.
  const [a, b] = emaDebiased([1, 3], 0.5);
  close(a!, 1);
  close(b!, (0.5 * 0.5 * 1 + 0.5 * 3) / 0.75);
  // Gaps and diverged values pass through and do not poison the average.
  const s = emaDebiased([1, null, NaN, 1], 0.6);
  assert.equal(s[1], null);
  assert.ok(Number.isNaN(s[2]!));
  close(s[3]!, 1);
});

test('mean ± std over seeds uses the sample std and aligns curves by x', () => {
  const { mean, std } = meanStd([0.1, 0.3]);
  close(mean, 0.2);
  close(std, Math.sqrt(0.02));
  assert.deepEqual(meanStd([0.4]), { mean: 0.4, std: 0 });
  const band = bandAcrossSeeds([
    [[1, 0.1], [2, 0.2], [3, 0.3]],
    [[1, 0.3], [2, null], [3, 0.5]],
  ]);
  assert.deepEqual(band.x, [1, 2, 3]);
  assert.deepEqual(band.count, [2, 1, 2]);
  close(band.mean[0]!, 0.2);
  close(band.hi[2]! - band.mean[2]!, Math.sqrt(0.02));
  close(band.lo[1]!, 0.2);
});

function row(over: Partial<ExperimentRow>): ExperimentRow {
  return { id: 1, name: 'a', dataset: 'cifar10', arch: 'vgg16', method: 'l1_norm', status: 'completed', tags: [], notes: '', hidden: false, bestAcc: null, runs: 0, runsCompleted: 0, createdAt: '2026-01-01T00:00:00.000Z', ...over };
}

test('the Experiments table searches terms, tags and status, and sorts with nulls last', () => {
  const rows = [
    row({ id: 1, name: 'resnet run', arch: 'resnet56', bestAcc: 0.9, tags: ['paper'], createdAt: '2026-01-01T00:00:00.000Z' }),
    row({ id: 2, name: 'vgg run', bestAcc: null, status: 'running', notes: 'Flaky GPU', createdAt: '2026-01-03T00:00:00.000Z' }),
    row({ id: 3, name: 'vgg slim', bestAcc: 0.93, hidden: true, createdAt: '2026-01-02T00:00:00.000Z' }),
  ];
  assert.ok(matchesSearch(rows[0]!, 'tag:pap RESNET'));
  assert.ok(!matchesSearch(rows[0]!, 'tag:pap vgg'));
  assert.ok(matchesSearch(rows[1]!, 'status:run flaky'));
  assert.deepEqual(sortRows(rows, 'bestAcc', 'desc').map((r) => r.id), [3, 1, 2]);
  assert.deepEqual(sortRows(rows, 'bestAcc', 'asc').map((r) => r.id), [1, 3, 2]);
  assert.deepEqual(sortRows(rows, 'createdAt', 'desc').map((r) => r.id), [2, 3, 1]);
  assert.deepEqual(visibleRows(rows, { search: 'vgg', key: 'name', dir: 'asc', showHidden: false }).map((r) => r.id), [2]);
  assert.deepEqual(visibleRows(rows, { search: 'vgg', key: 'name', dir: 'asc', showHidden: true }).map((r) => r.id), [2, 3]);
  assert.deepEqual(parseTags(' a, b,, a ,c '), ['a', 'b', 'c']);
});

// What describeOptions gives for l1_norm and random (z.toJSONSchema of their params schemas).
const L1_SCHEMA = {
  type: 'object',
  properties: {
    target: { type: 'string', enum: ['vgg16_a', 'resnet56_a'] },
    cfg: { type: 'array', items: { anyOf: [{ type: 'integer', exclusiveMinimum: 0, maximum: 9007199254740991 }, { type: 'string', const: 'M' }] } },
    ratio: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
    ratios: { type: 'array', items: { type: 'number', minimum: 0, exclusiveMaximum: 1 } },
  },
  additionalProperties: false,
};
const RANDOM_SCHEMA = { type: 'object', properties: { widthsFrom: L1_SCHEMA }, required: ['widthsFrom'] };
const SLIM_SCHEMA = { type: 'object', properties: { percent: { default: 0.5, type: 'number', minimum: 0, exclusiveMaximum: 1 }, strictMinimum: { default: false, type: 'boolean' } } };

test('a params form is generated from a JSON Schema and parses its text back with the bounds checked', () => {
  const fields = fieldsFromSchema(L1_SCHEMA, 'method.params');
  assert.deepEqual(fields.map((f) => [f.path, f.kind]), [
    ['method.params.target', 'enum'],
    ['method.params.cfg', 'list'],
    ['method.params.ratio', 'number'],
    ['method.params.ratios', 'list'],
  ]);
  const [target, cfg, ratio, ratios] = fields as [any, any, any, any];
  assert.equal(cfg.maximum, undefined, 'MAX_SAFE_INTEGER is not a bound worth showing');
  assert.deepEqual(parseField(cfg, '64, M, 128'), { ok: true, value: [64, 'M', 128] });
  assert.deepEqual(parseField(cfg, '64, 1.5'), { ok: false, message: "item '1.5': must be a whole number" });
  assert.deepEqual(parseField(ratio, '1'), { ok: false, message: 'must be < 1' });
  assert.deepEqual(parseField(ratio, '-0.1'), { ok: false, message: 'must be ≥ 0' });
  assert.deepEqual(parseField(ratio, 'abc'), { ok: false, message: 'not a number' });
  assert.deepEqual(parseField(ratio, ''), { ok: true, value: undefined });
  assert.deepEqual(parseField(ratios, '0, 0.5,0.5'), { ok: true, value: [0, 0.5, 0.5] });
  assert.deepEqual(parseField(target, 'nope'), { ok: false, message: 'one of vgg16_a, resnet56_a' });
  assert.equal(toText(ratios, [0, 0.5]), '0, 0.5');

  const nested = fieldsFromSchema(RANDOM_SCHEMA);
  assert.deepEqual(nested.map((f) => f.path), ['widthsFrom.target', 'widthsFrom.cfg', 'widthsFrom.ratio', 'widthsFrom.ratios']);
  const slim = fieldsFromSchema(SLIM_SCHEMA);
  assert.deepEqual(slim.map((f) => [f.kind, f.default]), [['number', 0.5], ['boolean', false]]);
  assert.deepEqual(parseField(slim[1]!, 'true'), { ok: true, value: true });

  const spec: Record<string, unknown> = { method: { id: 'l1_norm', params: { ratio: 0.3 } } };
  setPath(spec, 'method.params.ratios', [0, 0.5]);
  setPath(spec, 'method.params.ratio', undefined);
  assert.deepEqual(spec, { method: { id: 'l1_norm', params: { ratios: [0, 0.5] } } });
  assert.equal(fieldOfMessage("estimateCost: args: field 'spec.baseline.epochs': Too small"), 'spec.baseline.epochs');
});

test('routes parse and print', () => {
  assert.deepEqual(parseRoute(''), { view: 'experiments' });
  assert.deepEqual(parseRoute('#/'), { view: 'experiments' });
  assert.deepEqual(parseRoute('#/new?preset=quickstart'), { view: 'new', preset: 'quickstart' });
  for (const id of [1, 42]) {
    assert.deepEqual(parseRoute(href.experiment(id)), { view: 'experiment', id });
    assert.deepEqual(parseRoute(href.compare(id)), { view: 'compare', id });
    assert.deepEqual(parseRoute(href.export(id)), { view: 'export', id });
  }
  assert.deepEqual(parseRoute(href.compute()), { view: 'compute' });
  assert.deepEqual(parseRoute(href.workers()), { view: 'workers' });
  assert.deepEqual(parseRoute(href.results()), { view: 'results' });
  assert.deepEqual(parseRoute(href.study()), { view: 'study', ids: [] });
  assert.deepEqual(parseRoute(href.study([3, 12])), { view: 'study', ids: [3, 12] });
  assert.deepEqual(parseRoute('#/study?ids=3,x,-1,7'), { view: 'study', ids: [3, 7] }, 'what is not an id is dropped');
  assert.equal(parseRoute('#/experiments/x').view, 'not-found');
});

function run(over: Partial<Run>): Run {
  return {
    id: 1, experimentId: 1, parentRunId: null, regime: 'baseline', seed: 1, chainLr: null, archSpecId: 1, archId: 'vgg_mini', datasetId: 'd', datasetSource: null, config: {},
    status: 'completed', backend: 'cpu', backendReason: null, epochsPlanned: 2, epochsDone: 2, trainLoss: null, trainAcc: null, testLoss: null, testAcc: null,
    bestTestAcc: null, bestEpoch: null, bestValAcc: null, testTop5: null, bestTestTop5: null, params: 100, flops: 1000, imagesPerSec: null, checkpointDir: null, error: null,
    createdAt: '2026-01-01T00:00:00.000Z', startedAt: null, finishedAt: null, heartbeatAt: null, ...over,
  };
}
const metric = (runId: number, epoch: number, testAcc: number): EpochMetric => ({ runId, epoch, trainLoss: 1 / epoch, trainAcc: testAcc, testLoss: null, testAcc, testTop5: null, lr: 0.1, imagesPerSec: null, wallS: 2, valLoss: null, valAcc: null });

test('curves: per-run series, compute and time axes, and per-regime bands', () => {
  const runs = [run({ id: 1 }), run({ id: 2, regime: 'scratch-b', flops: 250 }), run({ id: 3, regime: 'scratch-b', seed: 2, flops: 250 })];
  const metrics = { 1: [metric(1, 1, 0.5), metric(1, 2, 0.6)], 2: [metric(2, 1, 0.2), metric(2, 2, 0.4)], 3: [metric(3, 1, 0.4), metric(3, 2, 0.6)] };
  assert.deepEqual(xOf(runs[1]!, metrics[2], 'compute', 1000), [0.25, 0.5]);
  assert.deepEqual(xOf(runs[1]!, metrics[2], 'time', 1000), [2, 4]);
  const series = runSeries(runs, metrics, { metric: 'testAcc', axis: 'epoch', smoothing: 0 });
  assert.deepEqual(series.map((s) => [s.label, s.dashed]), [['baseline (large) · seed 1', false], ['Scratch-B · seed 1', false], ['Scratch-B · seed 2', true]]);
  const bands = regimeBands(runs, metrics, { metric: 'testAcc', axis: 'epoch', smoothing: 0, regimes: ['finetune', 'scratch-b'] });
  assert.equal(bands.length, 1, 'a regime without runs draws nothing');
  close(bands[0]!.y[1]!, 0.5);
  close(bands[0]!.hi![1]! - 0.5, Math.sqrt(0.02));
});

test('coalesce fires while calls keep coming faster than its delay; debounce would starve', async () => {
  let coalesced = 0;
  let debounced = 0;
  const c = coalesce(() => coalesced++, 40);
  const d = debounce(() => debounced++, 40);
  // A call every 10 ms for 250 ms, like run-epoch events of fast epochs.
  for (let t = 0; t < 250; t += 10) {
    c();
    d();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(coalesced >= 3, `coalesce fired ${coalesced} times during the burst`);
  assert.equal(debounced, 0, 'debounce waits for the burst to end');
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(debounced, 1, 'then fires once');
  c.cancel();
  d.cancel();
});
