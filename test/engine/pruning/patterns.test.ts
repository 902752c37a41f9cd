// Width patterns and the guided method: a pattern read from plans gives back their widths on its own
// base, transfers by stage to another network, and scales by a multiplier.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../../../src-shared/errors.ts';
import { initParams } from '../../../src-main/engine/models/build.ts';
import { resolveArch, withData } from '../../../src-main/engine/models/register-all.ts';
import { getMethod } from '../../../src-main/engine/pruning/methods/register-all.ts';
import { patternOf, patternWidths, stagesOf } from '../../../src-main/engine/pruning/patterns.ts';
import { targetUnits } from '../../../src-main/engine/pruning/widths.ts';
import { Rng } from '../../../src-main/engine/random.ts';

function slimmingPlan(id: string, seed: number) {
  const spec = resolveArch(id);
  const w = initParams(spec, Rng.fromSeed(seed));
  for (const [n, v] of w) if (n.endsWith('.gamma')) { const r = Rng.fromSeed(seed, n); v.forEach((_, i) => (v[i] = r.uniform())); }
  return getMethod('network_slimming').plan(spec, w, { percent: 0.5 }, Rng.fromSeed(seed));
}
const widthsOf = (spec: Parameters<typeof targetUnits>[0]) => new Map(targetUnits(spec).map((u) => [u.layer, u.width]));

test("a one-seed pattern applied to its own base by layer reproduces the plan's widths exactly", () => {
  const plan = slimmingPlan('vgg16_slim', 1);
  const pattern = patternOf([plan], [1]);
  assert.deepEqual(pattern.source, { arch: 'vgg16_slim', method: 'network_slimming', seeds: [1] });
  const guided = getMethod('guided').targetSpec!(plan.base, { pattern });
  assert.deepEqual(widthsOf(guided), widthsOf(plan.pruned));
});

test('over seeds a layer keeps the mean fraction; a stage keeps its channel-weighted mean', () => {
  const plans = [slimmingPlan('vgg16_slim', 1), slimmingPlan('vgg16_slim', 2)];
  const pattern = patternOf(plans, [1, 2]);
  const base = widthsOf(plans[0]!.base);
  for (const [layer, width] of base) {
    const mean = plans.reduce((s, p) => s + widthsOf(p.pruned).get(layer)! / width, 0) / 2;
    assert.ok(Math.abs(pattern.layers![layer]! - mean) < 1e-12, layer);
  }
  const stages = stagesOf(plans[0]!.base);
  assert.deepEqual(stages.map((s) => s.resolution), [[32, 32], [16, 16], [8, 8], [4, 4], [2, 2]]);
  stages.forEach((s, i) => {
    const kept = s.units.reduce((sum, u) => sum + pattern.layers![u.layer]! * u.width, 0);
    const all = s.units.reduce((sum, u) => sum + u.width, 0);
    assert.ok(Math.abs(pattern.stages[i]!.fraction - kept / all) < 1e-12, `stage ${i}`);
  });
});

test('transferred: a VGG-16 / CIFAR-10 pattern onto VGG-19 / CIFAR-100 by stage, at a width multiplier', () => {
  const pattern = patternOf([slimmingPlan('vgg16_slim', 1)]);
  const vgg19 = withData(resolveArch('vgg19_slim'), [32, 32, 3], 100);
  const { widths, by } = patternWidths(vgg19, pattern, 0.5);
  assert.equal(by, 'stage', 'VGG-19 has layers the pattern does not name');
  stagesOf(vgg19).forEach((s, i) => {
    for (const u of s.units) assert.equal(widths.get(u.layer), Math.max(1, Math.round(u.width * pattern.stages[i]!.fraction * 0.5)), u.layer);
  });
  const spec = getMethod('guided').targetSpec!(vgg19, { pattern, multiplier: 0.5 });
  assert.equal(spec.classes, 100);
});

test('a pattern with fewer stages than the base maps each base stage to the same relative depth', () => {
  const base = resolveArch('vgg16'); // 5 stages
  const { widths } = patternWidths(base, { version: 1, stages: [{ fraction: 1 }, { fraction: 0.5 }] });
  const stages = stagesOf(base);
  stages.forEach((s, i) => {
    const f = i < 3 ? 1 : 0.5; // ⌊i·2/5⌋: stages 0–2 → 0, 3–4 → 1
    for (const u of s.units) assert.equal(widths.get(u.layer), Math.round(u.width * f), `${u.layer} in stage ${i}`);
  });
});

test('by layer on a base the pattern does not name, or from masks, is refused by name', () => {
  const pattern = patternOf([slimmingPlan('vgg16_slim', 1)]);
  assert.throws(() => patternWidths(resolveArch('vgg19_slim'), pattern, 1, 'layer'), (e: unknown) => e instanceof ValidationError && /field 'layers' has no fraction for 'features\.\d+'/.test(e.message));
  const spec = resolveArch('vgg_mini');
  const masks = getMethod('magnitude').plan(spec, initParams(spec, Rng.fromSeed(1)), { percent: 0.5 }, Rng.fromSeed(1));
  assert.throws(() => patternOf([masks]), /comes from structured plans/);
});
