// Plans in the database: stored once per experiment and seed, gone with their experiment, and moved in
// from the files earlier versions wrote beside the database (migration 002).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src-main/store/db.ts';
import { addArtifact, listArtifacts } from '../../src-main/store/artifacts.ts';
import { createExperiment, deleteExperiment } from '../../src-main/store/experiments.ts';
import { migrate } from '../../src-main/store/migrate.ts';
import { MIGRATIONS } from '../../src-main/store/migrations/index.ts';
import { getPlanJson, listPlans, putPlan } from '../../src-main/store/plans.ts';
import { legacyRun, memoryDb, queuedRun, tempDir } from './helpers.ts';

test('a plan is stored once per experiment and seed, and goes with its experiment', (t) => {
  const db = memoryDb(t);
  const e = createExperiment(db, { name: 'e', spec: {} });
  putPlan(db, e.id, 1, '{"a":1}');
  putPlan(db, e.id, 1, '{"a":1}'); // the same plan again: fine
  assert.throws(() => putPlan(db, e.id, 1, '{"a":2}'), /already has a different plan/);
  putPlan(db, e.id, 2, '{"b":2}');
  assert.equal(getPlanJson(db, e.id, 1), '{"a":1}');
  assert.equal(getPlanJson(db, e.id, 3), null);
  assert.deepEqual(listPlans(db, e.id).map((p) => p.seed), [1, 2]);
  deleteExperiment(db, e.id);
  assert.deepEqual(listPlans(db, e.id), []);
});

test('with several learning rates a plan is one per seed and rate (migration 008); old plans keep theirs', (t) => {
  const file = path.join(tempDir(t), 'v7.sqlite');
  const v7 = new Database(file);
  v7.pragma('foreign_keys = ON');
  migrate(v7, MIGRATIONS.slice(0, 7));
  const e = createExperiment(v7, { name: 'e', spec: {} });
  v7.prepare("INSERT INTO plans (experiment_id, seed, plan_json, created_at) VALUES (?, 1, '{\"old\":1}', '2026-01-01T00:00:00.000Z')").run(e.id);
  v7.close();
  const db = openDatabase(file);
  t.after(() => db.close());
  assert.equal(getPlanJson(db, e.id, 1), '{"old":1}', 'an old plan is the seed\'s plan of the single rate');
  assert.equal(getPlanJson(db, e.id, 1, 0.1), null);
  putPlan(db, e.id, 1, '{"lr":0.1}', 0.1);
  putPlan(db, e.id, 1, '{"lr":0.01}', 0.01);
  putPlan(db, e.id, 1, '{"lr":0.1}', 0.1); // the same again: fine
  assert.throws(() => putPlan(db, e.id, 1, '{"lr":"other"}', 0.1), /seed 1 lr 0.1 already has a different plan/);
  assert.deepEqual(listPlans(db, e.id).map((p) => [p.seed, p.chainLr, p.planJson]), [[1, null, '{"old":1}'], [1, 0.1, '{"lr":0.1}'], [1, 0.01, '{"lr":0.01}']]);
  // The key holds below the store's own check too: null is a rate of its own, not a wildcard.
  assert.throws(() => db.prepare("INSERT INTO plans (experiment_id, seed, chain_lr, plan_json, created_at) VALUES (?, 1, NULL, '{}', 'x')").run(e.id), /UNIQUE constraint failed/);
  assert.throws(() => db.prepare("INSERT INTO plans (experiment_id, seed, chain_lr, plan_json, created_at) VALUES (?, 1, 0.1, '{}', 'x')").run(e.id), /UNIQUE constraint failed/);
  assert.throws(() => db.prepare("INSERT INTO plans (experiment_id, seed, chain_lr, plan_json, created_at) VALUES (?, 2, -1, '{}', 'x')").run(e.id), /CHECK constraint failed/);
  deleteExperiment(db, e.id);
  assert.deepEqual(listPlans(db, e.id), [], 'they go with their experiment');
});

test('migration 002 moves the plan files of a version-1 database into it; a missing or damaged file is left alone', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'old.sqlite');
  const old = new Database(file);
  migrate(old, MIGRATIONS.slice(0, 1));
  old.close();
  // A version-1 database as the previous release left it: plans as files, recorded as 'plan' artifacts.
  const v1 = openDatabaseAtVersion1(file);
  const e = createExperiment(v1, { name: 'e', spec: {} });
  const baseline = legacyRun(v1, { experimentId: e.id });
  const plansDir = path.join(dir, 'old.sqlite.experiments', String(e.id));
  fs.mkdirSync(plansDir, { recursive: true });
  const plan = { version: 1, method: 'l1_norm', seed: 1 };
  fs.writeFileSync(path.join(plansDir, 'plan-seed-1.json'), `${JSON.stringify(plan)}\n`);
  fs.writeFileSync(path.join(plansDir, 'plan-seed-2.json'), '{ damaged');
  for (const seed of [1, 2, 3]) addArtifact(v1, { runId: baseline.id, kind: 'plan', path: path.join(plansDir, `plan-seed-${seed}.json`), bytes: 1, sha256: null });
  v1.close();

  const db = openDatabase(file);
  t.after(() => db.close());
  assert.deepEqual(JSON.parse(getPlanJson(db, e.id, 1)!), plan);
  assert.equal(getPlanJson(db, e.id, 2), null, 'a damaged file is not moved');
  assert.equal(getPlanJson(db, e.id, 3), null, 'a missing file is not invented');
  assert.deepEqual(listArtifacts(db, baseline.id, { kind: 'plan' }).map((a) => path.basename(a.path)), ['plan-seed-2.json', 'plan-seed-3.json'], 'only the moved file stops being an artifact');
  assert.ok(fs.existsSync(path.join(plansDir, 'plan-seed-1.json')), 'the old file itself is left in place');
});

/** The version-1 database, opened without migrating it further (as the previous release would). */
function openDatabaseAtVersion1(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  return db;
}
