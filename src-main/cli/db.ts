// The database a command works on: --db FILE, else $PWB_DB, else the user data folder (XDG on Linux).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { defaultDatabasePath } from '../store/default-path.ts';
import { openDatabase, type Db } from '../store/db.ts';
import { reconcileInterruptedRuns } from '../jobs/interrupted-runs.ts';
import { storageFailure } from '../store/storage-failure.ts';

export function databasePath(cmd: Command): string {
  const opts = cmd.optsWithGlobals() as { db?: string };
  return opts.db ?? defaultDatabasePath();
}

/** Whether the command's database file exists (`:memory:` always does). */
export function databaseExists(cmd: Command): boolean {
  const path = databasePath(cmd);
  return path === ':memory:' || existsSync(path);
}

export interface WithDatabaseOptions {
  /**
   * For commands that only look things up (show, resume): when the file does not exist, throw this
   * error instead of creating an empty database (a lookup must not leave a file behind).
   */
  ifMissing?: (path: string) => Error;
}

function open(cmd: Command, options: WithDatabaseOptions): { db: Db; path: string } {
  const path = databasePath(cmd);
  if (options.ifMissing && path !== ':memory:' && !existsSync(path)) throw options.ifMissing(path);
  const db = openDatabase(path);
  if (path !== ':memory:') reconcileQuietly(db, path);
  return { db, path };
}

/** Marks runs and experiments whose process died as interrupted (best effort: a read-only file stays as it is). */
function reconcileQuietly(db: Db, path: string): void {
  try {
    reconcileInterruptedRuns(db, path);
  } catch {
    // read-only database or folder: the listing shows what is stored
  }
}

export function withDatabase<T>(cmd: Command, fn: (db: Db, path: string) => T, options: WithDatabaseOptions = {}): T {
  const { db, path } = open(cmd, options);
  try {
    return fn(db, path);
  } catch (e) {
    throw storageFailure(e, path) ?? e;
  } finally {
    db.close();
  }
}

export async function withDatabaseAsync<T>(cmd: Command, fn: (db: Db, path: string) => Promise<T>, options: WithDatabaseOptions = {}): Promise<T> {
  const { db, path } = open(cmd, options);
  try {
    return await fn(db, path);
  } catch (e) {
    throw storageFailure(e, path) ?? e;
  } finally {
    db.close();
  }
}
