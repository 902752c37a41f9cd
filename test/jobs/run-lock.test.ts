import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ValidationError } from '../../src-shared/errors.ts';
import { acquireRunLock } from '../../src-main/jobs/run-lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a live owner blocks the lock; a dead owner (kill -9) is taken over; release removes it', async () => {
  const lockDir = join(dir, 'run-1');
  const sleeper = spawn('sleep', ['30']);
  await new Promise((r) => sleeper.once('spawn', r));
  const release0 = acquireRunLock(lockDir, 1);
  release0();
  writeFileSync(join(lockDir, 'run.lock'), JSON.stringify({ host: hostname(), pid: sleeper.pid }));
  assert.throws(() => acquireRunLock(lockDir, 1), (e) => e instanceof ValidationError && /process \d+/.test(e.message));
  sleeper.kill('SIGKILL');
  await new Promise((r) => sleeper.once('close', r));
  const release = acquireRunLock(lockDir, 1);
  assert.ok(existsSync(join(lockDir, 'run.lock')));
  release();
  assert.ok(!existsSync(join(lockDir, 'run.lock')));
});

test('a lock held by another host is refused with the path to delete', () => {
  const lockDir = join(dir, 'run-2');
  acquireRunLock(lockDir, 2);
  writeFileSync(join(lockDir, 'run.lock'), JSON.stringify({ host: 'elsewhere', pid: 1 }));
  assert.throws(() => acquireRunLock(lockDir, 2), /locked by elsewhere .*run\.lock/);
});
