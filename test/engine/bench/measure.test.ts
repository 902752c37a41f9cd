import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { benchModel } from '../../../src-main/engine/bench/bench-models.ts';
import { measureInference, measureTraining } from '../../../src-main/engine/bench/measure.ts';
import { findTorch, runTorchBench } from '../../../src-main/engine/bench/torch-reference.ts';
import { analyseCost } from '../../../src-main/engine/analysis/cost.ts';
import * as tf from '../../../src-main/engine/tf.ts';

const positive = (v: number, what: string): void => assert.ok(Number.isFinite(v) && v > 0, `${what}: ${v}`);

before(async () => {
  await selectBackend('wasm');
});

test('bench_cnn is the issue\'s network: 3 × (conv3×3 no bias → BN → ReLU → maxpool), GAP, dense 10', () => {
  const { spec } = benchModel('bench_cnn');
  const layers = analyseCost(spec).layers.map((l) => `${l.kind}:${l.outShape.join('x')}`);
  assert.deepEqual(layers, [
    'conv:32x32x16', 'bn:32x32x16', 'relu:32x32x16', 'max_pool:16x16x16',
    'conv:16x16x32', 'bn:16x16x32', 'relu:16x16x32', 'max_pool:8x8x32',
    'conv:8x8x64', 'bn:8x8x64', 'relu:8x8x64', 'max_pool:4x4x64',
    'global_avg_pool:64', 'dense:10',
  ]);
  // 3·3·3·16 + 3·3·16·32 + 3·3·32·64 conv weights (no bias), 2·(16+32+64) BN γ/β, 64·10 + 10 dense.
  assert.equal(analyseCost(spec).totals.params, 432 + 4608 + 18432 + 2 * 112 + 650, layers.join(' '));
  assert.throws(() => benchModel('resnet21'), /valid: bench_cnn, resnet20, vgg16/);
});

test('measureTraining and measureInference on bench_cnn: positive finite images/s, nothing leaked', async () => {
  const { spec } = benchModel('bench_cnn');
  const tensorsBefore = tf.memory().numTensors;
  const steps = { warmupSteps: 1, timedSteps: 1, windows: 2, seed: 1 };
  const train = await measureTraining(spec, { ...steps, batchSize: 16, threads: 1 });
  positive(train.imagesPerSec, 'training images/s');
  assert.equal(train.windows.length, 2);
  const infer = await measureInference(spec, { ...steps, batchSize: 32 });
  positive(infer.imagesPerSec, 'inference images/s');
  assert.equal(tf.memory().numTensors, tensorsBefore);
});

test('findTorch names the candidates it tried and how to install torch', async () => {
  const { found, reason } = await findTorch(['/nonexistent/python3']);
  assert.equal(found, null);
  assert.match(reason, /\/nonexistent\/python3: not found/);
  assert.match(reason, /apt-get install python3-torch/);
});

test('torch_bench.py runs bench_cnn and reports positive images/s', async (t) => {
  const { found, reason } = await findTorch();
  if (!found) {
    t.skip(reason);
    return;
  }
  const r = await runTorchBench(found.python, {
    model: 'bench_cnn', batchSize: 16, inferBatchSize: 32, threads: 1, warmupSteps: 1, timedSteps: 1, windows: 1, seed: 1,
  });
  positive(r.trainImagesPerSec, 'PyTorch training images/s');
  positive(r.inferImagesPerSec, 'PyTorch inference images/s');
  assert.equal(r.threads, 1);
});
