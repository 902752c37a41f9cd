// Real disk faults for the fault tests: a small tmpfs that fills up, a folder or file mounted read-only,
// another user who may not write. Mounting needs root (a CI container, a developer's VM); where this
// process may not mount, the tests that need it are skipped with that reason and how to run them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

/** The user "nobody": may read the repository, may not write in root's folders. */
export const NOBODY = 65534;

let mountable: string | null | undefined;

/** Null when this process can mount a tmpfs; else why not (the skip reason). */
export function cannotMount(): string | null {
  if (mountable !== undefined) return mountable;
  if (process.platform !== 'linux') return (mountable = 'needs Linux mounts (tmpfs, read-only bind mounts)');
  if (process.getuid?.() !== 0) return (mountable = 'needs root to mount a tmpfs and read-only bind mounts: run `npm test` as root (as CI does) or in a VM');
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'pwb-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    mountable = null;
  } catch {
    mountable = 'this root may not mount file systems (a container without CAP_SYS_ADMIN): run in a VM or a privileged container';
  }
  fs.rmSync(probe, { recursive: true, force: true });
  return mountable;
}

/** A tmpfs of `kb` KB, unmounted and removed when the test ends. */
export function smallDisk(t: Pick<TestContext, 'after'>, kb: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pwb-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k,mode=1777`, 'tmpfs', dir]);
  t.after(() => {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Grows (or shrinks) a tmpfs from smallDisk. */
export function resizeDisk(dir: string, kb: number): void {
  execFileSync('mount', ['-o', `remount,size=${kb}k`, dir]);
}

/** Fills the disk of `dir` to the last byte with a file (returned, so it can be removed). */
export function fillDisk(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(4096);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
  try {
    for (;;) fs.writeSync(fd, block, 0, 1); // the last partial block
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/** `target` (a folder or file) made read-only in place by a read-only bind mount, until the test ends. */
export function mountReadOnly(t: Pick<TestContext, 'after'>, target: string): void {
  execFileSync('mount', ['--bind', target, target]);
  execFileSync('mount', ['-o', 'remount,ro,bind', target]);
  t.after(() => execFileSync('umount', ['-l', target], { stdio: 'ignore' }));
}
