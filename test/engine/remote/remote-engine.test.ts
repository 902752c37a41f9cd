// Training through the engine protocol (the desktop app's GPU path: the loop here, the network in another
// realm) against training here: the same epochs, metrics, weights and momentum, bit for bit, with the
// other side a Node worker thread on the same backend — through an epoch hook that changes weights, masks,
// and a resume from the checkpoint the remote run wrote. A method's own update rule is refused in one line.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { CancelledError } from '../../../src-shared/errors.ts';
import { defaultTrainConfig, type TrainConfig } from '../../../src-shared/train-config.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import type { Dataset, DatasetSplit } from '../../../src-main/engine/datasets/dataset.ts';
import { Model } from '../../../src-main/engine/models/model.ts';
import type { EnginePort } from '../../../src-main/engine/remote/engine-protocol.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import * as tf from '../../../src-main/engine/tf.ts';
import { readCheckpoint, type EpochResult } from '../../../src-main/engine/training/checkpoint.ts';
import { LAST_CHECKPOINT, train, type TrainOptions } from '../../../src-main/engine/training/train.ts';

const SIZE = 8;
const spec: ArchSpec = { family: 'vgg', input: [SIZE, SIZE, 1], classes: 2, cfg: [4, 'M', 8], pool: 'global_avg', fc: [] };
const config: TrainConfig = { ...defaultTrainConfig, epochs: 3, batchSize: 8, testBatchSize: 16, lr: 0.05, momentum: 0.9, weightDecay: 5e-4, seed: 4 };

function split(n: number, seed: number): DatasetSplit {
  const rng = Rng.fromSeed(seed, 'synthetic');
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  const pixels = Uint8Array.from({ length: n * SIZE * SIZE }, (_, p) => Math.max(0, Math.min(255, Math.round((labels[Math.floor(p / (SIZE * SIZE))] ? 160 : 90) + 40 * rng.normal()))));
  return {
    size: n, labels,
    async read(indices) {
      const out = new Uint8Array(indices.length * SIZE * SIZE);
      Array.from(indices).forEach((idx, k) => out.set(pixels.subarray(idx * SIZE * SIZE, (idx + 1) * SIZE * SIZE), k * SIZE * SIZE));
      return out;
    },
  };
}
const dataset: Dataset = {
  id: 'synthetic', name: 'synthetic', source: 'test', inputShape: [SIZE, SIZE, 1], classNames: ['dark', 'bright'],
  mean: [0.5], std: [0.25], augmentByDefault: false, train: split(48, 1), test: split(32, 2),
};

const dir = mkdtempSync(join(tmpdir(), 'pwb-remote-'));
const workers: Worker[] = [];
before(async () => {
  await selectBackend('cpu');
});
after(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
  rmSync(dir, { recursive: true, force: true });
});

async function remoteEngine(): Promise<EnginePort & { worker: Worker }> {
  const worker = new Worker(new URL('./engine-thread.ts', import.meta.url), { workerData: { backend: 'cpu' } });
  workers.push(worker);
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => resolve());
  });
  return {
    worker,
    closed: new Promise((resolve) => worker.once('exit', (code) => resolve(`its thread exited with code ${code}`))),
    post: (message) => worker.postMessage(message),
    listen(handler) {
      worker.on('message', handler);
      return () => worker.off('message', handler);
    },
  };
}

/** A run's history, final weights and last checkpoint, trained here or through `remote`. */
async function run(name: string, extra: Partial<TrainOptions>, remote?: EnginePort) {
  const checkpointDir = join(dir, name);
  const model = Model.create(spec, Rng.fromSeed(7, 'init'));
  try {
    const result = await train({ model, dataset, config, checkpointDir, ...extra, ...(remote ? { remote } : {}) });
    return { result, weights: await model.exportWeights(), checkpoint: readCheckpoint(join(checkpointDir, LAST_CHECKPOINT)) };
  } finally {
    model.dispose();
  }
}

/** The metrics of each epoch without its timings. */
const metrics = (history: readonly EpochResult[]) => history.map(({ imagesPerSec: _, wallS: __, ...m }) => m);

