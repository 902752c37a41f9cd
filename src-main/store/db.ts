// Opening the workbench database: refuse anything that is not ours before touching it, then set
// the connection up for several processes (app, jobs, CLI) sharing one file, then migrate.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DataError } from '../../src-shared/errors.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { storageFailure, withStorageErrors } from './storage-failure.ts';
import { migrate, schemaVersion } from './migrate.ts';

export type Db = Database.Database;

/** How long a statement waits for another process's write lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Opens (creating it and its folders if absent) the database at `file`, or an in-memory one for
 * ':memory:'. Throws DataError, without writing to the file, when it is not a SQLite database, is
 * a SQLite database of another program, or was written by a newer schema than this code knows.
 */
export function openDatabase(file: string): Db {
  return withStorageErrors(file, () => open(file));
}

function open(file: string): Db {
  const inMemory = file === ':memory:';
  if (!inMemory) {
    checkHeader(file);
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  }
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    checkReadable(db, file);
    checkOwnership(db, file);
    checkNotNewer(db, file);
    if (!inMemory) {
      // WAL: readers never block the one writer; NORMAL is durable across app crashes in WAL mode.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    migrate(db, MIGRATIONS);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function checkHeader(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!stat.isFile()) throw new DataError(`${file} is not a SQLite database (it is not a regular file); choose another path (env PWB_DB)`);
  if (stat.size === 0) return; // SQLite treats an empty file as an empty database.
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (!head.equals(SQLITE_HEADER)) {
    throw new DataError(`${file} is not a SQLite database (wrong file header); move it aside or choose another path (env PWB_DB)`);
  }
}

// A file with a valid header can still be corrupt or encrypted; the first read tells.
function checkReadable(db: Db, file: string): void {
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (e) {
    // A full or read-only disk is not a damaged file: never advise moving the database aside for it.
    const storage = storageFailure(e, file);
    if (storage) throw storage;
    if (e instanceof Database.SqliteError) {
      throw new DataError(`${file} cannot be read as a SQLite database (${e.code}: ${e.message}); move it aside or choose another path (env PWB_DB)`);
    }
    throw e;
  }
}

// Never add our tables to another program's database.
function checkOwnership(db: Db, file: string): void {
  const names = db
    .prepare(`SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`)
    .pluck()
    .all() as string[];
  if (names.length > 0 && !names.includes('schema_migrations')) {
    throw new DataError(`${file} is a SQLite database of another program (it has no schema_migrations table); choose another path (env PWB_DB)`);
  }
}

function checkNotNewer(db: Db, file: string): void {
  const known = MIGRATIONS.at(-1)?.version ?? 0;
  const found = schemaVersion(db);
  if (found > known) {
    throw new DataError(
      `${file} has schema version ${found}, newer than this Pruning Workbench knows (${known}); update the app, or choose another path (env PWB_DB)`,
    );
  }
}
