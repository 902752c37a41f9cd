// The WorkbenchApi over a temp database filled by a real tiny experiment started through the API
// (job process, events, store), then every call that reads or changes what it left behind.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { createExperiment } from '../../src-main/store/experiments.ts';
import { dispatchCall } from '../../src-shared/workbench-args.ts';
import { finished, record, tempDir, tinySpec, waitFor, type Recorded } from './helpers.ts';

const tmp = tempDir('pwb-api-');
const dbPath = path.join(tmp.dir, 'wb.sqlite');
let wb: Workbench;
let events: Recorded[];
let experimentId: number;

before(async () => {
  wb = createWorkbench({ dbPath });
  events = record(wb);
  const started = performance.now();
  ({ id: experimentId } = await wb.api.startExperiment({ spec: tinySpec() }));
  const end = await finished(wb, experimentId);
  assert.equal(end.status, 'completed', end.message ?? '');
  console.log(`# tiny experiment through the API: ${((performance.now() - started) / 1000).toFixed(1)} s`);
});

after(async () => {
  await wb?.close();
  tmp.remove();
});

function sql<T>(query: string): T {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(query).all() as T;
  } finally {
    db.close();
  }
}

test('the job reports queued → running → completed, a run-epoch per stored epoch, and throttled progress', () => {
  const statuses = events.filter((e) => e.name === 'experiment-status').map((e) => (e.payload as { status: string }).status);
  assert.deepEqual(statuses, ['queued', 'running', 'completed']);
  const stored = sql<Array<{ run_id: number; epoch: number }>>('SELECT run_id, epoch FROM epoch_metrics ORDER BY run_id, epoch');
  const epochs = events.filter((e) => e.name === 'run-epoch').map((e) => e.payload as { runId: number; metric: { epoch: number; runId: number } });
  assert.deepEqual(epochs.map((e) => ({ run_id: e.runId, epoch: e.metric.epoch })), stored);
  assert.equal(stored.length, 3, 'baseline, finetune and scratch-e: one epoch each');
  const progress = events.filter((e) => e.name === 'job-progress');
  assert.ok(progress.length >= 3, 'at least one progress event per run');
  assert.deepEqual([...new Set(progress.map((e) => (e.payload as { index: number }).index))], [1, 2, 3]);
  // ≤ 4 per second, counting from the first batch report of each run.
  const batches = progress.filter((e) => (e.payload as { batch: number | null }).batch !== null);
  for (let i = 1; i < batches.length; i++) assert.ok(batches[i]!.at - batches[i - 1]!.at >= 200, 'job-progress came faster than 4/s');
});

test('listExperiments: arch, method, dataset from the spec, run counts, best accuracy, search', async () => {
  const rows = await wb.api.listExperiments(undefined);
  assert.equal(rows.length, 1);
  const [row] = rows;
  const runs = sql<Array<{ test_acc: number }>>('SELECT test_acc FROM runs');
  assert.deepEqual(
    { id: row!.id, arch: row!.arch, method: row!.method, dataset: row!.dataset, status: row!.status, runs: row!.runs, runsCompleted: row!.runsCompleted },
    { id: experimentId, arch: 'vgg_mini', method: 'l1_norm', dataset: 'fashion-mnist-mini', status: 'completed', runs: 3, runsCompleted: 3 },
  );
  assert.equal(row!.bestAcc, Math.max(...runs.map((r) => r.test_acc)));
  assert.equal((await wb.api.listExperiments({ search: 'L1_NORM' })).length, 1);
  assert.equal((await wb.api.listExperiments({ search: 'fashion' })).length, 1);
  assert.equal((await wb.api.listExperiments({ search: 'resnet' })).length, 0);
});

test('getExperiment: the comparison, per-layer widths from the plan, not active', async () => {
  const d = await wb.api.getExperiment({ id: experimentId });
  assert.equal(d.active, false);
  assert.deepEqual(d.summary.map((s) => s.regime), ['baseline', 'finetune', 'scratch-e']);
  assert.equal(d.runs.length, 3);
  assert.ok(d.widths, 'widths from the seed-1 plan in the database');
  const { layers, base, pruned } = d.widths!;
  assert.ok(layers.length >= 3 && base.length === layers.length && pruned.length === layers.length);
  assert.ok(pruned.every((w, i) => w <= base[i]!));
  assert.ok(pruned.some((w, i) => w < base[i]!), 'l1_norm 50% of conv2/conv3 makes some layer narrower');
  await assert.rejects(wb.api.getExperiment({ id: 999 }), { code: 'NOT_FOUND' });
});

