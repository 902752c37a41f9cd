// Sparse Structure Selection: the APG step against a hand computation, the step inside SGD (no weight
// decay on λ, a buffer checkpointed like momentum), a block whose branch gives no gradient driven to
// exactly 0 by training and then removed, the fold of the kept scales, and the refusals.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { analyseCost } from '../../../src-main/engine/analysis/cost.ts';
import { initParams } from '../../../src-main/engine/models/build.ts';
import { Model } from '../../../src-main/engine/models/model.ts';
import { resolveArch, validateSpec } from '../../../src-main/engine/models/register-all.ts';
import { apgStep } from '../../../src-main/engine/pruning/apg.ts';
import { applyPlan } from '../../../src-main/engine/pruning/apply-plan.ts';
import { getMethod } from '../../../src-main/engine/pruning/methods/register-all.ts';
import { Sgd } from '../../../src-main/engine/training/sgd.ts';
import { trainStep } from '../../../src-main/engine/training/step.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { evalLogits, randomInput, relativeError } from './helpers.ts';

const sss = getMethod('sparse_structure_selection');
const scaled = (spec: ArchSpec): ArchSpec => sss.training!.trainingSpec!(spec, {});

before(async () => {
  await selectBackend('cpu');
});

test('one APG step by hand: soft threshold, momentum, clipped at 0', () => {
  // x = 1 − 0.1·0.5 = 0.95; z = 0.95 − 0.1·1 = 0.85; v = 0.85 − 1 + 0.9·0 = −0.15; λ = 0.85 + 0.9·(−0.15) = 0.715.
  const a = apgStep(1, 0.5, 0, { lr: 0.1, momentum: 0.9, gamma: 1 });
  assert.ok(Math.abs(a.w - 0.715) < 1e-12 && Math.abs(a.v + 0.15) < 1e-12, JSON.stringify(a));
  // Below the threshold: z = 0, and the momentum that would carry λ negative is clipped to exactly 0.
  const b = apgStep(0.05, 0, 0, { lr: 0.1, momentum: 0.9, gamma: 1 });
  assert.equal(b.w, 0);
  assert.ok(Math.abs(b.v + 0.05) < 1e-12);
});

test('inside SGD: λ follows APG exactly (no weight decay), every other parameter plain SGD', () => {
  const spec = scaled({ ...resolveArch('resnet_mini'), input: [8, 8, 1] } as ArchSpec);
  const model = Model.create(spec, Rng.fromSeed(2));
  const rule = sss.training!.proximal!({ gamma: 0.5 })!;
  const sgd = new Sgd({ momentum: 0.9, nesterov: false, weightDecay: 1e-2, proximal: rule });
  try {
    const params = model.trainable();
    const lambda = params.find(([n]) => n === 'layer2.1.lambda.scale')!;
    const conv = params.find(([n]) => n === 'layer2.1.conv1.weight')!;
    let w = 1;
    let v = 0;
    const conv0 = conv[1].dataSync()[0]!;
    for (let step = 0; step < 6; step++) {
      const g = [0.3, -0.2, 0.1, 0.05, 0.4, -0.6][step]!;
      const grads: tf.NamedTensorMap = { [lambda[1].name]: tf.tensor1d([g]), [conv[1].name]: tf.onesLike(conv[1]) };
      sgd.step([lambda, conv], grads, 0.1);
      tf.dispose(Object.values(grads));
      ({ w, v } = apgStep(w, g, v, { lr: 0.1, momentum: 0.9, gamma: 0.5 }));
      assert.ok(Math.abs(lambda[1].dataSync()[0]! - w) < 1e-6, `step ${step}: λ ${lambda[1].dataSync()[0]} vs ${w}`);
    }
    assert.ok(w >= 0);
    // The conv weight took plain SGD steps (its gradient of ones moved it).
    assert.notEqual(conv[1].dataSync()[0], conv0);
    return sgd.exportState().then((state) => {
      assert.ok(Math.abs(state.get('layer2.1.lambda.scale')![0]! - v) < 1e-6, 'the APG buffer is saved with the momentum');
    });
  } finally {
    model.dispose();
  }
});

