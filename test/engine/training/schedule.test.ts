// The learning-rate schedule: RNP's step schedule (×0.1 at 50% and 75% of the epochs, the drop taking
// effect at the start of 0-based epoch floor(f·epochs)) and the constant schedule used for fine-tuning.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultTrainConfig, type TrainConfig } from '../../../src-shared/train-config.ts';
import { learningRate, milestoneEpochs } from '../../../src-main/engine/training/schedule.ts';

const config = (over: Partial<TrainConfig>): TrainConfig => ({ ...defaultTrainConfig, ...over });

/** lr rounded to 12 significant digits (0.1·0.1² is 0.0010000000000000002 in binary). */
const lrAt = (c: TrainConfig, epoch: number): number => Number(learningRate(c, epoch).toPrecision(12));

test('the default is the reference step schedule: lr 0.1, ×0.1 at 50% and 75%', () => {
  assert.equal(defaultTrainConfig.schedule, 'step');
  assert.equal(defaultTrainConfig.lr, 0.1);
  assert.equal(defaultTrainConfig.gamma, 0.1);
  assert.deepEqual(defaultTrainConfig.milestones, [0.5, 0.75]);
});

test('160 epochs: 0.1 for epochs 0..79, 0.01 for 80..119, 0.001 from 120', () => {
  const c = config({ epochs: 160 });
  assert.deepEqual(milestoneEpochs(c), [80, 120]);
  for (let e = 0; e < 160; e++) {
    const expected = e < 80 ? 0.1 : e < 120 ? 0.01 : 0.001;
    assert.equal(lrAt(c, e), expected, `epoch ${e}`);
  }
  // exact boundaries, unrounded
  assert.equal(learningRate(c, 79), 0.1);
  assert.ok(Math.abs(learningRate(c, 80) - 0.01) < 1e-15);
  assert.ok(Math.abs(learningRate(c, 119) - 0.01) < 1e-15);
  assert.ok(Math.abs(learningRate(c, 120) - 0.001) < 1e-15);
});

test('243 epochs: drops at floor(121.5) = 121 and floor(182.25) = 182', () => {
  const c = config({ epochs: 243 });
  assert.deepEqual(milestoneEpochs(c), [121, 182]);
  assert.deepEqual([120, 121, 181, 182, 242].map((e) => lrAt(c, e)), [0.1, 0.01, 0.01, 0.001, 0.001]);
});

test('other lr, gamma and milestones compose as lr · gamma^(milestones passed)', () => {
  const c = config({ epochs: 10, lr: 0.05, gamma: 0.5, milestones: [0.3, 0.6, 0.9] });
  assert.deepEqual(milestoneEpochs(c), [3, 6, 9]);
  assert.deepEqual(Array.from({ length: 10 }, (_, e) => lrAt(c, e)), [0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125, 0.00625]);
  assert.deepEqual([0, 5, 9].map((e) => lrAt(config({ epochs: 10, milestones: [] }), e)), [0.1, 0.1, 0.1]);
});

test('a milestone that would fall on epoch 0 is dropped: a 1-epoch run keeps its base lr', () => {
  const c = config({ epochs: 1 });
  assert.deepEqual(milestoneEpochs(c), []);
  assert.equal(learningRate(c, 0), 0.1);
  // 2 epochs: both milestones land on epoch 1
  const two = config({ epochs: 2 });
  assert.deepEqual(milestoneEpochs(two), [1, 1]);
  assert.deepEqual([0, 1].map((e) => lrAt(two, e)), [0.1, 0.001]);
});

test('constant schedule: lr throughout, milestones ignored', () => {
  const c = config({ epochs: 40, lr: 0.01, schedule: 'constant' });
  for (let e = 0; e < 40; e++) assert.equal(learningRate(c, e), 0.01, `epoch ${e}`);
  // the same config with the step schedule would drop
  assert.notEqual(learningRate({ ...c, schedule: 'step' }, 39), 0.01);
});
