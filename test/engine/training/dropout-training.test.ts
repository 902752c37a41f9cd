// Dropout while training: its masks are keyed by seed, epoch and batch (train.ts), like the data order, so
// a run interrupted after an epoch and resumed from its checkpoint ends with the weights, bit for bit, of
// the run that was never interrupted — and the masks are drawn (another seed's run differs).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CancelledError } from '../../../src-shared/errors.ts';
import { defaultTrainConfig, type TrainConfig } from '../../../src-shared/train-config.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { openDataset } from '../../../src-main/engine/datasets/registry.ts';
import { graph } from '../../../src-main/engine/models/graph.ts';
import { withData } from '../../../src-main/engine/models/register-all.ts';
import { Model } from '../../../src-main/engine/models/model.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { LAST_CHECKPOINT, train } from '../../../src-main/engine/training/train.ts';
import { readCheckpoint } from '../../../src-main/engine/training/checkpoint.ts';

test('a run with dropout resumed after its first epoch ends with the uninterrupted run’s weights', async () => {
  assert.equal((await selectBackend('wasm')).name, 'wasm');
  const dataset = await openDataset('fashion-mnist-mini');
  const example = graph.examples.find((e) => e.spec.nodes.some((n) => n.op === 'dropout'))!;
  const spec = withData(example.spec, dataset.inputShape, dataset.classNames.length);
  const config: TrainConfig = { ...defaultTrainConfig, epochs: 2, batchSize: 32, trainLimit: 64, testLimit: 32, augment: false, seed: 4 };
  const dir = mkdtempSync(join(tmpdir(), 'pwb-dropout-'));
  try {
    const run = async (cfg: TrainConfig, folder: string): Promise<Map<string, Float32Array>> => {
      const model = Model.create(spec, Rng.fromSeed(1, 'init'));
      await train({ model, dataset, config: cfg, checkpointDir: folder });
      const w = await model.exportWeights();
      model.dispose();
      return w;
    };
    const straight = await run(config, join(dir, 'a'));

    // Interrupted at the first batch of epoch 2, then resumed from last.ckpt.
    const controller = new AbortController();
    const model = Model.create(spec, Rng.fromSeed(1, 'init'));
    await assert.rejects(
      train({ model, dataset, config, checkpointDir: join(dir, 'b'), signal: controller.signal, onEpoch: (m) => void (m.epoch === 1 && controller.abort()) }),
      CancelledError,
    );
    model.dispose();
    const ckpt = readCheckpoint(join(dir, 'b', LAST_CHECKPOINT));
    assert.equal(ckpt.epochsDone, 1);
    const resumed = Model.fromWeights(spec, ckpt.weights);
    await train({ model: resumed, dataset, config, checkpointDir: join(dir, 'b'), resumeFrom: ckpt });
    const after = await resumed.exportWeights();
    resumed.dispose();
    for (const [name, v] of straight) assert.deepEqual(after.get(name), v, `${name} after resume`);

    // The masks are drawn: the same start with another seed's draws (and data order) ends elsewhere.
    const other = await run({ ...config, seed: 5 }, join(dir, 'c'));
    assert.notDeepEqual(other.get('fc.weight'), straight.get('fc.weight'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
