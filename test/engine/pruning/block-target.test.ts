// block_target: residual branches removed to a fixed target — SSS's ImageNet ResNet-26/32/41 from ResNet-50
// (RNP imagenet/sparse-structure-selection) — or by position; the rest of the network and its weights are the
// base's. The general oracle (conformance.test.ts) checks the pruned network computes the base's with those
// branches zeroed; here, the targets' depths and sizes and the refusals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../../../src-shared/errors.ts';
import { analyseCost } from '../../../src-main/engine/analysis/cost.ts';
import { resolveArch, withData } from '../../../src-main/engine/models/register-all.ts';
import { applyPlan } from '../../../src-main/engine/pruning/apply-plan.ts';
import { blockTarget } from '../../../src-main/engine/pruning/methods/block-target.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { randomWeights } from './helpers.ts';

test("SSS's ResNet-41/32/26: ResNet-50 with the README's blocks removed, named after the target, on the base's data shape", () => {
  const base = resolveArch('resnet50_imagenet');
  for (const [id, depth, kept] of [['resnet41_sss', 41, [0, 4, 6, 3]], ['resnet32_sss', 32, [1, 4, 4, 1]], ['resnet26_sss', 26, [0, 2, 5, 1]]] as const) {
    const pruned = blockTarget.targetSpec!(base, { target: id }) as ReturnType<typeof resolveArch> & { depth: number; residual: boolean[] };
    assert.equal(pruned.id, id);
    assert.equal(pruned.depth, depth);
    const perStage = [3, 4, 6, 3].map((n, s) => pruned.residual.slice([0, 3, 7, 13][s], [0, 3, 7, 13][s]! + n).filter(Boolean).length);
    assert.deepEqual(perStage, kept, `${id}: branches kept per stage`);
    assert.deepEqual(analyseCost(pruned).totals, analyseCost(resolveArch(id)).totals, `${id}: the registered network`);
  }
  const small = withData(base, [64, 64, 3], 10);
  const pruned = blockTarget.targetSpec!(small, { target: 'resnet26_sss' });
  assert.deepEqual([pruned.input, pruned.classes], [[64, 64, 3], 10], 'the dataset\'s shape, the target\'s branches');
});

test('the plan keeps every weight of the kept layers as it was', () => {
  const base = withData(resolveArch('resnet50_imagenet'), [32, 32, 3], 10);
  const weights = randomWeights(base, 2);
  const plan = blockTarget.plan(base, weights, { remove: [1, 2] }, Rng.fromSeed(1));
  assert.equal((plan.pruned as unknown as { depth: number }).depth, 44);
  const after = applyPlan(plan, weights);
  assert.ok(after.size < weights.size);
  for (const [name, v] of after) assert.deepEqual(v, weights.get(name), name);
});

test('a target of another family, other widths, or a block that does not exist: one line naming the field', () => {
  const base = resolveArch('resnet50_imagenet');
  const refuse = (params: unknown, message: RegExp) =>
    assert.throws(() => blockTarget.targetSpec!(base, params), (e: unknown) => e instanceof ValidationError && message.test(e.message) && !e.message.includes('\n'));
  refuse({ target: 'resnet56' }, /field 'target': 'resnet56' is not resnet50_imagenet with residual branches removed/);
  refuse({ target: 'resnet50_2x' }, /field 'target': 'resnet50_2x' is not/);
  refuse({ target: 'nothing_here' }, /field 'target': no architecture 'nothing_here'/);
  refuse({ remove: [16] }, /field 'remove': block 16 does not exist; this spec has 16 \(0–15\)/);
  refuse({ target: 'resnet41_sss', remove: [1] }, /block_target params/);
});
