// One process trains a run at a time. A lock file in the run's checkpoint folder names its owner
// (host and pid); a lock whose process is gone (a crash, kill -9) is stale and is taken over, so a
// killed run can be resumed at once while a live one cannot be trained twice.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../src-shared/errors.ts';

const LOCK_FILE = 'run.lock';

export function acquireRunLock(dir: string, runId: number): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const me = { host: hostname(), pid: process.pid };
  try {
    writeFileSync(path, JSON.stringify(me), { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const owner = readOwner(path);
    if (owner && owner.host === me.host && owner.pid !== me.pid && isAlive(owner.pid)) {
      throw new ValidationError(`run ${runId} is being trained by process ${owner.pid}; stop it first or wait for it`);
    }
    if (owner && owner.host !== me.host) {
      throw new ValidationError(`run ${runId} is locked by ${owner.host} (pid ${owner.pid}); if that process is gone, delete ${path}`);
    }
    writeFileSync(path, JSON.stringify(me));
  }
  return () => rmSync(path, { force: true });
}

function readOwner(path: string): { host: string; pid: number } | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as { host?: unknown; pid?: unknown };
    return typeof v.host === 'string' && typeof v.pid === 'number' ? { host: v.host, pid: v.pid } : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
