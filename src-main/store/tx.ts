// Write discipline shared by every table module.
import type { Db } from './db.ts';

/**
 * Runs `fn` in a write transaction, committed if it returns and rolled back if it throws, so a
 * failing write leaves the database as it was. IMMEDIATE takes the write lock up front: a
 * deferred transaction that reads and then writes can fail with SQLITE_BUSY at once, without
 * waiting, when another process writes meanwhile. Nested calls become savepoints.
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/** Timestamps are stored as ISO-8601 UTC strings, which also sort in time order. */
export function nowIso(): string {
  return new Date().toISOString();
}
