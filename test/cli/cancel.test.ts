// Ctrl-C (SIGINT) during `pwb train` cancels within a training step at one thread, on wasm and on native
// TensorFlow where installed (single-threaded training used to keep the event loop busy until the run
// ended): exit status 130, the run stored as cancelled after its first epoch at most, resumable.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { skipReason } from '../engine/backends.ts';
import { PWB_BIN, REPO_ROOT, runPwb, sandbox, tempDir } from './helpers.ts';

for (const backend of ['wasm', 'tensorflow'] as const) {
  test(`SIGINT during pwb train --threads 1 on ${backend}: cancelled within a step, exit 130, run stored as cancelled`, { skip: skipReason(backend), timeout: 120_000 }, async (t) => {
    const box = sandbox(tempDir(t, 'pwb-cli-cancel-'));
    const args = [PWB_BIN, '--db', box.db, 'train', '--arch', 'vgg_mini', '--dataset', 'fashion-mnist-mini', '--epochs', '50', '--threads', '1', '--backend', backend];
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...box.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sentAt = 0;
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      // Without a terminal, progress is one line per epoch: interrupt as epoch 2 starts.
      if (!sentAt && /^epoch 1\/50 .* img\/s/m.test(stderr)) {
        sentAt = performance.now();
        child.kill('SIGINT');
      }
    });
    const [code] = (await new Promise((resolve) => child.on('close', (c, s) => resolve([c, s])))) as [number | null, string | null];
    assert.ok(sentAt > 0, `training never showed progress: ${stderr.slice(-500)}`);
    const took = performance.now() - sentAt;
    assert.equal(code, 130, stderr.slice(-500));
    // An epoch takes seconds here, a step tens of milliseconds: stopping well inside the epoch means within a step.
    assert.ok(took < 5_000, `took ${took.toFixed(0)} ms to stop after SIGINT`);
    const shown = await runPwb(['--db', box.db, 'show', '1', '--json'], { env: box.env });
    const { run } = JSON.parse(shown.stdout) as { run: { status: string; epochsDone: number } };
    assert.equal(run.status, 'cancelled');
    assert.ok(run.epochsDone >= 1 && run.epochsDone < 50, `${run.epochsDone} epochs`);
    t.diagnostic(`stopped ${took.toFixed(0)} ms after SIGINT, ${run.epochsDone} epochs stored`);
  });
}
