// The channel-label interpreter surgery relies on, and the predefined methods' widths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { resolveArch } from '../../../src-main/engine/models/register-all.ts';
import { Interner, traceChannels } from '../../../src-main/engine/pruning/channel-trace.ts';
import { getMethod } from '../../../src-main/engine/pruning/methods/register-all.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { TEST_SPECS, randomWeights } from './helpers.ts';

test('labels: convs create, keep renames to base channels, flatten expands over positions (NHWC)', () => {
  const spec: ArchSpec = { family: 'vgg', input: [4, 4, 1], classes: 2, cfg: [3, 'M'], pool: 'flatten', fc: [] };
  const base = traceChannels(spec);
  assert.deepEqual(base.layers.get('features.0')!.input, ['input:0']);
  assert.deepEqual(base.layers.get('features.1')!.input, ['features.0:0', 'features.0:1', 'features.0:2']);
  assert.deepEqual(base.layers.get('classifier')!.input.slice(0, 4), ['features.0:0@0', 'features.0:1@0', 'features.0:2@0', 'features.0:0@1']);
  assert.equal(base.layers.get('classifier')!.input.length, 12);
  const pruned = traceChannels({ ...spec, cfg: [2, 'M'] }, { 'features.0': [0, 2] });
  assert.deepEqual(pruned.layers.get('features.1')!.input, ['features.0:0', 'features.0:2']);
  assert.deepEqual(pruned.layers.get('classifier')!.input.slice(0, 3), ['features.0:0@0', 'features.0:2@0', 'features.0:0@1']);
});

test('labels: residual sums agree between base and pruned traces; option-A padding adds zero channels', () => {
  const spec = resolveArch('resnet20');
  const interner = new Interner();
  const base = traceChannels(spec, {}, interner);
  const pruned = traceChannels({ ...spec, cfg: [8, ...(spec as unknown as { cfg: number[] }).cfg.slice(1)] }, { 'layer1.0.conv1': [1, 3, 5, 7, 9, 11, 13, 15] }, interner);
  assert.deepEqual(pruned.layers.get('layer1.1.conv1')!.input, base.layers.get('layer1.1.conv1')!.input);
  assert.deepEqual(pruned.layers.get('layer1.0.conv2')!.input.slice(0, 2), ['layer1.0.conv1:1', 'layer1.0.conv1:3']);
  const stage2 = base.layers.get('layer2.0.conv2')!.output.length;
  assert.equal(stage2, 32);
  // layer2.1 reads the sum of layer2.0's conv2 and the padded shortcut: 32 distinct labels.
  assert.equal(new Set(base.layers.get('layer2.1.conv1')!.input).size, 32);
});

test('labels: PreResNet / DenseNet selections pick from the full tensor', () => {
  const { spec } = TEST_SPECS.densenet[0]!;
  const full = traceChannels(spec);
  const select = (spec as unknown as { cfg: number[] }).cfg.map((c) => Array.from({ length: c }, (_, i) => i));
  select[1] = [0, 2, 4, 6, 8, 10];
  const cfg = [...(spec as unknown as { cfg: number[] }).cfg];
  cfg[1] = 6;
  const picked = traceChannels({ ...spec, cfg, select } as ArchSpec);
  const before = full.layers.get('dense1.1.conv1')!.input;
  assert.deepEqual(picked.layers.get('dense1.1.conv1')!.input, [0, 2, 4, 6, 8, 10].map((i) => before[i]));
  assert.deepEqual(picked.layers.get('dense1.1.bn1')!.input, full.layers.get('dense1.1.bn1')!.input, 'BN before the selection stays full');
});

test('uniform: ⌊width·(1−ratio)⌋, at least 1, without weights; the plan agrees', () => {
  const uniform = getMethod('uniform');
  const spec = resolveArch('vgg_mini');
  assert.deepEqual((uniform.targetSpec!(spec, { ratio: 0.7 }) as unknown as { cfg: unknown[] }).cfg, [4, 'M', 9, 'M', 19, 'M']);
  assert.deepEqual((uniform.targetSpec!(spec, { ratio: 0.99 }) as unknown as { cfg: unknown[] }).cfg, [1, 'M', 1, 'M', 1, 'M']);
  const plan = uniform.plan(spec, randomWeights(spec, 1), { ratio: 0.7 }, Rng.fromSeed(1));
  assert.deepEqual(plan.pruned, uniform.targetSpec!(spec, { ratio: 0.7 }));
});

test('random: widths from a target, channels from the rng (same seed, same plan; other seed, other channels)', () => {
  const random = getMethod('random');
  const spec = resolveArch('resnet56');
  const weights = new Map<string, Float32Array>();
  const a = random.plan(spec, weights, { widthsFrom: { target: 'resnet56_a' } }, Rng.fromSeed(1, 'prune'));
  const b = random.plan(spec, weights, { widthsFrom: { target: 'resnet56_a' } }, Rng.fromSeed(1, 'prune'));
  const c = random.plan(spec, weights, { widthsFrom: { target: 'resnet56_a' } }, Rng.fromSeed(2, 'prune'));
  assert.deepEqual(a, b);
  assert.deepEqual(a.pruned, getMethod('l1_norm').targetSpec!(spec, { target: 'resnet56_a' }));
  assert.notDeepEqual(a.keep, c.keep);
});
