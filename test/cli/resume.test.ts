// A training run killed (SIGKILL) after an epoch shows as interrupted (not "running" forever) and,
// resumed with `pwb resume`, ends with the same
// per-epoch metrics as an uninterrupted run with the same seed (1e-4, same backend), with no epoch
// lost or duplicated.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'pwb-resume-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const trainArgs = ['train', '--arch', 'vgg_mini', '--dataset', 'fashion-mnist-mini', '--epochs', '3', '--train-limit', '1024', '--test-limit', '500', '--seed', '7', '--backend', 'wasm'];
const env = { ...process.env, XDG_DATA_HOME: dir, PWB_DATASETS_DIR: join(dir, 'cache') };

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function pwb(args: string[], opts: { killAfterLine?: RegExp } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'pwb.js'), ...args], { env, cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (opts.killAfterLine?.test(stderr)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

type Epoch = { epoch: number; trainLoss: number; trainAcc: number; testLoss: number; testAcc: number; lr: number };

async function epochsOf(db: string, runId: number): Promise<Epoch[]> {
  const shown = await pwb(['show', String(runId), '--json', '--db', db]);
  assert.equal(shown.code, 0, shown.stderr);
  return (JSON.parse(shown.stdout) as { epochs: Epoch[] }).epochs;
}

test('kill -9 after epoch 1, then resume: same metrics as an uninterrupted run', { timeout: 300_000 }, async () => {
  const whole = join(dir, 'whole.sqlite');
  const killed = join(dir, 'killed.sqlite');
  const interrupted = await pwb([...trainArgs, '--db', killed], { killAfterLine: /epoch 1\/3/ });
  assert.equal(interrupted.signal, 'SIGKILL', `the run should have been killed: ${interrupted.stderr}`);
  const before = await epochsOf(killed, 1);
  assert.ok(before.length >= 1 && before.length < 3, `the killed run stored ${before.length} epochs`);
  // Nobody is left to end the killed run: the next command that opens the database marks it interrupted.
  const shown = await pwb(['show', '1', '--json', '--db', killed]);
  const { run: left } = JSON.parse(shown.stdout) as { run: { status: string; error: string | null } };
  assert.equal(left.status, 'failed');
  assert.match(left.error ?? '', /^interrupted: the process training it ended without finishing; resume with `pwb resume --run 1`$/);

  const resumed = await pwb(['resume', '--run', '1', '--db', killed, '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const run = JSON.parse(resumed.stdout) as { status: string; epochsDone: number };
  assert.equal(run.status, 'completed');
  assert.equal(run.epochsDone, 3);

  const reference = await pwb([...trainArgs, '--db', whole, '--json']);
  assert.equal(reference.code, 0, reference.stderr);
  const expected = await epochsOf(whole, 1);
  const actual = await epochsOf(killed, 1);
  assert.deepEqual(actual.map((e) => e.epoch), [1, 2, 3]);
  for (const [i, e] of expected.entries()) {
    for (const key of ['trainLoss', 'trainAcc', 'testLoss', 'testAcc', 'lr'] as const) {
      assert.ok(Math.abs(actual[i]![key] - e[key]) <= 1e-4, `epoch ${e.epoch} ${key}: resumed ${actual[i]![key]} vs uninterrupted ${e[key]}`);
    }
  }
});

test('resuming a completed run is refused with one line', { timeout: 120_000 }, async () => {
  const db = join(dir, 'busy.sqlite');
  const oneEpoch = trainArgs.map((a, i) => (trainArgs[i - 1] === '--epochs' ? '1' : a));
  const done = await pwb([...oneEpoch, '--db', db, '--json']);
  assert.equal(done.code, 0, done.stderr);
  const again = await pwb(['resume', '--run', '1', '--db', db]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr.trim(), /^pwb: error: run 1 is already completed/);
  assert.equal(again.stderr.trim().split('\n').length, 1);
});
