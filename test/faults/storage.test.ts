// A full disk, a read-only folder or file, a folder another user owns: each gives one line naming the
// path and what to do, changes nothing already stored, and leaves nothing "running"; a run the disk
// stopped resumes once there is space, without losing or repeating an epoch.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { explain, lines, sandbox, tempDir, type PwbResult } from '../cli/helpers.ts';
import { cannotMount, fillDisk, mountReadOnly, NOBODY, resizeDisk, smallDisk } from './mounts.ts';
import { assertSoundStore } from './store-checks.ts';

const TRAIN = ['train', '--arch', 'vgg_mini', '--dataset', 'fashion-mnist-mini', '--epochs', '3', '--train-limit', '256', '--test-limit', '100', '--seed', '3', '--backend', 'wasm'];

/** The one error line of a failed command: stderr's last (progress comes before it), and the only error. */
function oneLine(r: PwbResult): string {
  const err = lines(r.stderr);
  assert.equal(err.filter((l) => l.startsWith('pwb:')).length, 1, `one error line\n${explain(r)}`);
  assert.match(err.at(-1)!, /^pwb: error: /, explain(r));
  return err.at(-1)!;
}

/** A temp folder removed when the test ends, registered after `mountReadOnly` (so it is unmounted first). */
function scratch(t: TestContext, prefix: string): { dir: string; cleanUp(): void } {
  const dir = tempDir(undefined, prefix);
  return { dir, cleanUp: () => t.after(() => fs.rmSync(dir, { recursive: true, force: true })) };
}

const skip = cannotMount();

/** A sandbox (data, caches) on the normal disk, with its database on `disk`. */
function onDisk(t: TestContext, disk: string): { db: string; run(args: string[]): Promise<PwbResult> } {
  const box = sandbox(tempDir(t, 'pwb-fault-'));
  const db = path.join(disk, 'w.db');
  return { db, run: (args) => box.runNoDb(['--db', db, ...args]) };
}

describe('a full disk', { skip: skip ?? false }, () => {
  test('stops a training run with one line naming the file; its finished epochs stay; it resumes once there is space', async (t) => {
    // Room for the database and one epoch's checkpoints (≈ 200 KB each), not for the run.
    const disk = smallDisk(t, 600);
    const box = onDisk(t, disk);
    const r = await box.run(TRAIN);
    assert.equal(r.code, 1, explain(r));
    const line = oneLine(r);
    assert.match(line, new RegExp(`${disk.replaceAll('/', '\\/')}\\/\\S+: the disk is full \\((ENOSPC|SQLITE_FULL|SQLITE_IOERR\\w*), [\\d.]+ [KM]?B free\\); free space on it, then resume with \`pwb resume --run 1\``), line);
    assert.doesNotMatch(line, /internal error|move it aside/);

    resizeDisk(disk, 8 * 1024);
    const list = await box.run(['list']);
    assert.equal(list.code, 0, explain(list));
    const before = assertSoundStore(box.db);
    assert.equal(before.status.get(1), 'failed', 'the run is failed (or reconciled as interrupted), not running');
    const kept = before.epochs.get(1) ?? [];
    assert.ok(kept.length < 3, `the disk stopped the run before its end (${kept.length} epochs)`);

    const resumed = await box.run(['resume', '--run', '1', '--backend', 'wasm']);
    assert.equal(resumed.code, 0, explain(resumed));
    const after = assertSoundStore(box.db);
    assert.equal(after.status.get(1), 'completed');
    assert.deepEqual(after.epochs.get(1), [1, 2, 3]);
  });

  test('pwb list on a full disk: one line saying so (never "move it aside"), nothing changed; it works again once there is space', async (t) => {
    const disk = smallDisk(t, 1024);
    const box = onDisk(t, disk);
    const trained = await box.run([...TRAIN.slice(0, 5), '--epochs', '1', ...TRAIN.slice(7)]);
    assert.equal(trained.code, 0, explain(trained));
    for (const f of fs.readdirSync(disk)) if (f.endsWith('-wal') || f.endsWith('-shm')) fs.rmSync(path.join(disk, f));
    const bytes = fs.readFileSync(box.db);
    const filler = fillDisk(disk);
    for (const args of [['list'], ['show', '1'], TRAIN]) {
      const r = await box.run(args);
      assert.equal(r.code, 1, explain(r));
      const line = oneLine(r);
      assert.match(line, /the disk is full/, line);
      assert.ok(line.includes(box.db), line);
      assert.doesNotMatch(line, /move it aside|internal error/, line);
    }
    assert.deepEqual(fs.readFileSync(box.db), bytes, 'the database is unchanged');
    fs.rmSync(filler);
    const list = await box.run(['list']);
    assert.equal(list.code, 0, explain(list));
    assert.match(list.stdout, /completed/);
    assertSoundStore(box.db);
  });
});

