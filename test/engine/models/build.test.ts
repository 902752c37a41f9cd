// Parameter collection and the families' initialisation schemes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectParams, initParams } from '../../../src-main/engine/models/build.ts';
import { resolveArch } from '../../../src-main/engine/models/register-all.ts';
import { Rng } from '../../../src-main/engine/random.ts';

const stats = (a: Float32Array): { mean: number; std: number; min: number; max: number } => {
  let sum = 0;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of a) {
    sum += v;
    sq += v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = sum / a.length;
  return { mean, std: Math.sqrt(sq / a.length - mean * mean), min, max };
};

test('collectParams: names, shapes and order for ResNet-20', () => {
  const params = collectParams(resolveArch('resnet20'));
  assert.deepEqual(params.slice(0, 5).map((p) => p.name), [
    'conv1.weight', 'bn1.gamma', 'bn1.beta', 'bn1.running_mean', 'bn1.running_var',
  ]);
  assert.deepEqual(params.find((p) => p.name === 'layer2.0.conv1.weight')!.shape, [3, 3, 16, 32]);
  assert.deepEqual(params.at(-2)!.shape, [64, 10]);
  assert.equal(params.at(-1)!.name, 'fc.bias');
  assert.equal(new Set(params.map((p) => p.name)).size, params.length);
});

test('initParams is deterministic for a seed and differs across seeds', () => {
  const spec = resolveArch('resnet_mini');
  const a = initParams(spec, Rng.fromSeed(7, 'init'));
  const b = initParams(spec, Rng.fromSeed(7, 'init'));
  const c = initParams(spec, Rng.fromSeed(8, 'init'));
  assert.deepEqual([...a.keys()], collectParams(spec).map((p) => p.name));
  for (const [name, v] of a) assert.deepEqual(v, b.get(name), name);
  assert.notDeepEqual(a.get('layer1.0.conv1.weight'), c.get('layer1.0.conv1.weight'));
});

test('VGG: conv N(0, 2/(k·k·out)), BatchNorm2d γ 0.5, the head\'s BatchNorm1d γ 1 (PyTorch default), dense N(0, 0.01²) with zero bias', () => {
  const values = initParams(resolveArch('vgg16'), Rng.fromSeed(1));
  const conv = stats(values.get('features.40.weight')!); // 3×3×512×512
  assert.ok(Math.abs(conv.std / Math.sqrt(2 / (9 * 512)) - 1) < 0.01, `std ${conv.std}`);
  assert.ok(Math.abs(conv.mean) < 1e-3);
  assert.ok(values.get('features.1.gamma')!.every((v) => v === 0.5));
  assert.ok(values.get('features.1.beta')!.every((v) => v === 0));
  assert.ok(values.get('features.1.running_var')!.every((v) => v === 1));
  assert.ok(Math.abs(stats(values.get('classifier.0.weight')!).std / 0.01 - 1) < 0.02);
  assert.ok(values.get('classifier.3.bias')!.every((v) => v === 0));
  // RNP's _initialize_weights fills BatchNorm2d only: the head's BatchNorm1d keeps PyTorch's 1.
  assert.ok(values.get('classifier.1.gamma')!.every((v) => v === 1));
});

test("vgg19_bn (the weight-level code's model): conv N(0, 2/(k·k·in)) with zero bias, BatchNorm2d γ 1, one Linear N(0, 0.01²), 20,040,522 parameters", () => {
  const spec = resolveArch('vgg19_bn');
  const values = initParams(spec, Rng.fromSeed(1));
  const conv = stats(values.get('features.7.weight')!); // 3×3×64×128: fan-in 576, fan-out 1152
  assert.ok(Math.abs(conv.std / Math.sqrt(2 / (9 * 64)) - 1) < 0.01, `std ${conv.std}`);
  assert.ok(values.get('features.7.bias')!.every((v) => v === 0));
  assert.ok(values.get('features.8.gamma')!.every((v) => v === 1));
  assert.ok(Math.abs(stats(values.get('classifier.weight')!).std / 0.01 - 1) < 0.05);
  const params = collectParams(spec);
  assert.equal(params.filter((p) => p.layerKind === 'conv' && p.role === 'bias').length, 16);
  assert.deepEqual(params.filter((p) => p.layerKind === 'dense').map((p) => `${p.name} [${p.shape}]`), ['classifier.weight [512,10]', 'classifier.bias [10]']);
  // cifar/weight-level/models/cifar/vgg.py vgg19_bn(num_classes=10): 16 convs with bias, 16 BN, Linear(512, 10)
  const count = params.filter((p) => p.trainable).reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  assert.equal(count, 20_040_522);
});

test('CIFAR ResNet: BN γ 1, conv fan_out as in the reference, fc PyTorch default U(±1/√in)', () => {
  const values = initParams(resolveArch('resnet110'), Rng.fromSeed(3));
  const w = [...values.entries()].filter(([n]) => /^layer3\.\d+\.conv2\.weight$/.test(n)).map(([, v]) => v);
  const all = new Float32Array(w.reduce((s, v) => s + v.length, 0));
  w.reduce((off, v) => (all.set(v, off), off + v.length), 0);
  assert.ok(Math.abs(stats(all).std / Math.sqrt(2 / (9 * 64)) - 1) < 0.01);
  assert.ok(values.get('layer1.0.bn1.gamma')!.every((v) => v === 1));
  const fc = stats(values.get('fc.weight')!);
  assert.ok(fc.max <= 1 / 8 && fc.min >= -1 / 8 && fc.max > 0.1);
  assert.ok(values.get('fc.bias')!.some((v) => v !== 0));
});
