// One process trains a run (or drives an experiment) at a time. A lock file in the run's checkpoint
// folder (the experiment's folder) names its owner (host and pid); a lock whose process is gone (a
// crash, kill -9) is stale and is taken over, so a killed job can be resumed at once while a live one
// cannot be run twice.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../src-shared/errors.ts';

const LOCK_FILE = 'run.lock';

export function acquireRunLock(dir: string, runId: number): () => void {
  return acquireJobLock(dir, `run ${runId}`, 'trained');
}

/** The lock of `what` ("run 3", "experiment 2") in `dir`; `doing` says what its owner does ("trained"). */
export function acquireJobLock(dir: string, what: string, doing: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const me = { host: hostname(), pid: process.pid };
  try {
    writeFileSync(path, JSON.stringify(me), { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const owner = readOwner(path);
    if (owner && owner.host === me.host && owner.pid !== me.pid && isAlive(owner.pid)) {
      throw new ValidationError(`${what} is being ${doing} by process ${owner.pid}; stop it first or wait for it`);
    }
    if (owner && owner.host !== me.host) {
      throw new ValidationError(`${what} is locked by ${owner.host} (pid ${owner.pid}); if that process is gone, delete ${path}`);
    }
    writeFileSync(path, JSON.stringify(me));
  }
  return () => rmSync(path, { force: true });
}

/**
 * Whether the lock in `dir` has a live owner: 'live' (a process of this host that is still there),
 * 'foreign' (another host's: cannot tell) or 'gone' (no lock, or its process has ended).
 */
export function lockState(dir: string): 'live' | 'foreign' | 'gone' {
  const owner = readOwner(join(dir, LOCK_FILE));
  if (!owner) return 'gone';
  if (owner.host !== hostname()) return 'foreign';
  return owner.pid === process.pid || isAlive(owner.pid) ? 'live' : 'gone';
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
