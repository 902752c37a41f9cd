// A failed write because of the disk, not the data: the disk is full, the file or its folder is
// read-only, or the user may not write there. SQLite and Node report these as codes without the path
// ("database or disk is full", "ENOSPC: no space left on device, write"); this names the path and what
// to do in one line, and says that what is stored is intact (SQLite rolled the transaction back; a
// checkpoint is written to a temp file and renamed, so the previous one stands).
import { accessSync, constants, existsSync, statfsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StorageError, isWorkbenchError } from '../../src-shared/errors.ts';

/** Less free space than this on a disk where a write failed with an I/O error means: it is full. */
const NEARLY_FULL_BYTES = 256 * 1024;

/**
 * `e` as a StorageError naming `file` when it is a disk problem; null when it is something else. `then`
 * says what to do once the disk is fixed (default: run the command again).
 */
export function storageFailure(e: unknown, file: string, then = 'run the command again'): StorageError | null {
  if (e instanceof StorageError) return e;
  if (isWorkbenchError(e)) return null;
  const where = file === ':memory:' ? 'the in-memory database' : file;
  if (e instanceof Database.SqliteError) return sqliteFailure(e.code, where, file, then);
  const errno = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof errno !== 'string') return null;
  const target = (e as NodeJS.ErrnoException).path ?? file;
  switch (errno) {
    case 'ENOENT': {
      // mkdir -p under a read-only or foreign folder fails as ENOENT on some file systems.
      const folder = (e as NodeJS.ErrnoException).syscall === 'mkdir' ? notWritable(target) : null;
      return folder
        ? new StorageError(`cannot create ${target}: ${folder.dir} is not writable (${folder.code}); make it writable, or use another database (--db FILE or env PWB_DB)`)
        : null;
    }
    case 'ENOSPC':
    case 'EDQUOT':
      return full(target, errno, then);
    case 'EROFS':
      return new StorageError(`${target}: read-only file system (EROFS); remount it writable, or use another database (--db FILE or env PWB_DB)`);
    case 'EACCES':
    case 'EPERM':
      return new StorageError(`${target}: permission denied (${errno}); make it and its folder writable by this user, or use another database (--db FILE or env PWB_DB)`);
    default:
      return null;
  }
}

/** Runs `fn`; a disk failure comes out as a StorageError naming `file`. */
export function withStorageErrors<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw storageFailure(e, file) ?? e;
  }
}

function sqliteFailure(code: string, where: string, file: string, then: string): StorageError | null {
  if (code === 'SQLITE_FULL') return full(where, code, then);
  if (code.startsWith('SQLITE_READONLY')) {
    return new StorageError(`${where} cannot be written (${code}: the file or its folder is read-only); make both writable, or use another database (--db FILE or env PWB_DB)`);
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    // SQLite cannot make its -wal/-shm files beside a database in a read-only folder.
    const folder = notWritable(path.dirname(path.resolve(file)));
    if (folder) return new StorageError(`${where} cannot be opened: ${folder.dir} is not writable (${folder.code}); make it writable, or use another database (--db FILE or env PWB_DB)`);
    return new StorageError(`${where} cannot be opened (${code}); check that its folder exists and this user may write there, or use another database (--db FILE or env PWB_DB)`);
  }
  if (code.startsWith('SQLITE_IOERR')) {
    if (file !== ':memory:' && freeBytes(path.dirname(path.resolve(file))) < NEARLY_FULL_BYTES) return full(where, code, then);
    return new StorageError(`${where}: disk I/O error (${code}); check the disk, then ${then}`);
  }
  return null;
}

function full(target: string, code: string, then: string): StorageError {
  const free = freeBytes(path.dirname(path.resolve(target)));
  const left = Number.isFinite(free) ? `, ${formatBytes(free)} free` : '';
  return new StorageError(`${target}: the disk is full (${code}${left}); free space on it, then ${then} (what is stored is intact)`);
}

/** The nearest existing folder at or above `dir`, with the reason this user may not write in it; null if it may. */
function notWritable(dir: string): { dir: string; code: string } | null {
  let at = path.resolve(dir);
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  try {
    accessSync(at, constants.W_OK);
    return null;
  } catch (e) {
    return { dir: at, code: (e as NodeJS.ErrnoException).code ?? 'EACCES' };
  }
}

function freeBytes(dir: string): number {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

