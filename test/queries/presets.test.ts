// Every shipped preset is a valid ExperimentSpec whose architecture, method and params fit together,
// and the paper's predefined targets produce the reference's pruned configurations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyseCost } from '../../src-main/engine/analysis/cost.ts';
import { resolveArch } from '../../src-main/engine/models/register-all.ts';
import { checkSupports, parseParams } from '../../src-main/engine/pruning/method.ts';
import { getMethod } from '../../src-main/engine/pruning/methods/register-all.ts';
import { gatedUnits } from '../../src-main/engine/pruning/fisher.ts';
import { scratchBEpochs } from '../../src-main/engine/pruning/budget.ts';
import { scaleConfig } from '../../src-main/jobs/experiment-prepare.ts';
import { loadPreset, presetIds } from '../../src-main/queries/presets.ts';
import { defaultTrainConfig } from '../../src-shared/train-config.ts';

test('the presets include quickstart and the paper\'s CIFAR experiments', () => {
  const ids = presetIds();
  for (const id of ['quickstart', 'l1-vgg16-a-cifar10', 'l1-resnet56-a-cifar10', 'l1-resnet56-b-cifar10', 'l1-resnet110-a-cifar10', 'l1-resnet110-b-cifar10',
    'slim-vgg19-70-cifar10', 'slim-vgg19-50-cifar100', 'slim-preresnet164-40-cifar10', 'slim-preresnet164-60-cifar10', 'slim-densenet40-40-cifar10',
    'slim-densenet40-60-cifar10', 'magnitude-vgg19-30-cifar10', 'magnitude-vgg19-95-cifar10', 'magnitude-densenet-bc100-30-cifar10', 'magnitude-densenet-bc100-95-cifar10', 'sfp-resnet56-70-cifar10', 'fisher-wrn40-2-cifar10',
    'lottery-vgg16-iterative-80-cifar10', 'lottery-vgg16-l1-a-cifar10', 'lottery-resnet56-l1-b-cifar10',
    'guided-vgg19-70-cifar10', 'transferred-vgg19-cifar10-to-cifar100']) {
    assert.ok(ids.includes(id), `missing preset ${id}`);
  }
});

for (const id of presetIds()) {
  test(`preset ${id}: valid spec, method fits the architecture`, () => {
    const spec = loadPreset(id);
    const arch = resolveArch(spec.arch);
    const method = getMethod(spec.method.id);
    checkSupports(method, arch);
    const params = parseParams(method, spec.method.params);
    if (spec.method.id === 'guided') {
      // Liu et al. §5: a design from an automatic method's per-stage widths, read from that preset's experiment when it starts; trained from scratch.
      const source = (params as { pattern: { fromPreset?: string } }).pattern.fromPreset!;
      assert.ok(presetIds().includes(source), `${id} reads its widths from preset ${source}`);
      assert.equal(loadPreset(source).arch, spec.arch, 'the same network the pattern was found on');
      assert.equal((params as { by?: string }).by, 'stage');
      assert.deepEqual(spec.regimes, ['scratch-e', 'scratch-b']);
      assert.deepEqual(spec.baseline, loadPreset(source).baseline, 'the source\'s schedule');
      const stages = [0.9, 0.6, 0.5, 0.4, 0.3].map((fraction) => ({ fraction }));
      analyseCost(method.targetSpec!(arch, { ...(params as object), pattern: { version: 1, stages } }));
      return;
    }
    if (method.targetSpec) analyseCost(method.targetSpec(arch, params));
    if (id.startsWith('lottery-')) {
      // Liu et al. §6: the winning ticket against random initialisation, iterative magnitude or one-shot L1, at lr 0.1 and 0.01 in one experiment.
      assert.deepEqual(spec.regimes, ['lottery', 'scratch-e']);
      assert.deepEqual(spec.learningRates, [0.1, 0.01]);
      if (spec.method.id === 'magnitude') assert.ok(method.roundParams && spec.pruningRounds > 1);
      else assert.deepEqual([spec.method.id, spec.pruningRounds], ['l1_norm', 1]);
      assert.deepEqual([spec.baseline.epochs, spec.baseline.weightDecay, spec.baseline.batchSize], [160, 1e-4, 64]);
      assert.deepEqual(spec.baseline.milestones!.map((f) => f * 160), [80, 120]);
      assert.equal(spec.seeds.length, 5);
      return;
    }
    // Crowley et al.'s own setting also trains the reduced network beside the pruned one.
    assert.deepEqual([...spec.regimes].sort(), spec.method.id === 'fisher' ? ['finetune', 'reduced', 'scratch-b', 'scratch-e'] : ['finetune', 'scratch-b', 'scratch-e']);
    if (spec.method.id === 'soft_filter') {
      // The SFP CIFAR schedule (anchors-mission §1.4): 200 epochs, ×0.2 at 60/120/160, wd 5e-4, batch 128, Nesterov.
      assert.deepEqual([spec.baseline.epochs, spec.baseline.lr, spec.baseline.gamma, spec.baseline.weightDecay, spec.baseline.batchSize, spec.baseline.nesterov], [200, 0.1, 0.2, 5e-4, 128, true]);
      assert.deepEqual(spec.baseline.milestones!.map((f) => f * spec.baseline.epochs!), [60, 120, 160]);
      assert.equal(spec.seeds.length, 5);
    } else if (spec.method.id === 'fisher') {
      // pytorch-prunes' WRN schedule (anchors-mission §2.1): 200 epochs, ×0.2 at 60/120/160, wd 5e-4, batch 128; the
      // loop at lr 8e-4, one channel every 100 batches, 1300 of the 1344 inner channels.
      assert.deepEqual([spec.baseline.epochs, spec.baseline.lr, spec.baseline.gamma, spec.baseline.weightDecay, spec.baseline.batchSize, spec.baseline.momentum], [200, 0.1, 0.2, 5e-4, 128, 0.9]);
      assert.deepEqual(spec.baseline.milestones!.map((f) => f * spec.baseline.epochs!), [60, 120, 160]);
      assert.deepEqual(params, { channels: 1300, pruneEvery: 100, lr: 8e-4, momentum: 0.9, weightDecay: 5e-4, batchSize: 128, flopsWeight: 0 });
      assert.equal(gatedUnits(arch).reduce((s, g) => s + g.candidates.length, 0), 1344);
      assert.deepEqual(method.scaleParams!(params as Record<string, unknown>, 0.01), { ...(params as object), pruneEvery: 1 });
      assert.deepEqual(method.scaleParams!(params as Record<string, unknown>, 0.25), { ...(params as object), pruneEvery: 25 });
    } else if (spec.method.id === 'block_target') {
      // SSS's networks as RNP trains them (anchors-mission §1.5): 100 epochs, ×0.1 at 30/60/90, batch 256, wd 1e-4; Scratch-B uncapped.
      assert.deepEqual([spec.dataset, spec.arch, spec.baseline.epochs, spec.baseline.batchSize, spec.baseline.weightDecay, spec.baseline.lr], ['imagenet', 'resnet50_imagenet', 100, 256, 1e-4, 0.1]);
      assert.deepEqual(spec.baseline.milestones!.map((f) => Math.round(f * 100)), [30, 60, 90]);
      assert.equal(spec.scratchB.capMultiple, null);
      assert.deepEqual(spec.seeds, [1]);
    } else if (spec.dataset === 'imagenet') {
      // The reference ImageNet schedule (anchors-mission §1.4): 90 epochs, ×0.1 every 30, batch 256, wd 1e-4; VGG-16 without BN at lr 0.01.
      assert.deepEqual([spec.baseline.epochs, spec.baseline.batchSize, spec.baseline.weightDecay, spec.baseline.gamma], [90, 256, 1e-4, 0.1]);
      assert.deepEqual(spec.baseline.milestones!.map((f) => Math.round(f * 90)), [30, 60]);
      assert.equal(spec.baseline.lr, spec.arch === 'vgg16_imagenet' ? 0.01 : 0.1);
      assert.equal(spec.finetune.lr, 0.001);
      assert.equal(spec.scratchB.capMultiple, spec.method.id === 'network_slimming' ? null : 2);
      assert.deepEqual(spec.seeds, [1]);
    } else if (id !== 'quickstart') {
      // The reference CIFAR schedule (anchors-mission §1.4).
      assert.equal(spec.baseline.epochs, 160);
      assert.equal(spec.baseline.lr, 0.1);
      assert.deepEqual(spec.baseline.milestones, [0.5, 0.75]);
      assert.equal(spec.finetune.epochs, 40);
      assert.equal(spec.finetune.lr, 0.001);
      assert.equal(spec.finetune.schedule, 'constant');
      assert.equal(spec.seeds.length, 5);
    }
  });
}

