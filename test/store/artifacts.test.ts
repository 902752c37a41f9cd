import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotFoundError, ValidationError } from '../../src-shared/errors.ts';
import { addArtifact, getArtifact, listArtifacts } from '../../src-main/store/artifacts.ts';
import { memoryDb, queuedRun } from './helpers.ts';

const hash = (c: string) => c.repeat(64);

test('artifacts are listed per run and kind; the same path updates its row', (t) => {
  const db = memoryDb(t);
  const run = queuedRun(db);
  const last = addArtifact(db, { runId: run.id, kind: 'checkpoint_last', path: '/c/last.ckpt', bytes: 10, sha256: hash('a') });
  addArtifact(db, { runId: run.id, kind: 'plan', path: '/c/plan.json' });
  const again = addArtifact(db, { runId: run.id, kind: 'checkpoint_last', path: '/c/last.ckpt', bytes: 20, sha256: hash('b') });
  assert.equal(again.id, last.id);
  assert.equal(again.bytes, 20);
  assert.deepEqual(getArtifact(db, last.id), again);
  assert.deepEqual(listArtifacts(db, run.id).map((a) => a.kind), ['checkpoint_last', 'plan']);
  assert.deepEqual(listArtifacts(db, run.id, { kind: 'plan' }).map((a) => a.path), ['/c/plan.json']);
});

test('an artifact of a missing run, or with a bad hash, is refused', (t) => {
  const db = memoryDb(t);
  assert.throws(() => addArtifact(db, { runId: 3, kind: 'csv', path: '/x.csv' }), NotFoundError);
  const run = queuedRun(db);
  assert.throws(() => addArtifact(db, { runId: run.id, kind: 'csv', path: '/x.csv', sha256: 'abc' }), ValidationError);
  assert.equal(listArtifacts(db, run.id).length, 0);
});
