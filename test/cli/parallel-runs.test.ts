// `pwb run --backend webgpu --parallel-runs 2` (here on a software adapter): the header says how many runs
// train at once, each epoch line names its run (two are training, so a bare "epoch 1" would be ambiguous),
// and the experiment ends with every run completed. Skipped, with the reason, where WebGPU has no adapter.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { skipReason } from '../engine/backends.ts';
import { explain, sandbox, tempDir } from './helpers.ts';

test('pwb run --parallel-runs 2 on webgpu: runs at once in the header, each epoch line names its run, all runs completed', { skip: skipReason('webgpu'), timeout: 600_000 }, async (t) => {
  const dir = tempDir(t, 'pwb-parallel-cli-');
  const box = sandbox(dir);
  const spec = path.join(dir, 'two-seeds.json');
  writeFileSync(spec, JSON.stringify({
    version: 1, name: 'two seeds side by side', dataset: 'fashion-mnist-mini', arch: 'vgg_mini',
    method: { id: 'l1_norm', params: { ratios: [0, 0.5, 0.5] } }, regimes: ['finetune'], seeds: [1, 2],
    baseline: { epochs: 1, trainLimit: 64, testLimit: 64 }, finetune: { epochs: 1, trainLimit: 64, testLimit: 64 },
  }));
  const r = await box.run(['run', spec, '--backend', 'webgpu', '--parallel-runs', '2', '--json'], { timeoutMs: 600_000 });
  assert.equal(r.code, 0, explain(r));
  assert.match(r.stderr, /^experiment 1: two seeds side by side; 4 runs; backend webgpu \(.*\), the whole batch on the device, 2 runs at once$/m);
  for (const seed of [1, 2]) {
    assert.match(r.stderr, new RegExp(`^  baseline seed ${seed}: epoch 1  lr `, 'm'), `seed ${seed}'s baseline epoch line names its run`);
    assert.match(r.stderr, new RegExp(`^  finetune seed ${seed}: epoch 1  lr `, 'm'));
  }
  const out = JSON.parse(r.stdout) as { runs: Array<{ status: string; backend: string }> };
  assert.deepEqual(out.runs.map((x) => [x.status, x.backend]), Array(4).fill(['completed', 'webgpu']));
});
