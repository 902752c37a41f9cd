// The shape interpreter against hand-computed shapes, parameter specs and RNP-convention costs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../../../src-shared/errors.ts';
import { createShapeOps } from '../../../src-main/engine/models/shape-ops.ts';

const input = (...shape: number[]) => ({ shape });

test('conv: output size floor((H + 2·pad − k)/stride) + 1, weight [k,k,in,out], RNP FLOPs', () => {
  const { ops, params, layers } = createShapeOps();
  const y = ops.conv2d('stem', input(224, 224, 3), { filters: 64, kernel: 7, stride: 2, pad: 3 });
  assert.deepEqual(y.shape, [112, 112, 64]);
  assert.deepEqual(params.map((p) => [p.name, p.shape, p.fan]), [['stem.weight', [7, 7, 3, 64], 7 * 7 * 64]]);
  assert.deepEqual(layers[0], {
    name: 'stem', kind: 'conv', outShape: [112, 112, 64],
    params: 7 * 7 * 3 * 64, macs: 7 * 7 * 3 * 64 * 112 * 112, flops: 2 * 7 * 7 * 3 * 64 * 112 * 112,
  });
  // default pad floor(k/2); a bias adds one FLOP per output element and a bias param
  const z = ops.conv2d('c', input(5, 5, 2), { filters: 4, kernel: 3, stride: 2, bias: true });
  assert.deepEqual(z.shape, [3, 3, 4]);
  assert.equal(layers[1]!.flops, (2 * 9 * 2 + 1) * 4 * 9);
  assert.equal(layers[1]!.params, 9 * 2 * 4 + 4);
  assert.deepEqual(params.slice(1).map((p) => p.name), ['c.weight', 'c.bias']);
});

test('conv fan follows the scheme: fan_in uses k·k·in', () => {
  const { ops, params } = createShapeOps({ convFan: 'fan_in' });
  ops.conv2d('c', input(8, 8, 5), { filters: 7, kernel: 3 });
  assert.equal(params[0]!.fan, 45);
});

test('BN2d costs 2 × elements, BN1d nothing; both own γ, β and running stats', () => {
  const { ops, params, layers } = createShapeOps();
  ops.batchNorm('bn2d', input(4, 4, 8));
  ops.batchNorm('bn1d', input(16));
  assert.deepEqual(layers.map((l) => [l.flops, l.params]), [[2 * 128, 16], [0, 32]]);
  assert.deepEqual(
    params.filter((p) => p.layer === 'bn2d').map((p) => [p.role, p.trainable]),
    [['gamma', true], ['beta', true], ['running_mean', false], ['running_var', false]],
  );
});

test('ReLU, pools, linear: RNP costs; functional ops are free', () => {
  const { ops, layers } = createShapeOps();
  const x = input(8, 8, 4);
  ops.relu(x);
  assert.deepEqual(ops.maxPool(x, { size: 3, stride: 2, pad: 1 }).shape, [4, 4, 4]);
  ops.avgPool(x, { size: 2, functional: true });
  assert.deepEqual(ops.globalAvgPool(x).shape, [4]);
  ops.globalAvgPool(x, { functional: true });
  assert.deepEqual(ops.dense('fc', input(64), 10).shape, [10]);
  assert.deepEqual(ops.flatten(x).shape, [256]);
  assert.deepEqual(
    layers.map((l) => [l.name, l.flops]),
    [['relu_0', 256], ['max_pool_0', 9 * 64], ['avg_pool_0', 0], ['global_avg_pool_0', 64 * 4],
     ['global_avg_pool_1', 0], ['fc', 2 * 64 * 10 + 10], ['flatten_0', 0]],
  );
  assert.equal(layers.find((l) => l.name === 'fc')!.macs, 640);
});

test('add, concat, select, padShortcut: shapes and no cost', () => {
  const { ops, layers } = createShapeOps();
  const x = input(8, 8, 16);
  assert.deepEqual(ops.add(x, x).shape, [8, 8, 16]);
  assert.deepEqual(ops.concat([x, input(8, 8, 12)]).shape, [8, 8, 28]);
  assert.deepEqual(ops.selectChannels(x, [0, 3, 15]).shape, [8, 8, 3]);
  assert.deepEqual(ops.padShortcut(x, 32, 2).shape, [4, 4, 32]);
  assert.ok(layers.every((l) => l.flops === 0 && l.params === 0));
});

test('bad shapes throw ValidationError naming the layer', () => {
  const { ops } = createShapeOps();
  assert.throws(() => ops.conv2d('tiny', input(2, 2, 3), { filters: 4, kernel: 5, pad: 0 }), (e: unknown) =>
    e instanceof ValidationError && e.message.includes("'tiny'") && e.message.includes('not positive'));
  ops.conv2d('last', input(4, 4, 3), { filters: 4, kernel: 3 });
  assert.throws(() => ops.maxPool(input(1, 1, 4), { size: 2 }), /max_pool_0 \(after last\)/);
  assert.throws(() => ops.selectChannels(input(4, 4, 8), [1, 8]), (e: unknown) =>
    e instanceof ValidationError && /select_0.*index 8 is out of range for 8/.test(e.message));
  assert.throws(() => ops.add(input(4, 4, 8), input(4, 4, 9)), ValidationError);
  assert.throws(() => ops.dense('fc', input(4, 4, 8), 10), /'fc'.*flatten/);
  assert.throws(() => ops.conv2d('last', input(4, 4, 3), { filters: 4, kernel: 3 }), /used twice/);
});