test('training drives the scale of a block whose branch gives nothing to exactly 0; the plan removes that block', async () => {
  const spec = scaled({ ...resolveArch('resnet_mini'), input: [8, 8, 1], classes: 3 } as ArchSpec);
  const weights = initParams(spec, Rng.fromSeed(4, 'init'));
  // layer2.1's branch outputs 0 whatever its input (its last BN's γ and β are 0): its λ gets no gradient.
  weights.get('layer2.1.bn2.gamma')!.fill(0);
  weights.get('layer2.1.bn2.beta')!.fill(0);
  const model = Model.fromWeights(spec, weights);
  const sgd = new Sgd({ momentum: 0.9, nesterov: false, weightDecay: 1e-4, proximal: sss.training!.proximal!({ gamma: 0.5 })! });
  const rng = Rng.fromSeed(5, 'data');
  const n = 16;
  const x = Float32Array.from({ length: n * 64 }, () => rng.normal());
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  try {
    const params = model.trainable();
    const lambdaAt = (name: string): number => params.find(([p]) => p === name)![1].dataSync()[0]!;
    let steps = 0;
    while (lambdaAt('layer2.1.lambda.scale') > 0 && steps < 60) {
      await trainStep(model, sgd, params, x, y, n, 0.1);
      steps++;
      for (const [name, v] of params) if (name.endsWith('.lambda.scale')) assert.ok(v.dataSync()[0]! >= 0, `${name} stays ≥ 0`);
    }
    // With no gradient, λ shrinks by lr·γ = 0.05 a step, faster with momentum: 1 → 0 in well under 20 steps.
    assert.equal(lambdaAt('layer2.1.lambda.scale'), 0, `after ${steps} steps`);
    assert.ok(steps < 20, `${steps} steps`);
    const trained = await model.exportWeights();
    const plan = sss.plan(spec, trained, {}, Rng.fromSeed(1));
    const pruned = plan.pruned as unknown as { residual: boolean[]; depth: number; blockScales?: boolean };
    assert.equal(pruned.residual[3], false, 'layer2.1 is the 4th block (two per stage)');
    assert.equal(pruned.blockScales, undefined);
    assert.equal(pruned.depth, 2 * pruned.residual.filter(Boolean).length + 2);
    assert.equal(plan.notes, undefined, 'blocks were removed as asked: nothing to note');
    assert.deepEqual(sss.plan(spec, initParams(spec, Rng.fromSeed(1)), {}, Rng.fromSeed(1)).notes,
      ["no block scale λ reached 0 or below: no block was removed (the scales are folded in); train the large model longer or raise 'gamma'"]);
    // The pruned network computes what the trained one does (λ = 0 there: the branch adds nothing).
    const input = randomInput(spec, 2, 7);
    try {
      const err = relativeError(await evalLogits(plan.pruned, applyPlan(plan, trained), input), await evalLogits(spec, trained, input));
      assert.ok(err < 1e-5, `relative error ${err}`);
    } finally {
      input.dispose();
    }
  } finally {
    model.dispose();
    sgd.dispose();
  }
});

test('a stage may keep none of its branches; its first block is then its shortcut alone', () => {
  const spec = scaled(resolveArch('resnet50_imagenet'));
  const r41 = resolveArch('resnet41_sss') as unknown as { residual: boolean[]; depth: number; blocks: number[] };
  assert.deepEqual(r41.residual.slice(0, 3), [false, false, false]);
  const cost = analyseCost(resolveArch('resnet41_sss'));
  const layers = cost.layers.map((l) => l.name);
  assert.ok(layers.includes('layer1.0.downsample.0') && !layers.some((l) => l.startsWith('layer1.0.conv')), 'stage 1: the projection only');
  assert.ok(analyseCost(spec).totals.params > cost.totals.params);
});

test('refusals: a spec without block scales, residual flags of the wrong length, a depth that does not match', () => {
  const plain = resolveArch('resnet_mini');
  assert.throws(() => sss.plan(plain, initParams(plain, Rng.fromSeed(1)), {}, Rng.fromSeed(1)), (e: unknown) =>
    e instanceof ValidationError && e.message.includes("field 'blockScales'") && !e.message.includes('\n'));
  assert.throws(() => validateSpec({ ...plain, residual: [true, false] }), (e: unknown) =>
    e instanceof ValidationError && e.message === "resnet spec: field 'residual' must have one flag per block (6), got 2");
  assert.throws(() => validateSpec({ ...plain, residual: [true, false, true, true, true, true] }), (e: unknown) =>
    e instanceof ValidationError && e.message === "resnet spec: field 'depth' is 14 but the 5 residual branches 'residual' keeps make 12");
  assert.throws(() => validateSpec({ ...resolveArch('resnet50_imagenet'), depth: 41, residual: Array(16).fill(true) }), (e: unknown) =>
    e instanceof ValidationError && e.message.includes("field 'depth' is 41") && e.message.includes('keeping 16 residual branches make 50'));
  // VGG has no residual blocks: one line naming what the method needs.
  assert.throws(() => sss.training!.trainingSpec!(resolveArch('vgg_mini'), {}), (e: unknown) =>
    e instanceof ValidationError && e.message.startsWith("pruning method 'sparse_structure_selection' needs residual blocks"));
});
