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

  // Named instead of given: the widths are read from experiment 1 when the run starts, and the stored spec holds them.
  const named = join(dir, 'named.json');
  writeFileSync(named, JSON.stringify({
    version: 1, name: 'guided from 1', dataset: 'fashion-mnist-mini', arch: 'vgg_mini', method: { id: 'guided', params: { pattern: { fromExperiment: 1 } } },
    regimes: ['scratch-e'], seeds: [1], ...tiny,
  }));
  const third = await box.run(['run', named, '--threads', '1', '--no-progress', '--json']);
  assert.equal(third.code, 0, explain(third));
  const stored = (JSON.parse(third.stdout) as { experiment: { id: number; spec: { method: { params: { pattern: { stages: unknown; source: { experiment: number } } } } } } }).experiment;
  assert.equal(stored.id, 3);
  assert.deepEqual(stored.spec.method.params.pattern.stages, pattern.stages);
  assert.equal(stored.spec.method.params.pattern.source.experiment, 1);
  const runsOf = (r: typeof second) => (JSON.parse(r.stdout) as { runs: Array<{ regime: string; params: number }> }).runs.map((x) => `${x.regime}:${x.params}`);
  assert.deepEqual(runsOf(third), runsOf(second), 'the same architectures as with the pattern given');
  // A preset no experiment here has run: one line saying what to run, nothing stored.
  writeFileSync(named, JSON.stringify({ ...JSON.parse(JSON.stringify({ version: 1, name: 'guided', dataset: 'fashion-mnist-mini', arch: 'vgg_mini', regimes: ['scratch-e'], seeds: [1], ...tiny })), method: { id: 'guided', params: { pattern: { fromPreset: 'slim-vgg19-70-cifar10' } } }, scale: 0.5 }));
  const refused = await box.run(['run', named, '--no-progress']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /field 'method\.params\.pattern': no completed experiment of preset 'slim-vgg19-70-cifar10' at scale 0\.5 in this database; run `pwb run slim-vgg19-70-cifar10 --scale 0\.5` first/);
  assert.equal((JSON.parse((await box.run(['experiments', '--json'])).stdout) as unknown[]).length, 3, 'no experiment was added');

  // The two as one study: slimming's regimes beside the guided network, with latency measured and stored.
  const studied = await box.run(['study', '1', '2', '--latency', '--backend', 'wasm', '--batch-size', '8', '--repeats', '3']);
  assert.equal(studied.code, 0, explain(studied));
  // vgg_mini (both baselines share it), the slimmed networks (one per seed, unless they agree) and the guided one.
  assert.match(studied.stderr, /^latency: [34] architectures on wasm \(.*\), batch 1 and 8, median of 3$/m);
  assert.match(studied.stdout, /^#1 network_slimming · fine-tuned +2 +[\d.]+% ± [\d.]+ +[\d.]+K/m);
  assert.match(studied.stdout, /^#2 guided · Scratch-E +1 +[\d.]+%/m);
  assert.match(studied.stdout, /latency b8 ms/);
  assert.match(studied.stdout, /^latency: wasm .* for \d+ of \d+ architectures$/m);
  const csv = await box.run(['study', '1', '2', '--csv']);
  const lines = csv.stdout.trim().split('\n');
  assert.equal(lines[0], 'experiment_id,label,regime,seeds,test_acc_mean,test_acc_std,params,flops,latency_batch1_ms,latency_batch8_ms');
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[2]), ['baseline', 'finetune', 'baseline', 'scratch-e']);
  for (const l of lines.slice(1)) assert.match(l, /,\d+(\.\d+)?,\d+(\.\d+)?$/, `both latencies known: ${l}`);
});
