// ThiNet end to end: an experiment plans from the baseline's activations on its training images, and
// `pwb prune` does the same from a checkpoint given --dataset (and refuses in one line without it).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { explain, lines, sandbox, tempDir } from './helpers.ts';

test('a ThiNet experiment, and pwb prune --method thinet from its baseline checkpoint', { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t, 'pwb-thinet-');
  const box = sandbox(dir);
  const spec = join(dir, 'thinet.json');
  const widthsFrom = { ratios: [0, 0.5, 0.5] };
  writeFileSync(spec, JSON.stringify({
    version: 1, name: 'thinet', dataset: 'fashion-mnist-mini', arch: 'vgg_mini', method: { id: 'thinet', params: { widthsFrom, images: 32 } },
    regimes: ['finetune'], seeds: [1],
    baseline: { epochs: 1, trainLimit: 128, testLimit: 100 }, finetune: { epochs: 1, trainLimit: 128, testLimit: 100 },
  }));
  const run = await box.run(['run', spec, '--threads', '1', '--no-progress', '--json']);
  assert.equal(run.code, 0, explain(run));
  const runs = (JSON.parse(run.stdout) as { runs: Array<{ regime: string; status: string; params: number; checkpointDir: string }> }).runs;
  const baseline = runs.find((r) => r.regime === 'baseline')!;
  const finetune = runs.find((r) => r.regime === 'finetune')!;
  assert.equal(finetune.status, 'completed');
  assert.ok(finetune.params < baseline.params);

  const ckpt = join(baseline.checkpointDir, 'last.ckpt');
  const args = ['prune', '--arch', 'vgg_mini', '--method', 'thinet', '--param', `widthsFrom=${JSON.stringify(widthsFrom)}`, '--param', 'images=16', '--weights', ckpt];
  const refused = await box.run(args);
  assert.equal(refused.code, 2, explain(refused));
  assert.deepEqual(lines(refused.stderr), ["pwb: error: method 'thinet' chooses channels from activations on training images: pass --dataset <id>, the data --weights was trained on"]);

  const out = join(dir, 'plan.json');
  const planned = await box.run([...args, '--dataset', 'fashion-mnist-mini', '--out', out]);
  assert.equal(planned.code, 0, explain(planned));
  const plan = JSON.parse(readFileSync(out, 'utf8')) as { method: string; keep: Record<string, number[]> };
  assert.equal(plan.method, 'thinet');
  assert.deepEqual(Object.keys(plan.keep), ['features.4', 'features.8']);
  assert.deepEqual([plan.keep['features.4']!.length, plan.keep['features.8']!.length], [16, 32]);
});
