// Bad input fails with a named error that says which field: method params, plans, unknown ids.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotFoundError, ValidationError } from '../../../src-shared/errors.ts';
import { resolveArch } from '../../../src-main/engine/models/register-all.ts';
import { applyPlan, parsePlan } from '../../../src-main/engine/pruning/apply-plan.ts';
import { getMethod, methodIds, methods } from '../../../src-main/engine/pruning/methods/register-all.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { randomWeights } from './helpers.ts';

const validation = (pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ValidationError, `expected ValidationError, got ${String(e)}`);
  assert.match(e.message, pattern);
  return true;
};

test('registry: snake_case ids, unique, each a paper, a strict schema and example params that parse', () => {
  assert.deepEqual(methodIds(), ['l1_norm', 'network_slimming', 'magnitude', 'uniform', 'random', 'guided', 'soft_filter', 'by_importance', 'thinet', 'channel_regression', 'sparse_structure_selection', 'block_target', 'fisher']);
  for (const m of methods) {
    assert.match(m.id, /^[a-z0-9_]+$/);
    assert.ok(m.paper.length > 10);
    assert.ok(m.paramsSchema.safeParse(m.exampleParams).success, m.id);
    assert.equal(m.paramsSchema.safeParse({ ...m.exampleParams, nonsense: 1 }).success, false, `${m.id} rejects unknown keys`);
    assert.equal(m.kind === 'predefined', typeof m.targetSpec === 'function', `${m.id}: predefined ⇔ targetSpec`);
  }
});

test('unknown method id → NotFoundError listing the valid ids', () => {
  assert.throws(() => getMethod('optimal_brain_damage'), (e: unknown) => e instanceof NotFoundError && /'optimal_brain_damage'/.test(e.message) && /l1_norm, network_slimming/.test(e.message));
});

test('ratios outside [0, 1) are rejected, naming the field', () => {
  const spec = resolveArch('resnet20');
  assert.throws(() => getMethod('uniform').targetSpec!(spec, { ratio: 1 }), validation(/uniform params: field 'ratio'/));
  assert.throws(() => getMethod('uniform').targetSpec!(spec, { ratio: -0.1 }), validation(/field 'ratio'/));
  assert.throws(() => getMethod('l1_norm').targetSpec!(spec, { stageRatios: [0.1, 1.2, 0] }), validation(/field 'stageRatios\.1'/));
  assert.throws(() => getMethod('network_slimming').plan(spec, new Map(), { percent: 1 }, Rng.fromSeed(1)), validation(/field 'percent'/));
  assert.throws(() => getMethod('magnitude').plan(spec, new Map(), { percent: 1.5 }, Rng.fromSeed(1)), validation(/field 'percent'/));
});

test('target cfg of the wrong length, or wider than the base, names the field', () => {
  const l1 = getMethod('l1_norm');
  assert.throws(() => l1.targetSpec!(resolveArch('resnet20'), { cfg: [8, 8, 8] }), validation(/field 'cfg' must have 9 entries .*got 3/));
  assert.throws(() => l1.targetSpec!(resolveArch('vgg16'), { cfg: [32, 64, 'M', 128] }), validation(/field 'cfg' must have 17/));
  const cfg = [...(resolveArch('vgg_mini') as unknown as { cfg: Array<number | 'M'> }).cfg];
  cfg[2] = 99;
  assert.throws(() => l1.targetSpec!(resolveArch('vgg_mini'), { cfg }), validation(/field 'cfg\.2' must be a width from 1 to 32/));
  cfg[2] = 'M';
  assert.throws(() => l1.targetSpec!(resolveArch('vgg_mini'), { cfg }), validation(/field 'cfg\.2'/));
  assert.throws(() => l1.targetSpec!(resolveArch('resnet20'), { ratios: [0.5] }), validation(/field 'ratios' must have one ratio per prunable conv: 9/));
});

