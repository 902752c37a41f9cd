// Guided pruning end to end: an automatic method's experiment, its width pattern (`pwb pattern`), and a
// second experiment that trains the guided architecture from scratch.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { explain, sandbox, tempDir } from './helpers.ts';

const tiny = { baseline: { epochs: 1, trainLimit: 128, testLimit: 100 }, finetune: { epochs: 1, trainLimit: 128, testLimit: 100 } };

test('pwb pattern: the slimming plans\' kept fractions, which the guided method turns into an architecture', { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t, 'pwb-pattern-');
  const box = sandbox(dir);
  const slim = join(dir, 'slim.json');
  writeFileSync(slim, JSON.stringify({
    version: 1, name: 'slim', dataset: 'fashion-mnist-mini', arch: 'vgg_mini', method: { id: 'network_slimming', params: { percent: 0.5 } },
    regimes: ['finetune'], seeds: [1, 2], ...tiny,
  }));
  const first = await box.run(['run', slim, '--threads', '1', '--no-progress']);
  assert.equal(first.code, 0, explain(first));

  const text = await box.run(['pattern', '1']);
  assert.equal(text.code, 0, explain(text));
  assert.match(text.stdout, /^experiment 1: network_slimming on vgg_mini, seeds 1, 2$/m);
  assert.match(text.stdout, /^ +1 +28×28 +[\d.]+%$/m);
  const json = await box.run(['pattern', '1', '--json']);
  const pattern = JSON.parse(json.stdout) as { stages: Array<{ fraction: number }>; layers: Record<string, number> };
  assert.equal(pattern.stages.length, 3);
  assert.deepEqual(Object.keys(pattern.layers), ['features.0', 'features.4', 'features.8']);

  const guided = join(dir, 'guided.json');
  writeFileSync(guided, JSON.stringify({
    version: 1, name: 'guided', dataset: 'fashion-mnist-mini', arch: 'vgg_mini', method: { id: 'guided', params: { pattern } },
    regimes: ['scratch-e'], seeds: [1], ...tiny,
  }));
  const second = await box.run(['run', guided, '--threads', '1', '--no-progress', '--json']);
  assert.equal(second.code, 0, explain(second));
  const runs = (JSON.parse(second.stdout) as { runs: Array<{ regime: string; params: number }> }).runs;
  assert.ok(runs.find((r) => r.regime === 'scratch-e')!.params < runs.find((r) => r.regime === 'baseline')!.params);
});
