// The database a command works on: --db FILE, else $PWB_DB, else the user data folder (XDG on Linux).
import type { Command } from 'commander';
import { defaultDatabasePath } from '../store/default-path.ts';
import { openDatabase, type Db } from '../store/db.ts';

export function databasePath(cmd: Command): string {
  const opts = cmd.optsWithGlobals() as { db?: string };
  return opts.db ?? defaultDatabasePath();
}

export function withDatabase<T>(cmd: Command, fn: (db: Db, path: string) => T): T {
  const path = databasePath(cmd);
  const db = openDatabase(path);
  try {
    return fn(db, path);
  } finally {
    db.close();
  }
}

export async function withDatabaseAsync<T>(cmd: Command, fn: (db: Db, path: string) => Promise<T>): Promise<T> {
  const path = databasePath(cmd);
  const db = openDatabase(path);
  try {
    return await fn(db, path);
  } finally {
    db.close();
  }
}