test('full-scale VGG-16-A: Scratch-B gets 243 epochs; at --scale 0.01 the epochs and data shrink', () => {
  const spec = loadPreset('l1-vgg16-a-cifar10');
  const base = resolveArch(spec.arch);
  const method = getMethod(spec.method.id);
  const pruned = method.targetSpec!(base, parseParams(method, spec.method.params));
  assert.deepEqual(pruned.cfg, [32, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 256, 256, 256, 'M', 256, 256, 256]);
  assert.equal(scratchBEpochs(160, analyseCost(base).totals.flops, analyseCost(pruned).totals.flops), 243);
  const scaled = scaleConfig({ ...defaultTrainConfig, ...spec.baseline }, 0.01, 50000);
  assert.equal(scaled.epochs, 2);
  assert.equal(scaled.trainLimit, 500);
});

test('ImageNet presets: Scratch-B epochs as the READMEs (ResNet-34-A/B 106/118, ThiNet 180 except ThiNet-70 141, VGG-5x 180, ResNet-50-2x 134, SSS 117/145/179)', () => {
  const expected: Record<string, number> = {
    'l1-resnet34-a-imagenet': 106, 'l1-resnet34-b-imagenet': 118, 'thinet-vgg-conv-imagenet': 180, 'thinet30-resnet50-imagenet': 180,
    'thinet50-resnet50-imagenet': 180, 'thinet70-resnet50-imagenet': 141, 'regression-vgg16-5x-imagenet': 180,
    // ResNet-50-2x: 134 by the reference's compute_flops.py rules (its README says 132; test/engine/pruning/targets.test.ts).
    'regression-resnet50-2x-imagenet': 134,
    // SSS: each of the 100 epochs' stages stretched by the FLOP ratio, ResNet-41/32/26 117/145/179 (imagenet/sparse-structure-selection).
    'sss-resnet41-imagenet': 117, 'sss-resnet32-imagenet': 145, 'sss-resnet26-imagenet': 179,
  };
  for (const [id, epochs] of Object.entries(expected)) {
    const spec = loadPreset(id);
    const base = resolveArch(spec.arch);
    const method = getMethod(spec.method.id);
    const pruned = method.targetSpec!(base, parseParams(method, spec.method.params));
    const got = scratchBEpochs(spec.baseline.epochs!, analyseCost(base).totals.flops, analyseCost(pruned).totals.flops, { capMultiple: spec.scratchB.capMultiple ?? undefined });
    assert.equal(got, epochs, id);
  }
});
