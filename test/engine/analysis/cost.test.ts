// Params and FLOPs against the reference numbers of anchors-mission §1.8 (RNP compute_flops.py rules),
// for the registered baselines and for the paper's pruned configurations built as specs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { analyseCost } from '../../../src-main/engine/analysis/cost.ts';
import { resolveArch, withData } from '../../../src-main/engine/models/register-all.ts';

const rep = (n: number, v: number): number[] => Array<number>(n).fill(v);
const M = 'M' as const;
const pruned = (id: string, cfg: ArchSpec['cfg']): ArchSpec => resolveArch({ ...resolveArch(id), id: undefined, cfg });

const near = (got: number, want: number, rel: number, what: string): void => {
  assert.ok(Math.abs(got / want - 1) <= rel, `${what}: got ${got}, want ${want} ±${rel * 100}%`);
};

const VGG16_A = pruned('vgg16', [32, 64, M, 128, 128, M, 256, 256, 256, M, 256, 256, 256, M, 256, 256, 256]);
const RESNET56_A = pruned('resnet56', [...rep(7, 14), 16, 14, 32, ...rep(8, 28), 64, ...rep(7, 57), 64]);
const RESNET56_B = pruned('resnet56', [...rep(7, 6), 16, 16, 32, ...rep(6, 22), 32, 22, 64, ...rep(7, 57), 64]);
const RESNET110_A = pruned('resnet110', [...rep(17, 8), 16, ...rep(18, 32), ...rep(18, 64)]);
const RESNET110_B = pruned('resnet110', [...rep(17, 8), 16, 32, ...rep(17, 19), 64, ...rep(17, 44)]);

// [spec, params (M), FLOPs (M)] from §1.8
const ANCHORS: Array<[string, ArchSpec, number, number]> = [
  ['VGG-16 (L1 head)', resolveArch('vgg16'), 14.99, 627.9],
  ['VGG-16-A', VGG16_A, 5.40, 413.4],
  ['ResNet-56', resolveArch('resnet56'), 0.853, 252.6],
  ['ResNet-56-A', RESNET56_A, 0.773, 226.4],
  ['ResNet-56-B', RESNET56_B, 0.736, 183.1],
  ['ResNet-110', resolveArch('resnet110'), 1.728, 508.9],
  ['ResNet-110-A', RESNET110_A, 1.689, 428.3],
  ['ResNet-110-B', RESNET110_B, 1.168, 312.8],
  ['VGG-19 slimming, CIFAR-10', resolveArch('vgg19_slim'), 20.04, 797.3],
  ['VGG-19 slimming, CIFAR-100', withData(resolveArch('vgg19_slim'), [32, 32, 3], 100), 20.08, 797.4],
  ['ImageNet ResNet-34', resolveArch('resnet34_imagenet'), 21.80, 7340],
];

for (const [name, spec, params, flops] of ANCHORS) {
  test(`${name}: ${params} M params (±0.1%), ${flops} M FLOPs (±0.5%)`, () => {
    const { totals } = analyseCost(spec);
    near(totals.params / 1e6, params, 0.001, 'params');
    near(totals.flops / 1e6, flops, 0.005, 'FLOPs');
  });
}

test('Scratch-B epochs from the FLOP ratio match §1.8 (floor(160 × F_base / F_pruned))', () => {
  const epochs = (base: string, p: ArchSpec): number =>
    Math.floor((160 * analyseCost(resolveArch(base)).totals.flops) / analyseCost(p).totals.flops);
  assert.deepEqual(
    [epochs('vgg16', VGG16_A), epochs('resnet56', RESNET56_A), epochs('resnet56', RESNET56_B),
     epochs('resnet110', RESNET110_A), epochs('resnet110', RESNET110_B)],
    [243, 178, 220, 190, 260],
  );
});

test('ImageNet ResNet-34-A/B: −15.4% / −24.0% FLOPs, −7.6% / −10.7% params', () => {
  const base = analyseCost(resolveArch('resnet34_imagenet')).totals;
  const a = analyseCost(pruned('resnet34_imagenet', [64, 44, 44, 128, 89, 89, 128, 256, ...rep(4, 179), 256, 512, 512, 512])).totals;
  const b = analyseCost(pruned('resnet34_imagenet', [64, 32, 32, 128, 51, 51, 128, 256, ...rep(4, 153), 256, 512, 512, 512])).totals;
  const cut = (x: number, y: number): number => Math.round(1000 * (1 - x / y)) / 10;
  assert.deepEqual([cut(a.flops, base.flops), cut(a.params, base.params)], [15.4, 7.6]);
  assert.deepEqual([cut(b.flops, base.flops), cut(b.params, base.params)], [24.0, 10.7]);
});

test("torchvision's parameter counts: ResNet-18 11.69 M, ResNet-50 25.56 M; VGG-11-BN 132.87 M + BN1d", () => {
  near(analyseCost(resolveArch('resnet18_imagenet')).totals.params, 11_689_512, 1e-9, 'ResNet-18');
  near(analyseCost(resolveArch('resnet50_imagenet')).totals.params, 25_557_032, 1e-9, 'ResNet-50');
  // torchvision vgg11_bn has 132,868,840; the slimming head adds BN1d(4096) γ/β twice.
  near(analyseCost(resolveArch('vgg11_bn_imagenet')).totals.params, 132_868_840 + 4 * 4096, 1e-9, 'VGG-11-BN');
});

test('PreResNet-164 ≈ 1.7 M and DenseNet-40 ≈ 1.0 M params', () => {
  near(analyseCost(resolveArch('preresnet164')).totals.params / 1e6, 1.70, 0.01, 'PreResNet-164');
  near(analyseCost(resolveArch('densenet40')).totals.params / 1e6, 1.06, 0.01, 'DenseNet-40');
});

test('layer rows sum to the totals and carry shapes', () => {
  const { layers, totals } = analyseCost(resolveArch('resnet56'));
  assert.equal(layers.reduce((s, l) => s + l.flops, 0), totals.flops);
  assert.equal(layers.reduce((s, l) => s + l.params, 0), totals.params);
  const conv = layers.find((l) => l.name === 'layer3.8.conv2')!;
  assert.deepEqual(conv.outShape, [8, 8, 64]);
  assert.equal(conv.macs, 9 * 64 * 64 * 64);
  assert.equal(conv.flops, 2 * conv.macs);
  assert.equal(layers.filter((l) => l.kind === 'relu').length, 1 + 2 * 27);
  assert.equal(layers.find((l) => l.kind === 'global_avg_pool')!.flops, 64 * 64);
});

test("functional pools cost nothing: VGG's avg-pool, DenseNet's transition pools; module pools are counted", () => {
  const vgg = analyseCost(resolveArch('vgg16')).layers;
  assert.deepEqual(vgg.filter((l) => l.kind === 'global_avg_pool').map((l) => l.flops), [0]);
  assert.deepEqual(vgg.filter((l) => l.kind === 'max_pool').map((l) => l.flops), [16 * 16 * 64, 8 * 8 * 128, 4 * 4 * 256, 2 * 2 * 512].map((e) => 4 * e));
  const dense = analyseCost(resolveArch('densenet40')).layers;
  assert.deepEqual(dense.filter((l) => l.kind === 'avg_pool').map((l) => l.flops), [0, 0]);
  assert.deepEqual(dense.filter((l) => l.kind === 'global_avg_pool').map((l) => l.flops), [64 * 456]);
});
