// --val-split: `pwb train` and `pwb run` choose best epochs on held-out training images, say so in
// the epoch lines, the stored runs and the table, and refuse a fraction out of range in one line.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { explain, sandbox, tempDir } from './helpers.ts';

test('pwb train --val-split: held-out accuracy per epoch and the best epoch chosen on it', { timeout: 300_000 }, async (t) => {
  const box = sandbox(tempDir(t, 'pwb-val-train-'));
  const r = await box.run([
    'train', '--arch', 'vgg_mini', '--dataset', 'fashion-mnist-mini', '--epochs', '2', '--train-limit', '256', '--test-limit', '200',
    '--val-split', '0.1', '--threads', '1', '--json',
  ]);
  assert.equal(r.code, 0, explain(r));
  const run = JSON.parse(r.stdout) as { bestValAcc: number | null; bestEpoch: number; config: { valSplit: number } };
  assert.equal(run.config.valSplit, 0.1);
  assert.equal(typeof run.bestValAcc, 'number');
  const epochLines = r.stderr.split('\n').filter((l) => /^epoch \d\/2 /.test(l));
  assert.equal(epochLines.length, 2, r.stderr);
  for (const l of epochLines) assert.match(l, /test loss [\d.]+ acc [\d.]+% +held-out loss [\d.]+ acc [\d.]+% /);
});

test('pwb run --val-split: every run holds the same images out and the table says what chose the best epochs', { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t, 'pwb-val-run-');
  const specPath = join(dir, 'spec.json');
  writeFileSync(specPath, JSON.stringify({
    version: 1, name: 'held out', dataset: 'fashion-mnist-mini', arch: 'vgg_mini',
    method: { id: 'l1_norm', params: { ratios: [0, 0.5, 0.5] } }, regimes: ['finetune', 'scratch-e'], seeds: [1],
    baseline: { epochs: 1, trainLimit: 256, testLimit: 200 }, finetune: { epochs: 1, trainLimit: 256, testLimit: 200 },
  }));
  const box = sandbox(dir);
  const r = await box.run(['run', specPath, '--val-split', '0.1', '--threads', '1', '--json']);
  assert.equal(r.code, 0, explain(r));
  const out = JSON.parse(r.stdout) as { runs: Array<{ regime: string; bestValAcc: number | null; config: { valSplit: number } }>; summary: Array<{ bestChosenOn: string }> };
  assert.deepEqual(out.runs.map((x) => x.config.valSplit), [0.1, 0.1, 0.1]);
  assert.ok(out.runs.every((x) => typeof x.bestValAcc === 'number'), JSON.stringify(out.runs));
  assert.deepEqual(out.summary.map((s) => s.bestChosenOn), ['held-out', 'held-out', 'held-out']);
  const text = await box.run(['results', '1']);
  assert.equal(text.code, 0, explain(text));
  assert.match(text.stdout, /best acc \(epoch chosen on held-out train images\)/);
});

test('--val-split out of range: one line naming the field and the value, nothing stored', async (t) => {
  const box = sandbox(tempDir(t, 'pwb-val-bad-'));
  const r = await box.run(['train', '--arch', 'vgg_mini', '--dataset', 'fashion-mnist-mini', '--epochs', '1', '--val-split', '0.8']);
  assert.equal(r.code, 2, explain(r));
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^pwb: error: .*valSplit.*0\.8|^pwb: error: .*valSplit/);
});
