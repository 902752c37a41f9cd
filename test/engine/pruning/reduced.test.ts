// reducedNetwork: the base narrowed uniformly (one ratio for every conv a uniform width applies to) to
// the parameter count of a pruned network — within 1% on the paper's CIFAR networks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../../../src-shared/errors.ts';
import { analyseCost } from '../../../src-main/engine/analysis/cost.ts';
import { initParams } from '../../../src-main/engine/models/build.ts';
import { resolveArch } from '../../../src-main/engine/models/register-all.ts';
import { getMethod } from '../../../src-main/engine/pruning/methods/register-all.ts';
import { reducedNetwork, reducibleUnits } from '../../../src-main/engine/pruning/reduced.ts';
import { candidatesOf, unitId } from '../../../src-main/engine/pruning/units.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { sumOnlyGraph } from './helpers.ts';

const params = (spec: Parameters<typeof analyseCost>[0]): number => analyseCost(spec).totals.params;

function slimmed(id: string, percent: number) {
  const spec = resolveArch(id);
  const w = initParams(spec, Rng.fromSeed(1));
  for (const [n, v] of w) if (n.endsWith('.gamma')) { const r = Rng.fromSeed(2, n); v.forEach((_, i) => (v[i] = r.uniform())); }
  return getMethod('network_slimming').plan(spec, w, { percent }, Rng.fromSeed(3)).pruned;
}

for (const [label, base, pruned] of [
  ['VGG-16 to VGG-16-A (L1)', resolveArch('vgg16'), getMethod('l1_norm').targetSpec!(resolveArch('vgg16'), { target: 'vgg16_a' })],
  ['ResNet-56 to ResNet-56-B (L1)', resolveArch('resnet56'), getMethod('l1_norm').targetSpec!(resolveArch('resnet56'), { target: 'resnet56_b' })],
  ['ResNet-110 to ResNet-110-A (L1)', resolveArch('resnet110'), getMethod('l1_norm').targetSpec!(resolveArch('resnet110'), { target: 'resnet110_a' })],
  ['VGG-19 to its 70% slimming', resolveArch('vgg19_slim'), slimmed('vgg19_slim', 0.7)],
  ['PreResNet-164 to its 40% slimming', resolveArch('preresnet164'), slimmed('preresnet164', 0.4)],
  ['DenseNet-40 to its 40% slimming', resolveArch('densenet40'), slimmed('densenet40', 0.4)],
  ['DenseNet-40 to its 60% slimming', resolveArch('densenet40'), slimmed('densenet40', 0.6)],
  ['WRN-40-2 to L1 at ratio 0.5', resolveArch('wrn40_2'), getMethod('l1_norm').targetSpec!(resolveArch('wrn40_2'), { ratio: 0.5 })],
  ['WRN-16-2 to its 30% slimming', resolveArch('wrn16_2'), slimmed('wrn16_2', 0.3)],
] as const) {
  test(`${label}: the uniformly narrowed base has the pruned network's parameters within 1%`, () => {
    const target = params(pruned);
    const reduced = reducedNetwork(base, target);
    assert.ok(Math.abs(reduced.params - target) / target <= 0.01, `${reduced.params} vs ${target} (ratio ${reduced.ratio})`);
    assert.equal(reduced.params, params(reduced.spec));
    assert.equal(reduced.spec.id, `${base.id}_reduced`);
    // Uniform to within a channel: every narrowed conv (or, in DenseNet, selection) keeps ⌊width·(1 − ratio)⌋ channels, or one more.
    const narrowed = new Map(reducibleUnits(reduced.spec).map((u) => [unitId(u), candidatesOf(u).length]));
    for (const u of reducibleUnits(base)) {
      const rule = Math.max(1, Math.floor(candidatesOf(u).length * (1 - reduced.ratio)));
      const got = narrowed.get(unitId(u));
      assert.ok(got === rule || got === rule + 1, `${unitId(u)}: ${got} vs ${rule}`);
    }
  });
}

test('a target at or above the base keeps the base; a spec with no uniform widths is refused', () => {
  const base = resolveArch('resnet20');
  assert.equal(reducedNetwork(base, params(base) + 10).params, params(base));
  const sumNet = resolveArch(sumOnlyGraph([8, 8, 3]));
  assert.throws(() => reducedNetwork(sumNet, 100), (e: unknown) => e instanceof ValidationError && /^regime 'reduced': this graph spec has no conv widths or channel selections to narrow uniformly$/.test(e.message));
});
