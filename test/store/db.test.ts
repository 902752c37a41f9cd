import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { DataError } from '../../src-shared/errors.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { migrate, schemaVersion } from '../../src-main/store/migrate.ts';
import { MIGRATIONS } from '../../src-main/store/migrations/index.ts';
import { dump, tempDir } from './helpers.ts';

test('migrations apply once and are recorded; reopening applies nothing', (t) => {
  const file = path.join(tempDir(t), 'nested', 'deeper', 'wb.sqlite');
  const db = openDatabase(file);
  const first = db.prepare('SELECT version, name, applied_at FROM schema_migrations').all() as {
    version: number;
    name: string;
    applied_at: string;
  }[];
  assert.deepEqual(
    first.map((r) => [r.version, r.name]),
    MIGRATIONS.map((m) => [m.version, m.name]),
  );
  assert.ok(!Number.isNaN(Date.parse(first[0]!.applied_at)));
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all();
  for (const name of ['experiments', 'arch_specs', 'runs', 'epoch_metrics', 'artifacts']) assert.ok(tables.includes(name), name);
  db.close();

  const again = openDatabase(file);
  assert.deepEqual(again.prepare('SELECT version, name, applied_at FROM schema_migrations').all(), first);
  assert.equal(schemaVersion(again), MIGRATIONS.length);
  assert.deepEqual(migrate(again, MIGRATIONS), { from: MIGRATIONS.length, to: MIGRATIONS.length });
  again.close();
});

test('migrations are numbered 1..n in order', () => {
  assert.deepEqual(
    MIGRATIONS.map((m) => m.version),
    MIGRATIONS.map((_, i) => i + 1),
  );
});

test('a failing migration rolls back every pending migration', (t) => {
  const db = new Database(':memory:');
  t.after(() => db.close());
  const broken = {
    version: MIGRATIONS.length + 1,
    name: 'broken',
    up(d: Database.Database) {
      d.exec('CREATE TABLE half_done (x INTEGER) STRICT');
      throw new Error('boom');
    },
  };
  assert.throws(() => migrate(db, [...MIGRATIONS, broken]), /boom/);
  assert.equal(schemaVersion(db), 0);
  assert.deepEqual(dump(db), {});
});

test('a file database is in WAL mode with foreign keys and a busy timeout', (t) => {
  const db = openDatabase(path.join(tempDir(t), 'wb.sqlite'));
  t.after(() => db.close());
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.ok((db.pragma('busy_timeout', { simple: true }) as number) >= 1000);
});

test('a file that is not a SQLite database is refused, named, and left unchanged', (t) => {
  const file = path.join(tempDir(t), 'notes.sqlite');
  const bytes = Buffer.from('these are my notes, not a database\n'.repeat(200));
  fs.writeFileSync(file, bytes);
  assert.throws(
    () => openDatabase(file),
    (e: unknown) => e instanceof DataError && e.message.includes(file) && /not a SQLite database/.test(e.message),
  );
  assert.deepEqual(fs.readFileSync(file), bytes);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['notes.sqlite']);
});

test('a file with a SQLite header but garbage after it is refused and left unchanged', (t) => {
  const file = path.join(tempDir(t), 'broken.sqlite');
  const bytes = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(8192, 0xab)]);
  fs.writeFileSync(file, bytes);
  assert.throws(() => openDatabase(file), (e: unknown) => e instanceof DataError && e.message.includes(file));
  assert.deepEqual(fs.readFileSync(file), bytes);
});

test("another program's SQLite database is refused and left unchanged", (t) => {
  const file = path.join(tempDir(t), 'other.sqlite');
  const other = new Database(file);
  other.exec('CREATE TABLE contacts (name TEXT)');
  other.close();
  const bytes = fs.readFileSync(file);
  assert.throws(() => openDatabase(file), (e: unknown) => e instanceof DataError && /another program/.test(e.message));
  assert.deepEqual(fs.readFileSync(file), bytes);
});

test('a database with a newer schema version is refused without being changed', (t) => {
  const file = path.join(tempDir(t), 'wb.sqlite');
  const db = openDatabase(file);
  db.prepare(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from_the_future', ?)`).run(
    new Date().toISOString(),
  );
  db.pragma('journal_mode = DELETE'); // fold the WAL into the main file so its bytes say everything
  db.close();
  const bytes = fs.readFileSync(file);
  assert.throws(
    () => openDatabase(file),
    (e: unknown) => e instanceof DataError && e.message.includes('99') && e.message.includes(file),
  );
  assert.deepEqual(fs.readFileSync(file), bytes);
});

test('foreign keys are enforced', (t) => {
  const db = openDatabase(path.join(tempDir(t), 'wb.sqlite'));
  t.after(() => db.close());
  assert.throws(
    () =>
      db
        .prepare(
          `INSERT INTO runs (regime, seed, arch_spec_id, dataset_id, config_json, epochs_planned, created_at)
           VALUES ('train', 1, 999, 'x', '{}', 1, 'now')`,
        )
        .run(),
    /FOREIGN KEY/,
  );
});

test('an empty file is initialised as a new database', (t) => {
  const file = path.join(tempDir(t), 'empty.sqlite');
  fs.writeFileSync(file, '');
  const db = openDatabase(file);
  t.after(() => db.close());
  assert.equal(schemaVersion(db), MIGRATIONS.length);
});
