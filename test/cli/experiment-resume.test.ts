// An experiment killed at a random point (SIGKILL) and resumed finishes with the same runs and metric
// rows as an uninterrupted one — none lost, none duplicated — and, training being deterministic for a
// seed, with the same final accuracies.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { PWB_BIN, explain, sandbox, tempDir } from './helpers.ts';

const spec = {
  version: 1,
  name: 'kill and resume',
  dataset: 'fashion-mnist-mini',
  arch: 'vgg_mini',
  method: { id: 'l1_norm', params: { ratios: [0, 0.5, 0.5] } },
  regimes: ['finetune', 'scratch-e', 'scratch-b'],
  seeds: [1, 2],
  baseline: { epochs: 2, trainLimit: 384, testLimit: 200, batchSize: 64 },
  finetune: { epochs: 1, trainLimit: 384, testLimit: 200 },
};

function table(file: string): { runs: Array<Record<string, unknown>>; metrics: Array<Record<string, unknown>> } {
  const db = new Database(file, { readonly: true });
  const runs = db.prepare('SELECT regime, seed, status, epochs_planned, epochs_done, test_acc FROM runs ORDER BY seed, regime').all() as Array<Record<string, unknown>>;
  const metrics = db.prepare(
    `SELECT r.regime, r.seed, m.epoch, m.test_acc FROM epoch_metrics m JOIN runs r ON r.id = m.run_id ORDER BY r.seed, r.regime, m.epoch`,
  ).all() as Array<Record<string, unknown>>;
  db.close();
  return { runs, metrics };
}

test('SIGKILL at a random point, then resume: same runs and metric rows as an uninterrupted experiment', { timeout: 600_000 }, async (t) => {
  const dir = tempDir(t, 'pwb-exp-resume-');
  const specPath = join(dir, 'spec.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const whole = sandbox(dir, 'whole.sqlite');
  const started = performance.now();
  const reference = await whole.run(['run', specPath, '--threads', '1'], { timeoutMs: 300_000 });
  assert.equal(reference.code, 0, explain(reference));
  const fullMs = performance.now() - started;

  const killed = sandbox(dir, 'killed.sqlite');
  // A random point in the first ~60% of the uninterrupted time, counted from when the experiment is
  // recorded (its folder beside the database appears as it starts: before that there is nothing to resume,
  // and on a loaded machine the process start alone can take over a second); if the run still beat the
  // kill (a slow reference, a fast rerun), start over in a fresh database with half the delay.
  let delay = Math.random() * Math.max(500, fullMs * 0.6 - 1000);
  let signal: NodeJS.Signals | null = null;
  for (let attempt = 0; attempt < 4 && signal !== 'SIGKILL'; attempt++, delay /= 2) {
    rmSync(killed.db, { force: true });
    for (const suffix of ['-wal', '-shm']) rmSync(`${killed.db}${suffix}`, { force: true });
    for (const folder of ['.runs', '.experiments']) rmSync(`${killed.db}${folder}`, { recursive: true, force: true });
    t.diagnostic(`uninterrupted: ${(fullMs / 1000).toFixed(1)} s; killing after ${(delay / 1000).toFixed(1)} s`);
    signal = await new Promise<NodeJS.Signals | null>((resolve) => {
      const child = spawn(process.execPath, [PWB_BIN, '--db', killed.db, 'run', specPath, '--threads', '1'], { env: { ...process.env, ...killed.env }, stdio: 'ignore' });
      let timer: NodeJS.Timeout | undefined;
      const started = setInterval(() => {
        if (!existsSync(`${killed.db}.experiments`)) return;
        clearInterval(started);
        timer = setTimeout(() => child.kill('SIGKILL'), delay);
      }, 20);
      child.on('close', (_code, sig) => {
        clearInterval(started);
        clearTimeout(timer);
        resolve(sig);
      });
    });
  }
  assert.equal(signal, 'SIGKILL', 'the experiment should still have been running when killed');

  const resumed = await killed.run(['resume', '1', '--threads', '1'], { timeoutMs: 300_000 });
  assert.equal(resumed.code, 0, explain(resumed));
  const a = table(whole.db);
  const b = table(killed.db);
  assert.equal(b.runs.length, 8);
  assert.deepEqual(b.runs, a.runs);
  assert.equal(b.metrics.length, a.metrics.length);
  assert.deepEqual(b.metrics, a.metrics);
});
