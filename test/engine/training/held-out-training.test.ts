// Training with config.valSplit: the held-out images are never trained on, they are evaluated each
// epoch, and they — not the test set — choose the best epoch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { defaultTrainConfig } from '../../../src-shared/train-config.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import type { Dataset, DatasetSplit } from '../../../src-main/engine/datasets/dataset.ts';
import { heldOutSplit } from '../../../src-main/engine/datasets/held-out.ts';
import { Model } from '../../../src-main/engine/models/model.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { train } from '../../../src-main/engine/training/train.ts';

const SIZE = 8;

/** Two classes told apart by brightness, with noise; `reads` records every read of the split. */
function split(n: number, seed: number, reads: number[][]): DatasetSplit {
  const rng = Rng.fromSeed(seed, 'synthetic');
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  const pixels = new Uint8Array(n * SIZE * SIZE);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < SIZE * SIZE; p++) pixels[i * SIZE * SIZE + p] = Math.max(0, Math.min(255, Math.round((labels[i] ? 160 : 90) + 40 * rng.normal())));
  }
  return {
    size: n, labels,
    async read(indices) {
      reads.push(Array.from(indices));
      const out = new Uint8Array(indices.length * SIZE * SIZE);
      Array.from(indices).forEach((idx, k) => out.set(pixels.subarray(idx * SIZE * SIZE, (idx + 1) * SIZE * SIZE), k * SIZE * SIZE));
      return out;
    },
  };
}

test('valSplit: held-out images are evaluated, never trained on, and choose the best epoch', async () => {
  assert.equal((await selectBackend('cpu')).name, 'cpu');
  const trainReads: number[][] = [];
  const dataset: Dataset = {
    id: 'synthetic', name: 'synthetic', source: 'test', inputShape: [SIZE, SIZE, 1], classNames: ['dark', 'bright'],
    mean: [0.5], std: [0.25], augmentByDefault: false, train: split(80, 1, trainReads), test: split(40, 2, []),
  };
  const spec: ArchSpec = { family: 'vgg', input: [SIZE, SIZE, 1], classes: 2, cfg: [4, 'M'], pool: 'global_avg', fc: [] };
  const model = Model.create(spec, Rng.fromSeed(1, 'init'));
  const config = { ...defaultTrainConfig, epochs: 4, batchSize: 8, testBatchSize: 20, lr: 0.05, valSplit: 0.25 };
  const result = await train({ model, dataset, config, checkpointDir: null });
  model.dispose();

  const { val } = heldOutSplit(dataset.train.labels, 0.25);
  assert.equal(val.length, 20);
  const heldOutReads = trainReads.filter((r) => r.length === 20);
  assert.equal(heldOutReads.length, 4, 'the held-out images are read once per epoch, in one evaluation batch');
  for (const r of heldOutReads) assert.deepEqual(r, [...val]);
  const trained = trainReads.filter((r) => r.length !== 20).flat();
  assert.equal(trained.length, 4 * 60, 'every epoch trains on the 60 other images');
  const held = new Set(val);
  assert.ok(trained.every((i) => !held.has(i)), 'a held-out image was trained on');

  assert.ok(result.history.every((m) => typeof m.valAcc === 'number' && typeof m.valLoss === 'number'));
  const bestVal = Math.max(...result.history.map((m) => m.valAcc!));
  const bestEpoch = result.history.find((m) => m.valAcc === bestVal)!.epoch;
  assert.deepEqual(result.best, { testAcc: result.history[bestEpoch - 1]!.testAcc, epoch: bestEpoch, valAcc: bestVal });
});