test('targets: exactly one choice, skip only with stageRatios and valid ids, named targets on their base only', () => {
  const l1 = getMethod('l1_norm');
  const r56 = resolveArch('resnet56');
  assert.throws(() => l1.targetSpec!(r56, {}), validation(/give exactly one of/));
  assert.throws(() => l1.targetSpec!(r56, { ratio: 0.1, stageRatios: [0.1, 0.1, 0.1] }), validation(/field 'stageRatios'.*exactly one/));
  assert.throws(() => l1.targetSpec!(r56, { ratio: 0.1, skip: [16] }), validation(/field 'skip'/));
  assert.throws(() => l1.targetSpec!(r56, { stageRatios: [0.1, 0.1, 0.1], skip: [17] }), validation(/field 'skip' id 17 is not a prunable layer/));
  assert.throws(() => l1.targetSpec!(resolveArch('resnet110'), { target: 'resnet56_a' }), validation(/field 'target' 'resnet56_a' applies to resnet of depth 56/));
  assert.throws(() => l1.targetSpec!(r56, { target: 'resnet57_z' }), validation(/field 'target'/));
  assert.throws(() => l1.targetSpec!(resolveArch('preresnet164'), { stageRatios: [0.1, 0.1, 0.1], skip: [2] }), validation(/RNP layer ids/));
});

test('a family the method does not support is a ValidationError naming both', () => {
  const spec = { family: 'densenet', input: [16, 16, 3], classes: 10, depth: 10, growth: 4, cfg: [8, 12, 16, 16, 20, 24, 24, 28, 32] } as const;
  assert.throws(() => getMethod('l1_norm').plan(structuredClone(spec) as never, new Map(), { ratio: 0.5 }, Rng.fromSeed(1)), validation(/^pruning method 'l1_norm' needs conv layers whose output channels can be pruned on their own: this densenet spec prunes only at its channel selections$/));
});

test('missing weights name the parameter', () => {
  assert.throws(() => getMethod('l1_norm').plan(resolveArch('vgg_mini'), new Map(), { ratio: 0.5 }, Rng.fromSeed(1)), validation(/'features\.0\.weight'/));
});

test('plans: schema errors name the field; surgery rejects keep lists that do not fit', () => {
  const spec = resolveArch('vgg_mini');
  const weights = randomWeights(spec, 1);
  const plan = getMethod('l1_norm').plan(spec, weights, { ratio: 0.5 }, Rng.fromSeed(1));
  assert.throws(() => parsePlan({ ...plan, version: 2 }), validation(/field 'version'/));
  assert.throws(() => parsePlan({ ...plan, keep: { 'features.0': [3, 1] } }), validation(/field 'keep\.features\.0'.*ascending/));
  assert.throws(() => parsePlan({ ...plan, kind: 'unstructured' }), validation(/field 'masks'/));
  assert.throws(() => applyPlan({ ...plan, keep: { ...plan.keep, 'features.0': [0, 1, 2] } }, weights), validation(/keeps 3 channels of 'features\.0' but the pruned spec gives it 8/));
  assert.throws(() => applyPlan({ ...plan, keep: { ...plan.keep, 'features.99': [0] } }, weights), validation(/keep\.features\.99/));
  const badIndex = { ...plan, keep: { ...plan.keep, 'features.0': [...plan.keep['features.0']!.slice(0, -1), 16] } };
  assert.throws(() => applyPlan(badIndex, weights), validation(/features\.0': pruned output channel 7 \(features\.0:16\) is not a channel of the base layer/));
  const short = new Map(weights);
  short.delete('features.5.gamma');
  assert.throws(() => applyPlan(plan, short), validation(/base weights lack parameter 'features\.5\.gamma'/));
});

test('surgery refuses to prune one side of a residual sum', () => {
  const spec = resolveArch('resnet20');
  const weights = randomWeights(spec, 1);
  const plan = getMethod('l1_norm').plan(spec, weights, { ratio: 0.5 }, Rng.fromSeed(1));
  const bad = structuredClone(plan);
  (bad.pruned as unknown as { widths: number[] }).widths = [8, 32, 64];
  bad.keep['conv1'] = [0, 1, 2, 3, 4, 5, 6, 7];
  assert.throws(() => applyPlan(bad, weights), validation(/layer 'layer1\.0\.conv2' has 8 outputs .* 16 in the base, but plan field 'keep' does not list/));
  // Listing the residual convs too still fails where the option-A shortcut's zero channels meet real ones.
  for (const l of ['layer1.0.conv2', 'layer1.1.conv2', 'layer1.2.conv2']) bad.keep[l] = [0, 1, 2, 3, 4, 5, 6, 7];
  assert.throws(() => applyPlan(bad, weights), validation(/layer2\.0\.conv2|layer2\.1\.conv1|not a channel of the base/));
});
