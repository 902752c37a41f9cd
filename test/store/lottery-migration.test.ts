// Migration 004 rebuilds `runs` to admit the 'lottery' regime: every row of every table survives
// unchanged, the indexes come back, references still hold (and still cascade), and enforcement is on again.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { addArtifact } from '../../src-main/store/artifacts.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { createExperiment } from '../../src-main/store/experiments.ts';
import { migrate } from '../../src-main/store/migrate.ts';
import { MIGRATIONS } from '../../src-main/store/migrations/index.ts';
import { createRun, getRun } from '../../src-main/store/runs.ts';
import { dump, legacyPlan, legacyRun, tempDir } from './helpers.ts';

const indexes = (db: Database.Database): string[] =>
  db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'runs' AND sql IS NOT NULL ORDER BY name`).all().map((r) => JSON.stringify(r));

test("migration 004: 'runs' rebuilt for the lottery regime, nothing lost, references intact", (t) => {
  const file = path.join(tempDir(t), 'v3.sqlite');
  const v3 = new Database(file);
  v3.pragma('foreign_keys = ON');
  migrate(v3, MIGRATIONS.slice(0, 3));
  const e = createExperiment(v3, { name: 'e', spec: {} });
  const baseline = legacyRun(v3, { experimentId: e.id });
  const child = legacyRun(v3, { experimentId: e.id, parentRunId: baseline.id });
  // The row as version 3 writes it (today's recordEpoch writes columns later migrations add).
  v3.prepare(`INSERT INTO epoch_metrics (run_id, epoch, train_loss, train_acc, test_loss, test_acc, lr, images_per_sec, wall_s, val_loss, val_acc)
              VALUES (?, 1, 1, 0.5, 1, 0.4, 0.1, 10, 1, 0.9, 0.45)`).run(baseline.id);
  addArtifact(v3, { runId: child.id, kind: 'checkpoint_last', path: '/x/last.ckpt', bytes: 1, sha256: null });
  legacyPlan(v3, e.id, 1, '{"p":1}');
  const before = dump(v3);
  const beforeIndexes = indexes(v3);
  assert.throws(() => v3.prepare(`UPDATE runs SET regime = 'lottery' WHERE id = ?`).run(child.id), /CHECK constraint failed/);
  v3.close();

  const db = openDatabase(file);
  t.after(() => db.close());
  const after = dump(db);
  // Migration 005 adds the top-5 columns after it (null on old rows): compared without them.
  for (const table of ['runs', 'epoch_metrics']) {
    for (const row of after[table] as Array<Record<string, unknown>>) {
      for (const column of ['test_top5', 'best_test_top5', 'chain_lr']) {
        if (column in row) {
          assert.equal(row[column], null, `${table}.${column} of an old row`);
          delete row[column];
        }
      }
    }
  }
  // Migration 008 keys plans by learning rate too: old plans have none.
  for (const row of after.plans as Array<Record<string, unknown>>) {
    assert.equal(row.chain_lr, null);
    delete row.chain_lr;
  }
  // Migration 006 adds a table of its own, empty.
  assert.deepEqual(after.arch_latency, []);
  delete after.arch_latency;
  delete after.schema_migrations;
  delete before.schema_migrations;
  assert.deepEqual(after, before, 'every row of every table as it was');
  assert.deepEqual(indexes(db), beforeIndexes);
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1, 'enforcement is on again');
  assert.deepEqual(db.pragma('foreign_key_check'), []);
  assert.equal(getRun(db, child.id).parentRunId, baseline.id);

  const lottery = createRun(db, { regime: 'lottery', seed: 1, archSpecId: baseline.archSpecId, datasetId: 'd', config: {}, epochsPlanned: 1, experimentId: e.id, parentRunId: baseline.id });
  assert.equal(getRun(db, lottery.id).regime, 'lottery');
  assert.throws(() => db.prepare(`UPDATE runs SET regime = 'nonsense' WHERE id = ?`).run(lottery.id), /CHECK constraint failed/);
  assert.throws(() => db.prepare('INSERT INTO epoch_metrics (run_id, epoch, train_acc, lr, wall_s) VALUES (999, 1, 0, 0, 0)').run(), /FOREIGN KEY constraint failed/);
  db.prepare('DELETE FROM artifacts').run();
  db.prepare('DELETE FROM runs WHERE id IN (?, ?)').run(lottery.id, child.id);
  db.prepare('DELETE FROM runs WHERE id = ?').run(baseline.id);
  assert.equal(db.prepare('SELECT count(*) FROM epoch_metrics').pluck().get(), 0, "a run's epochs still go with it (ON DELETE CASCADE)");
});

test("migration 007: 'runs' rebuilt again for iterative pruning's 'round' regime, nothing lost, references intact", (t) => {
  const file = path.join(tempDir(t), 'v6.sqlite');
  const v6 = new Database(file);
  v6.pragma('foreign_keys = ON');
  migrate(v6, MIGRATIONS.slice(0, 6));
  const e = createExperiment(v6, { name: 'e', spec: {} });
  const baseline = legacyRun(v6, { experimentId: e.id });
  const lottery = legacyRun(v6, { experimentId: e.id, parentRunId: baseline.id, regime: 'lottery' });
  addArtifact(v6, { runId: lottery.id, kind: 'checkpoint_last', path: '/x/last.ckpt', bytes: 1, sha256: null });
  const before = dump(v6);
  const beforeIndexes = indexes(v6);
  assert.throws(() => v6.prepare(`UPDATE runs SET regime = 'round' WHERE id = ?`).run(lottery.id), /CHECK constraint failed/);
  v6.close();

  const db = openDatabase(file);
  t.after(() => db.close());
  const after = dump(db);
  delete after.schema_migrations;
  delete before.schema_migrations;
  // Migration 008 adds the run's learning-rate chain: null on old rows.
  for (const row of after.runs as Array<Record<string, unknown>>) {
    assert.equal(row.chain_lr, null);
    delete row.chain_lr;
  }
  assert.deepEqual(after, before, 'every row of every table as it was');
  assert.deepEqual(indexes(db), beforeIndexes);
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1, 'enforcement is on again');
  assert.deepEqual(db.pragma('foreign_key_check'), []);
  const round = createRun(db, { regime: 'round', seed: 1, archSpecId: baseline.archSpecId, datasetId: 'd', config: {}, epochsPlanned: 1, experimentId: e.id, parentRunId: baseline.id });
  assert.equal(getRun(db, round.id).regime, 'round');
  assert.equal(getRun(db, lottery.id).parentRunId, baseline.id);
  assert.throws(() => db.prepare(`UPDATE runs SET regime = 'nonsense' WHERE id = ?`).run(round.id), /CHECK constraint failed/);
});
