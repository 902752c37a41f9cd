import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotFoundError, ValidationError } from '../../src-shared/errors.ts';
import {
  createExperiment,
  deleteExperiment,
  getExperiment,
  listExperiments,
  updateExperiment,
} from '../../src-main/store/experiments.ts';
import { memoryDb, queuedRun } from './helpers.ts';

test('create, get, update and list experiments', (t) => {
  const db = memoryDb(t);
  const e = createExperiment(db, { name: 'vgg16 l1', spec: { method: 'l1norm', seeds: [1, 2] }, tags: ['cifar10'] });
  assert.equal(e.status, 'draft');
  assert.equal(e.hidden, false);
  assert.equal(e.notes, '');
  assert.deepEqual(getExperiment(db, e.id), e);

  const u = updateExperiment(db, e.id, { notes: 'first try', hidden: true, status: 'queued' });
  assert.equal(u.notes, 'first try');
  assert.equal(u.hidden, true);
  assert.equal(u.status, 'queued');
  assert.equal(u.name, 'vgg16 l1');
  assert.ok(u.updatedAt >= e.updatedAt);

  const f = createExperiment(db, { name: 'resnet56', spec: {} });
  assert.deepEqual(listExperiments(db).map((x) => x.id), [f.id]);
  assert.deepEqual(listExperiments(db, { includeHidden: true }).map((x) => x.id), [f.id, e.id]);
  assert.deepEqual(listExperiments(db, { includeHidden: true, status: 'queued' }).map((x) => x.id), [e.id]);

  assert.throws(() => updateExperiment(db, 999, { notes: 'x' }), NotFoundError);
  assert.throws(() => createExperiment(db, { name: '', spec: {} }), ValidationError);
});

test('an experiment with runs cannot be deleted; one without can', (t) => {
  const db = memoryDb(t);
  const used = createExperiment(db, { name: 'used', spec: {} });
  queuedRun(db, { experimentId: used.id });
  assert.throws(() => deleteExperiment(db, used.id), /hide it instead/);
  assert.equal(getExperiment(db, used.id).id, used.id);

  const unused = createExperiment(db, { name: 'unused', spec: {} });
  deleteExperiment(db, unused.id);
  assert.throws(() => getExperiment(db, unused.id), NotFoundError);
});
