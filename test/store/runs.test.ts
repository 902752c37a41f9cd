import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotFoundError, ValidationError } from '../../src-shared/errors.ts';
import { listEpochMetrics, recordEpoch } from '../../src-main/store/metrics.ts';
import { createExperiment } from '../../src-main/store/experiments.ts';
import {
  createRun,
  getRun,
  heartbeat,
  listRuns,
  markRunFinished,
  markRunStarted,
  setRunCheckpointDir,
} from '../../src-main/store/runs.ts';
import { dump, memoryDb, queuedRun } from './helpers.ts';

const epoch = (n: number, testAcc: number | null, extra: Partial<{ trainLoss: number; trainAcc: number }> = {}) => ({
  epoch: n,
  trainLoss: extra.trainLoss ?? 2 / n,
  trainAcc: extra.trainAcc ?? 0.1 * n,
  testLoss: testAcc === null ? null : 1 / n,
  testAcc,
  lr: 0.1,
  imagesPerSec: 100 * n,
  wallS: 3,
});

test('a new run is queued with its arch cost copied and camelCase fields', (t) => {
  const db = memoryDb(t);
  const run = queuedRun(db);
  assert.equal(run.status, 'queued');
  assert.equal(run.epochsDone, 0);
  assert.equal(run.params, 1234);
  assert.equal(run.flops, 56789);
  assert.deepEqual(run.config, { epochs: 3, lr: 0.1 });
  assert.equal(run.experimentId, null);
  assert.ok(!Number.isNaN(Date.parse(run.createdAt)));
  assert.deepEqual(getRun(db, run.id), run);
});

test('recording epochs updates the summary; re-recording epoch 2 replaces it', (t) => {
  const db = memoryDb(t);
  const { id } = queuedRun(db);
  markRunStarted(db, id, { backend: 'cpu', backendReason: 'forced by --backend' });
  recordEpoch(db, id, epoch(1, 0.5));
  recordEpoch(db, id, epoch(2, 0.7));
  let run = getRun(db, id);
  assert.equal(run.epochsDone, 2);
  assert.equal(run.bestTestAcc, 0.7);
  assert.equal(run.bestEpoch, 2);
  assert.equal(run.imagesPerSec, 150);

  // A resumed run repeats epoch 2 with different numbers.
  recordEpoch(db, id, epoch(2, 0.6, { trainAcc: 0.25 }));
  const rows = listEpochMetrics(db, id);
  assert.deepEqual(
    rows.map((r) => [r.epoch, r.testAcc, r.trainAcc]),
    [
      [1, 0.5, 0.1],
      [2, 0.6, 0.25],
    ],
  );
  run = getRun(db, id);
  assert.equal(run.epochsDone, 2);
  assert.equal(run.trainAcc, 0.25);
  assert.equal(run.testAcc, 0.6);
  assert.equal(run.bestTestAcc, 0.6);
});

test('with held-out accuracy (valSplit) the best epoch is the held-out best, reported with its own test accuracy', (t) => {
  const db = memoryDb(t);
  const { id } = queuedRun(db);
  recordEpoch(db, id, { ...epoch(1, 0.9), valLoss: 0.8, valAcc: 0.6 });
  recordEpoch(db, id, { ...epoch(2, 0.7), valLoss: 0.5, valAcc: 0.8 });
  recordEpoch(db, id, { ...epoch(3, 0.8), valLoss: 0.6, valAcc: 0.8 });
  const run = getRun(db, id);
  assert.equal(run.bestEpoch, 2, 'the earliest of the held-out ties, not the test-set best (epoch 1)');
  assert.equal(run.bestTestAcc, 0.7);
  assert.equal(run.bestValAcc, 0.8);
  assert.deepEqual(listEpochMetrics(db, id).map((r) => [r.valLoss, r.valAcc]), [[0.8, 0.6], [0.5, 0.8], [0.6, 0.8]]);
  const plain = queuedRun(db);
  recordEpoch(db, plain.id, epoch(1, 0.5));
  assert.equal(getRun(db, plain.id).bestValAcc, null, 'without held-out images the test set chose it');
});

test('re-recording an earlier epoch drops the abandoned later ones', (t) => {
  const db = memoryDb(t);
  const { id } = queuedRun(db);
  for (const [n, acc] of [[1, 0.5], [2, 0.9], [3, 0.8]] as const) recordEpoch(db, id, epoch(n, acc));
  recordEpoch(db, id, epoch(2, 0.55));
  assert.deepEqual(listEpochMetrics(db, id).map((r) => r.epoch), [1, 2]);
  const run = getRun(db, id);
  assert.equal(run.epochsDone, 2);
  assert.equal(run.bestTestAcc, 0.55);
  assert.equal(run.bestEpoch, 2);
});

