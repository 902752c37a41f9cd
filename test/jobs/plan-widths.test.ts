// The width chart's data from every seed's plan: each seed and their mean, and DenseNet's input
// selections (what slimming prunes there) rather than its unchanged conv outputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planWidths } from '../../src-main/queries/experiment-options.ts';
import { resolveArch } from '../../src-main/engine/models/register-all.ts';
import { networkSlimming } from '../../src-main/engine/pruning/methods/network-slimming.ts';
import { Rng } from '../../src-main/engine/random.ts';
import { createExperiment } from '../../src-main/store/experiments.ts';
import { putPlan } from '../../src-main/store/plans.ts';
import { randomWeights } from '../engine/pruning/helpers.ts';
import { memoryDb } from '../store/helpers.ts';

test('each seed its own widths, and their mean; null before any plan', (t) => {
  const db = memoryDb(t);
  const e = createExperiment(db, { name: 'e', spec: {} });
  assert.equal(planWidths(db, e.id), null);
  const spec = resolveArch('vgg_mini');
  for (const seed of [1, 2]) putPlan(db, e.id, seed, JSON.stringify(networkSlimming.plan(spec, randomWeights(spec, seed), { percent: 0.4 }, Rng.fromSeed(seed))));
  const w = planWidths(db, e.id)!;
  assert.equal(w.quantity, 'output channels');
  assert.deepEqual(w.seeds.map((s) => s.seed), [1, 2]);
  assert.notDeepEqual(w.seeds[0]!.pruned, w.seeds[1]!.pruned, 'slimming prunes each seed differently');
  w.pruned.forEach((m, i) => assert.equal(m, (w.seeds[0]!.pruned[i]! + w.seeds[1]!.pruned[i]!) / 2));
  assert.deepEqual(w.base.slice(0, 3), [16, 32, 64]);
});

test('DenseNet: the chart shows the input channels each layer selects, so slimming changes layers', (t) => {
  const db = memoryDb(t);
  const e = createExperiment(db, { name: 'e', spec: {} });
  const spec = resolveArch('densenet40');
  putPlan(db, e.id, 1, JSON.stringify(networkSlimming.plan(spec, randomWeights(spec, 3), { percent: 0.4 }, Rng.fromSeed(1))));
  const w = planWidths(db, e.id)!;
  assert.equal(w.quantity, 'input channels');
  assert.equal(w.layers.length, 3 * 12 + 3);
  assert.deepEqual([w.layers[0], w.layers[11], w.layers[12], w.layers[13], w.layers.at(-1)], ['dense1.0', 'dense1.11', 'trans1', 'dense2.0', 'bn']);
  const changed = w.layers.filter((_, i) => w.pruned[i]! < w.base[i]!).length;
  assert.ok(changed > 10, `${changed} layers select fewer inputs`);
});