function assertSame(a: Awaited<ReturnType<typeof run>>, b: Awaited<ReturnType<typeof run>>): void {
  assert.deepEqual(metrics(b.result.history), metrics(a.result.history), 'the same epochs and metrics');
  assert.deepEqual(b.result.best, a.result.best);
  assert.deepEqual([...b.weights.keys()], [...a.weights.keys()]);
  for (const [name, v] of a.weights) assert.ok(Buffer.from(v.buffer).equals(Buffer.from(b.weights.get(name)!.buffer)), `weights ${name}`);
  assert.deepEqual([...b.checkpoint.momentum.keys()].sort(), [...a.checkpoint.momentum.keys()].sort());
  for (const [name, v] of a.checkpoint.momentum) assert.ok(Buffer.from(v.buffer).equals(Buffer.from(b.checkpoint.momentum.get(name)!.buffer)), `momentum ${name}`);
}

test('runs trained one after another through one remote engine equal runs trained here: metrics, weights, momentum, no tensor left behind', async () => {
  const port = await remoteEngine();
  const local = await run('local', {});
  const before = tf.memory().numTensors;
  assertSame(local, await run('remote', {}, port));
  assertSame(local, await run('remote-again', {}, port));
  assert.equal(tf.memory().numTensors, before, 'tensors left in this process');
});

test('the remote engine goes away mid-run: the run fails in one line saying so, instead of waiting', async () => {
  const port = await remoteEngine();
  const model = Model.create(spec, Rng.fromSeed(7, 'init'));
  let batches = 0;
  await assert.rejects(
    train({ model, dataset, config, checkpointDir: null, remote: port, onBatch: () => void (++batches === 2 && port.worker.terminate()) }),
    (e: Error) => /^(step|evaluate|state) on the remote engine: it went away \(its thread exited with code 1\)$/.test(e.message),
  );
  model.dispose();
});

test('an epoch hook that changes weights, and pruning masks: the remote run still equals the local one', async () => {
  const port = await remoteEngine();
  // Soft-filter-like: zero the first conv's first filter after every epoch (and before the first).
  const afterEpoch = async (model: Model): Promise<void> => {
    const v = model.variables.get('features.0.weight')!;
    const w = (await v.data()) as Float32Array;
    const cout = v.shape[3]!;
    for (let i = 0; i < w.length; i += cout) w[i] = 0;
    model.setWeights(new Map([['features.0.weight', w]]));
  };
  const shape = Model.create(spec, Rng.fromSeed(7, 'init'));
  const size = shape.variables.get('features.4.weight')!.size;
  shape.dispose();
  const masks = new Map([['features.4.weight', Float32Array.from({ length: size }, (_, i) => (i % 3 === 0 ? 0 : 1))]]);
  const local = await run('hook-local', { afterEpoch, masks });
  const remote = await run('hook-remote', { afterEpoch, masks }, port);
  assertSame(local, remote);
  assert.ok(remote.weights.get('features.4.weight')!.every((v, i) => i % 3 !== 0 || v === 0), 'the masks held on the remote side');
});

test('resumed through a remote engine from a checkpoint: the same as the uninterrupted local run', async () => {
  const port = await remoteEngine();
  const whole = await run('whole', {});
  // Cancelled here after two epochs, then the third through the remote engine from the checkpoint.
  const twoDir = join(dir, 'two');
  const first = Model.create(spec, Rng.fromSeed(7, 'init'));
  const cancel = new AbortController();
  await assert.rejects(train({ model: first, dataset, config, checkpointDir: twoDir, signal: cancel.signal, onEpoch: (m) => void (m.epoch === 2 && cancel.abort()) }), CancelledError);
  first.dispose();
  const ckpt = readCheckpoint(join(twoDir, LAST_CHECKPOINT));
  assert.equal(ckpt.epochsDone, 2);
  const model = Model.fromWeights(spec, ckpt.weights);
  const result = await train({ model, dataset, config, checkpointDir: twoDir, resumeFrom: ckpt, remote: port });
  const weights = await model.exportWeights();
  model.dispose();
  assert.deepEqual(metrics(result.history), metrics(whole.result.history));
  for (const [name, v] of whole.weights) assert.ok(Buffer.from(v.buffer).equals(Buffer.from(weights.get(name)!.buffer)), `weights ${name}`);
});

test('a regulariser (code, not data) cannot cross to a remote engine: refused in one line before any epoch', async () => {
  const port = await remoteEngine();
  const model = Model.create(spec, Rng.fromSeed(7, 'init'));
  const epochs: number[] = [];
  await assert.rejects(
    train({ model, dataset, config, checkpointDir: null, regularizer: () => {}, remote: port, onEpoch: (m) => void epochs.push(m.epoch) }),
    (e: Error) => /runs only where the training loop runs: train this run on a local backend$/.test(e.message) && !e.message.includes('\n'),
  );
  model.dispose();
  assert.deepEqual(epochs, []);
});