test('test metrics come from the last evaluated epoch; a diverged loss is stored as null', (t) => {
  const db = memoryDb(t);
  const { id } = queuedRun(db);
  recordEpoch(db, id, epoch(1, 0.4));
  recordEpoch(db, id, epoch(2, null, { trainLoss: Number.NaN }));
  const run = getRun(db, id);
  assert.equal(run.epochsDone, 2);
  assert.equal(run.trainLoss, null);
  assert.equal(run.testAcc, 0.4);
  assert.equal(run.testLoss, 1);
  assert.equal(listEpochMetrics(db, id)[1]!.trainLoss, null);
});

test('a rejected epoch leaves the database as it was', (t) => {
  const db = memoryDb(t);
  const { id } = queuedRun(db);
  recordEpoch(db, id, epoch(1, 0.5));
  const before = dump(db);
  assert.throws(() => recordEpoch(db, id, epoch(1, 93.5)), ValidationError); // a percentage, not a fraction
  assert.throws(() => recordEpoch(db, id + 1, epoch(1, 0.5)), NotFoundError);
  assert.deepEqual(dump(db), before);
});

test('getRun on a missing id throws NotFoundError naming the id', (t) => {
  const db = memoryDb(t);
  assert.throws(
    () => getRun(db, 4242),
    (e: unknown) => e instanceof NotFoundError && e.code === 'NOT_FOUND' && e.message.includes('4242'),
  );
});

test('createRun refuses references to missing rows and writes nothing', (t) => {
  const db = memoryDb(t);
  const run = queuedRun(db);
  const before = dump(db);
  const base = { regime: 'finetune', seed: 2, archSpecId: run.archSpecId, datasetId: 'd', config: {}, epochsPlanned: 1 } as const;
  assert.throws(() => createRun(db, { ...base, experimentId: 77 }), /experiment 77 not found/);
  assert.throws(() => createRun(db, { ...base, parentRunId: 78 }), /parent run 78 not found/);
  assert.throws(() => createRun(db, { ...base, archSpecId: 79 }), /arch spec 79 not found/);
  assert.throws(() => createRun(db, { ...base, regime: 'bogus' as 'train' }), ValidationError);
  assert.deepEqual(dump(db), before);
});

test('start, heartbeat, finish and resume', (t) => {
  const db = memoryDb(t);
  const { id } = queuedRun(db);
  const started = markRunStarted(db, id, { backend: 'wasm', backendReason: 'no native tensorflow' });
  assert.equal(started.status, 'running');
  assert.equal(started.backend, 'wasm');
  assert.ok(started.startedAt !== null && started.heartbeatAt !== null);
  heartbeat(db, id);
  assert.throws(() => heartbeat(db, id + 100), NotFoundError);

  const failed = markRunFinished(db, id, 'failed', { error: 'out of memory' });
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error, 'out of memory');
  assert.ok(failed.finishedAt !== null);

  const resumed = markRunStarted(db, id, { backend: 'cpu', backendReason: 'retry' });
  assert.equal(resumed.status, 'running');
  assert.equal(resumed.startedAt, started.startedAt);
  assert.equal(resumed.finishedAt, null);
  assert.equal(resumed.error, null);

  markRunFinished(db, id, 'completed');
  assert.throws(() => markRunStarted(db, id, { backend: 'cpu', backendReason: '' }), ValidationError);
  assert.throws(() => markRunFinished(db, id, 'running' as 'completed'), ValidationError);
  assert.equal(setRunCheckpointDir(db, id, '/tmp/ckpt/1').checkpointDir, '/tmp/ckpt/1');
});

test('listRuns filters by experiment, parent and status, newest first', (t) => {
  const db = memoryDb(t);
  const exp = createExperiment(db, { name: 'e', spec: {} });
  const a = queuedRun(db, { experimentId: exp.id });
  const b = queuedRun(db, { experimentId: exp.id, parentRunId: a.id });
  queuedRun(db);
  markRunStarted(db, b.id, { backend: 'cpu', backendReason: '' });
  assert.deepEqual(listRuns(db, { experimentId: exp.id }).map((r) => r.id), [b.id, a.id]);
  assert.deepEqual(listRuns(db, { status: 'running' }).map((r) => r.id), [b.id]);
  assert.deepEqual(listRuns(db, { parentRunId: a.id }).map((r) => r.id), [b.id]);
  assert.equal(listRuns(db).length, 3);
  assert.equal(listRuns(db, { limit: 1 }).length, 1);
});