describe('a read-only database', { skip: skip ?? false }, () => {
  test('in a read-only folder: every command says which folder and what to do, in one line, and changes nothing', async (t) => {
    const { dir, cleanUp } = scratch(t, 'pwb-ro-');
    const box = sandbox(dir, 'w.db');
    const trained = await box.run([...TRAIN.slice(0, 5), '--epochs', '1', ...TRAIN.slice(7)]);
    assert.equal(trained.code, 0, explain(trained));
    const bytes = fs.readFileSync(box.db);
    mountReadOnly(t, dir);
    cleanUp();
    for (const args of [['list'], TRAIN, ['experiments']]) {
      const r = await box.run(args);
      assert.equal(r.code, 1, explain(r));
      const line = oneLine(r);
      assert.equal(line, `pwb: error: ${box.db} cannot be opened: ${dir} is not writable (EROFS); make it writable, or use another database (--db FILE or env PWB_DB)`);
    }
    const nested = await box.runNoDb(['--db', path.join(dir, 'sub', 'new.db'), ...TRAIN]);
    assert.equal(oneLine(nested), `pwb: error: cannot create ${path.join(dir, 'sub')}: ${dir} is not writable (EROFS); make it writable, or use another database (--db FILE or env PWB_DB)`);
    assert.deepEqual(fs.readFileSync(box.db), bytes);
  });

  test('a read-only file in a writable folder: listings work, a write is one line naming it', async (t) => {
    const { dir, cleanUp } = scratch(t, 'pwb-rof-');
    const box = sandbox(dir, 'w.db');
    const trained = await box.run([...TRAIN.slice(0, 5), '--epochs', '1', ...TRAIN.slice(7)]);
    assert.equal(trained.code, 0, explain(trained));
    const bytes = fs.readFileSync(box.db);
    mountReadOnly(t, box.db);
    cleanUp();
    const list = await box.run(['list']);
    assert.equal(list.code, 0, explain(list));
    assert.match(list.stdout, /completed/);
    const r = await box.run(TRAIN);
    assert.equal(r.code, 1, explain(r));
    assert.match(oneLine(r), new RegExp(`^pwb: error: ${box.db.replaceAll('/', '\\/')} cannot be written \\(SQLITE_READONLY\\w*: the file or its folder is read-only\\); make both writable, or use another database \\(--db FILE or env PWB_DB\\)$`));
    assert.deepEqual(fs.readFileSync(box.db), bytes);
  });
});

describe('another user\'s folder', { skip: skip ?? false }, () => {
  test('a database where this user may not write: one line naming the folder (EACCES), nothing created', async (t) => {
    const dir = tempDir(t, 'pwb-acl-');
    fs.chmodSync(dir, 0o755); // root's: others may read, not write
    const home = tempDir(t, 'pwb-nobody-');
    fs.chmodSync(home, 0o777);
    const env = { HOME: home, XDG_DATA_HOME: path.join(home, 'data'), XDG_CACHE_HOME: path.join(home, 'cache'), PWB_DATASETS_DIR: path.join(home, 'datasets'), NODE_COMPILE_CACHE: undefined };
    const box = sandbox(dir, 'w.db');
    const r = await box.run(TRAIN, { uid: NOBODY, env });
    assert.equal(r.code, 1, explain(r));
    assert.match(oneLine(r), new RegExp(`^pwb: error: ${box.db.replaceAll('/', '\\/')} cannot be (opened: ${dir.replaceAll('/', '\\/')} is not writable \\(EACCES\\)|written \\(SQLITE_READONLY\\w*)`));
    assert.equal(fs.existsSync(box.db), false, 'no database file left behind');
    const nested = await box.runNoDb(['--db', path.join(dir, 'sub', 'w.db'), ...TRAIN], { uid: NOBODY, env });
    assert.match(oneLine(nested), /permission denied \(EACCES\)|is not writable \(EACCES\)/);
  });
});
