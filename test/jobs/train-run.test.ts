// The engine's main promise on this machine: vgg_mini learns fashion-mnist-mini on the wasm backend and
// on native TensorFlow where tfjs-node is installed (≥ 80% test accuracy within 5 epochs), every epoch
// is stored, and no tensor leaks across epochs. On WebGPU (here a software adapter, ≈ 7 min for those 5
// epochs) a shorter run must retrace wasm's: same data order and seed, so the same losses.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createTrainRun, executeRun, prepareTrainRun } from '../../src-main/jobs/train-run.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { listEpochMetrics } from '../../src-main/store/metrics.ts';
import { skipReason } from '../engine/backends.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-train-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));

for (const backend of ['wasm', 'tensorflow'] as const) {
test(`vgg_mini on fashion-mnist-mini (${backend}, 5 epochs): ≥ 80% test accuracy, flat tensor count, all epochs stored`, { skip: skipReason(backend) }, async () => {
  const dbPath = join(dir, `train-${backend}.sqlite`);
  const db = openDatabase(dbPath);
  const request = { arch: 'vgg_mini', dataset: 'fashion-mnist-mini', backend, config: { epochs: 5, lr: 0.1, seed: 1 } };
  const prepared = await prepareTrainRun(request);
  assert.equal(prepared.backend.name, backend);
  const run = createTrainRun(db, dbPath, request, prepared);
  const tensorsAfterEpoch: number[] = [];
  const done = await executeRun(db, run.id, prepared, { onEpoch: (_m, info) => tensorsAfterEpoch.push(info.numTensors) });

  assert.equal(done.status, 'completed');
  assert.equal(done.backend, backend);
  assert.equal(done.epochsDone, 5);
  assert.ok(done.testAcc! >= 0.8, `test accuracy ${done.testAcc} < 0.80`);
  assert.equal(tensorsAfterEpoch.length, 5);
  assert.equal(tensorsAfterEpoch[4], tensorsAfterEpoch[0], `tensor count grew: ${tensorsAfterEpoch.join(' → ')}`);

  const epochs = listEpochMetrics(db, run.id);
  assert.deepEqual(epochs.map((e) => e.epoch), [1, 2, 3, 4, 5]);
  for (const e of epochs) {
    assert.ok(Number.isFinite(e.trainLoss) && e.trainAcc > 0 && e.imagesPerSec! > 0 && e.wallS > 0);
  }
  assert.ok(epochs[4]!.trainLoss! < epochs[0]!.trainLoss!, 'training loss should fall');
  // Milestones 0.5 and 0.75 of 5 epochs: the lr drops at the start of epochs 3 and 4 (1-based).
  const expectedLr = [0.1, 0.1, 0.01, 0.001, 0.001];
  epochs.forEach((e, i) => assert.ok(Math.abs(e.lr - expectedLr[i]!) < 1e-12, `epoch ${e.epoch} lr ${e.lr}`));
  assert.ok(existsSync(join(done.checkpointDir!, 'last.ckpt')) && existsSync(join(done.checkpointDir!, 'best.ckpt')));
  db.close();
});
}

test('webgpu: 2 epochs of vgg_mini on 384 examples retrace wasm (losses within 1e-3, accuracies within 1%), all epochs stored', { skip: skipReason('webgpu') }, async () => {
  const config = { epochs: 2, lr: 0.05, seed: 4, trainLimit: 384, testLimit: 512 };
  const results = new Map<string, { loss: number[]; acc: number[]; test: number }>();
  for (const backend of ['wasm', 'webgpu'] as const) {
    const dbPath = join(dir, `retrace-${backend}.sqlite`);
    const db = openDatabase(dbPath);
    // One thread: wasm's data-parallel shards would normalise each shard on its own statistics.
    const request = { arch: 'vgg_mini', dataset: 'fashion-mnist-mini', backend, config, threads: 1 };
    const prepared = await prepareTrainRun(request);
    assert.equal(prepared.backend.name, backend);
    const done = await executeRun(db, createTrainRun(db, dbPath, request, prepared).id, prepared, {});
    assert.equal(done.status, 'completed');
    assert.equal(done.epochsDone, 2);
    if (backend === 'webgpu') assert.match(done.backendReason ?? '', /WebGPU through .* on /);
    const epochs = listEpochMetrics(db, done.id);
    results.set(backend, { loss: epochs.map((e) => e.trainLoss!), acc: epochs.map((e) => e.trainAcc), test: done.testAcc! });
    db.close();
  }
  const [wasm, gpu] = [results.get('wasm')!, results.get('webgpu')!];
  assert.ok(wasm.loss[1]! < wasm.loss[0]!, 'wasm learns');
  for (let e = 0; e < 2; e++) {
    assert.ok(Math.abs(gpu.loss[e]! - wasm.loss[e]!) <= 1e-3 * wasm.loss[e]!, `epoch ${e + 1} loss ${gpu.loss[e]} vs wasm ${wasm.loss[e]}`);
    assert.ok(Math.abs(gpu.acc[e]! - wasm.acc[e]!) <= 0.01, `epoch ${e + 1} accuracy ${gpu.acc[e]} vs wasm ${wasm.acc[e]}`);
  }
  assert.ok(Math.abs(gpu.test - wasm.test) <= 0.01, `test accuracy ${gpu.test} vs wasm ${wasm.test}`);
});

test('a new run never resumes from a checkpoint folder left by a deleted database of the same name', async () => {
  const dbPath = join(dir, 'reused.sqlite');
  const request = { arch: 'vgg_mini', dataset: 'fashion-mnist-mini', backend: 'wasm' as const, threads: 1, config: { epochs: 1, trainLimit: 128, testLimit: 100 } };
  const prepared = await prepareTrainRun(request);
  const first = openDatabase(dbPath);
  const run1 = createTrainRun(first, dbPath, request, prepared);
  await executeRun(first, run1.id, prepared);
  first.close();
  rmSync(dbPath);
  rmSync(`${dbPath}-wal`, { force: true });
  rmSync(`${dbPath}-shm`, { force: true });
  assert.ok(existsSync(join(`${dbPath}.runs`, String(run1.id), 'last.ckpt')), 'the old checkpoint is still there');

  const second = openDatabase(dbPath);
  const run2 = createTrainRun(second, dbPath, request, prepared);
  assert.equal(run2.id, run1.id);
  let epochsTrained = 0;
  const done = await executeRun(second, run2.id, prepared, { onEpoch: () => epochsTrained++ });
  assert.equal(epochsTrained, 1, 'the run must train its epoch, not find it done');
  assert.equal(done.epochsDone, 1);
  second.close();
});