test('a copy of the database in another folder shows the same comparison, widths and paper table (plans live in it)', async () => {
  const elsewhere = tempDir('pwb-api-copy-');
  try {
    const conn = new Database(dbPath);
    conn.pragma('wal_checkpoint(TRUNCATE)');
    conn.close();
    const copied = path.join(elsewhere.dir, 'moved.sqlite');
    copyFileSync(dbPath, copied);
    const moved = createWorkbench({ dbPath: copied, warmUp: false });
    try {
      const [a, b] = await Promise.all([wb.api.getExperiment({ id: experimentId }), moved.api.getExperiment({ id: experimentId })]);
      assert.ok(b.widths, 'the copy has the plan');
      assert.deepEqual(b.widths, a.widths);
      assert.deepEqual(b.summary, a.summary);
      assert.deepEqual(b.warnings, a.warnings);
      assert.deepEqual(await moved.api.paperTable({}), await wb.api.paperTable({}));
    } finally {
      await moved.close();
    }
  } finally {
    elsewhere.remove();
  }
});

test('diagnoseCompute: every backend candidate, what auto picks; bad args refused', async () => {
  const report = await wb.api.diagnoseCompute({ probe: false });
  assert.deepEqual(report.backends.map((b) => b.candidate), ['webgpu', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'wasm', 'cpu']);
  assert.equal(report.backends.find((b) => b.candidate === 'wasm')?.loads, true);
  assert.match(report.auto ?? '', /^(tensorflow|wasm) via @tensorflow\//);
  for (const b of report.backends) assert.equal(b.probeImagesPerSec, null, 'probe: false runs no probe');
  const reply = await dispatchCall(wb.api, 'diagnoseCompute', { probe: 'yes' });
  assert.equal(reply.ok, false);
});

test('getRunMetrics: the stored epochs of a run', async () => {
  const { runs } = await wb.api.getExperiment({ id: experimentId });
  const metrics = await wb.api.getRunMetrics({ runId: runs[0]!.id });
  assert.deepEqual(metrics.map((m) => m.epoch), [1]);
  await assert.rejects(wb.api.getRunMetrics({ runId: 12345 }), { code: 'NOT_FOUND' });
});

test('describeOptions and estimateCost agree with what the run stored', async () => {
  const options = await wb.api.describeOptions(undefined);
  assert.ok(options.archs.some((a) => a.id === 'vgg_mini' && a.family === 'vgg'));
  const l1 = options.methods.find((m) => m.id === 'l1_norm');
  assert.ok(l1 && typeof l1.paramsJsonSchema === 'object' && l1.kind === 'predefined');
  assert.ok(options.datasets.some((d) => d.id === 'fashion-mnist-mini' && d.present && d.classes === 10));
  assert.deepEqual(options.regimes, ['finetune', 'scratch-e', 'scratch-b', 'lottery', 'reduced']);

  const est = await wb.api.estimateCost({ spec: tinySpec({ regimes: ['finetune', 'scratch-e', 'scratch-b'], seeds: [1, 2] }) });
  const runs = sql<Array<{ regime: string; params: number; flops: number }>>('SELECT regime, params, flops FROM runs ORDER BY id');
  assert.deepEqual([est.base.params, est.base.flops], [runs[0]!.params, runs[0]!.flops]);
  assert.deepEqual([est.pruned!.params, est.pruned!.flops], [runs[1]!.params, runs[1]!.flops]);
  assert.equal(est.runs, 8);
  assert.deepEqual([est.epochs.baseline, est.epochs.finetune, est.epochs.scratchE], [1, 1, 1]);
  assert.equal(est.epochs.scratchB, Math.floor(runs[0]!.flops / runs[1]!.flops));
});

test('startExperiment validates everything before writing: a bad method or params writes nothing', async () => {
  const before = sql<Array<{ n: number }>>('SELECT count(*) AS n FROM experiments')[0]!.n;
  const unknown = await dispatchCall(wb.api, 'startExperiment', { spec: tinySpec({ method: { id: 'no_such_method', params: {} } }) });
  assert.equal(unknown.ok, false);
  assert.match(!unknown.ok ? unknown.error.message : '', /unknown pruning method 'no_such_method'/);
  const badParams = await dispatchCall(wb.api, 'startExperiment', { spec: tinySpec({ method: { id: 'l1_norm', params: { ratios: 'half' } } }) });
  assert.equal(!badParams.ok && badParams.error.code, 'VALIDATION');
  assert.match(!badParams.ok ? badParams.error.message : '', /ratios/);
  const badSeeds = await dispatchCall(wb.api, 'startExperiment', { spec: { ...tinySpec(), seeds: 'x' } });
  assert.match(!badSeeds.ok ? badSeeds.error.message : '', /field 'spec\.seeds'/);
  assert.equal(sql<Array<{ n: number }>>('SELECT count(*) AS n FROM experiments')[0]!.n, before);
});

test('without a queue: no workers, no "on workers" choice, and asking for it is refused with nothing written', async () => {
  assert.equal((await wb.api.describeOptions(undefined)).queue, null);
  assert.deepEqual(await wb.api.listWorkers(undefined), { queue: null, error: null, workers: [], waiting: 0, active: 0, joinCommand: null });
  const before = sql<Array<{ n: number }>>('SELECT count(*) AS n FROM experiments')[0]!.n;
  const refused = await dispatchCall(wb.api, 'startExperiment', { spec: tinySpec(), onWorkers: true });
  assert.match(!refused.ok ? refused.error.message : '', /^startExperiment: onWorkers: this workbench has no queue of workers; start it with `pwb serve --queue/);
  const resumed = await dispatchCall(wb.api, 'resumeExperiment', { id: experimentId, onWorkers: true });
  assert.equal(resumed.ok, false, 'a completed experiment is not resumed anywhere');
  assert.equal(sql<Array<{ n: number }>>('SELECT count(*) AS n FROM experiments')[0]!.n, before);
});

test('a queue Redis does not answer: the Workers view says so in one line, and "on workers" is refused before anything is written', async () => {
  const dir = tempDir('pwb-api-queue-');
  // A closed port: nothing listens on 127.0.0.1:1.
  const queued = createWorkbench({ dbPath: path.join(dir.dir, 'q.sqlite'), warmUp: false, queue: { url: 'redis://:hunter2@127.0.0.1:1', token: 'tok' } });
  try {
    assert.deepEqual((await queued.api.describeOptions(undefined)).queue, { url: 'redis://:***@127.0.0.1:1' });
    const info = await queued.api.listWorkers(undefined);
    assert.equal(info.queue, 'redis://:***@127.0.0.1:1');
    assert.match(info.error ?? '', /^cannot read the queue redis:\/\/:\*\*\*@127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    assert.equal(info.joinCommand, 'PWB_WORKER_TOKEN=tok npx pwb worker --queue redis://:***@127.0.0.1:1');
    const refused = await dispatchCall(queued.api, 'startExperiment', { spec: tinySpec(), onWorkers: true });
    assert.match(!refused.ok ? refused.error.message : '', /^startExperiment: onWorkers redis:\/\/:\*\*\*@127\.0\.0\.1:1: cannot reach Redis \(ECONNREFUSED\)/);
    assert.ok(!JSON.stringify([info, refused]).includes('hunter2'), 'the password is never shown');
    assert.deepEqual(await queued.api.listExperiments(undefined), []);
  } finally {
    await queued.close();
    dir.remove();
  }
});

test('updateExperiment changes name, tags, notes, hidden; search finds tags; hidden leaves the default list', async () => {
  const row = await wb.api.updateExperiment({ id: experimentId, name: 'renamed', tags: ['baseline-check'], notes: 'first try' });
  assert.deepEqual([row.name, row.tags, row.notes, row.hidden], ['renamed', ['baseline-check'], 'first try', false]);
  assert.equal((await wb.api.listExperiments({ search: 'baseline-CHECK' })).length, 1);
  await wb.api.updateExperiment({ id: experimentId, hidden: true });
  assert.equal((await wb.api.listExperiments(undefined)).length, 0);
  assert.equal((await wb.api.listExperiments({ includeHidden: true })).length, 1);
  await wb.api.updateExperiment({ id: experimentId, hidden: false });
  const bad = await dispatchCall(wb.api, 'updateExperiment', { id: experimentId, tags: [''] });
  assert.equal(bad.ok, false);
});

test('exportCsv writes both files beside the database and returns their text', async () => {
  const out = await wb.api.exportCsv({ id: experimentId });
  assert.equal(path.dirname(out.runsFile), `${dbPath}.exports`);
  assert.equal(readFileSync(out.runsFile, 'utf8'), out.runsCsv);
  assert.equal(readFileSync(out.summaryFile, 'utf8'), out.summaryCsv);
  const runs = parse(out.runsCsv, { columns: true }) as Array<Record<string, string>>;
  assert.deepEqual(runs.map((r) => r.regime), ['baseline', 'finetune', 'scratch-e']);
  const summary = parse(out.summaryCsv, { columns: true }) as Array<Record<string, string>>;
  assert.equal(summary.length, 3);
});

test('deleteExperiment: an experiment with runs is hidden, one without is deleted', async () => {
  const hidden = await wb.api.deleteExperiment({ id: experimentId });
  assert.deepEqual(hidden, { id: experimentId, deleted: false });
  assert.equal((await wb.api.listExperiments({ includeHidden: true })).find((r) => r.id === experimentId)?.hidden, true);
  await wb.api.updateExperiment({ id: experimentId, hidden: false });

  const db = openDatabase(dbPath);
  const draft = createExperiment(db, { name: 'draft', spec: tinySpec() as unknown as Record<string, unknown> });
  db.close();
  assert.deepEqual(await wb.api.deleteExperiment({ id: draft.id }), { id: draft.id, deleted: true });
  await assert.rejects(wb.api.getExperiment({ id: draft.id }), { code: 'NOT_FOUND' });
  await assert.rejects(wb.api.deleteExperiment({ id: draft.id }), { code: 'NOT_FOUND' });
});

test('a Fisher planning reports its removals as job-progress planning, first and last included, then the regimes train', async () => {
  const spec = tinySpec({
    name: 'fisher progress', regimes: ['finetune'],
    method: { id: 'fisher', params: { channels: 6, pruneEvery: 2, batchSize: 32 } },
    finetune: { epochs: 1, trainLimit: 64 },
  });
  const seen = events.length;
  const { id } = await wb.api.startExperiment({ spec });
  const end = await finished(wb, id);
  assert.equal(end.status, 'completed', end.message ?? '');
  const mine = events.slice(seen).filter((e) => e.name === 'job-progress' && (e.payload as { experimentId: number }).experimentId === id)
    .map((e) => e.payload as { regime: string | null; planning: { seed: number; done: number; total: number; unit: string } | null });
  const planning = mine.filter((p) => p.planning !== null).map((p) => p.planning!);
  assert.ok(planning.length >= 2, `planning reports: ${planning.length}`);
  assert.deepEqual([planning[0]!.done, planning.at(-1)!.done], [0, 6]);
  assert.ok(planning.every((p) => p.seed === 1 && p.total === 6 && p.unit === 'channels removed'), JSON.stringify(planning[0]));
  for (let i = 1; i < planning.length; i++) assert.ok(planning[i]!.done >= planning[i - 1]!.done, 'removals only grow');
  // After the planning the finetune run's progress carries none.
  const last = mine.at(-1)!;
  assert.deepEqual([last.regime, last.planning], ['finetune', null]);
});

test('cancel stops a running experiment after its batch; resume finishes it without repeating an epoch', async () => {
  // Enough batches that the cancel lands mid-run on any backend (native TensorFlow trains 256 images in ≈ 0.1 s).
  const spec = tinySpec({ name: 'to cancel', regimes: ['finetune'], baseline: { epochs: 3, trainLimit: 3072, testLimit: 200 } });
  const { id } = await wb.api.startExperiment({ spec });
  await waitFor(wb, (name, p) => name === 'job-progress' && p.experimentId === id && p.batch !== null);
  await assert.rejects(wb.api.deleteExperiment({ id }), { name: 'ConflictError' });
  await assert.rejects(wb.api.resumeExperiment({ id }), { name: 'ConflictError' });
  assert.equal((await wb.api.getExperiment({ id })).active, true);
  assert.deepEqual(await wb.api.cancelExperiment({ id }), { id, cancelled: true });
  const end = await finished(wb, id);
  assert.equal(end.status, 'cancelled');
  assert.equal((await wb.api.getExperiment({ id })).experiment.status, 'cancelled');
  assert.deepEqual(await wb.api.cancelExperiment({ id }), { id, cancelled: false });

  await wb.api.resumeExperiment({ id });
  const done = await finished(wb, id);
  assert.equal(done.status, 'completed', done.message ?? '');
  const rows = sql<Array<{ regime: string; epochs: string }>>(
    `SELECT r.regime, group_concat(m.epoch) AS epochs FROM runs r JOIN epoch_metrics m ON m.run_id = r.id WHERE r.experiment_id = ${id} GROUP BY r.id ORDER BY r.id`,
  );
  assert.deepEqual(rows, [{ regime: 'baseline', epochs: '1,2,3' }, { regime: 'finetune', epochs: '1' }]);
  await assert.rejects(wb.api.resumeExperiment({ id }), { name: 'ConflictError' });
  assert.ok(existsSync(`${dbPath}.experiments`));
});
