// --parallel-runs: several runs of an experiment share one GPU (webgpu only), each with the numbers it
// has alone. The count is checked in one line where it cannot apply; its default is 1 except on a real
// GPU, where the model's size sets it. On WebGPU here (a software adapter), a two-seed experiment trained
// two runs at a time ends with exactly the runs, metrics and plans of the same experiment one at a time.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { BackendInfo } from '../../src-main/engine/backend/select-backend.ts';
import { selectBackend } from '../../src-main/engine/backend/select-backend.ts';
import { prepareExperiment } from '../../src-main/jobs/experiment-prepare.ts';
import { createExperimentRecord, runExperiment } from '../../src-main/jobs/experiment-runner.ts';
import { GPU_MEMORY_BUDGET, resolveParallelRuns, runMemoryBytes } from '../../src-main/jobs/parallel-runs.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { listEpochMetrics } from '../../src-main/store/metrics.ts';
import { getPlanJson } from '../../src-main/store/plans.ts';
import { listRuns } from '../../src-main/store/runs.ts';
import { skipReason } from '../engine/backends.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-parallel-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const info = (over: Partial<BackendInfo>): BackendInfo => ({
  name: 'webgpu', provider: 'test', device: 'GPU (test)', gpu: true, nativeThreads: null, adapter: null, reason: 'test', ...over,
});

const spec = (arch: string, batchSize = 64) => ({
  version: 1, name: `parallel ${arch}`, dataset: 'fashion-mnist-mini', arch, method: { id: 'l1_norm', params: { ratios: [0, 0.5, 0.5] } },
  regimes: ['finetune', 'scratch-e'], seeds: [1, 2],
  baseline: { epochs: 1, trainLimit: 64, testLimit: 64, batchSize }, finetune: { epochs: 1, trainLimit: 64, testLimit: 64, batchSize },
});

test('the count: 1–8, only on webgpu, not in the app\'s GPU window; by default 1, or on a real GPU what the model leaves room for', async () => {
  const prepared = await prepareExperiment(spec('vgg_mini'));
  assert.throws(() => resolveParallelRuns(0, info({}), prepared), /^ValidationError: --parallel-runs: expected an integer from 1 to 8, got 0$/);
  assert.throws(() => resolveParallelRuns(9, info({}), prepared), /expected an integer from 1 to 8, got 9/);
  assert.throws(() => resolveParallelRuns(2, info({ name: 'wasm', gpu: false }), prepared),
    /--parallel-runs 2: runs share a GPU only on the webgpu backend, and this experiment trains on wasm .*drop --parallel-runs or use --backend webgpu/);
  assert.throws(() => resolveParallelRuns(2, info({ name: 'tensorflow', gpu: true }), prepared), /trains on tensorflow/);
  assert.throws(() => resolveParallelRuns(2, info({ local: info({ name: 'wasm' }) }), prepared), /the desktop app's GPU window trains one run of a job at a time/);
  assert.equal(resolveParallelRuns(3, info({ gpu: false }), prepared), 3, 'asked for on a software adapter: taken');
  assert.equal(resolveParallelRuns(undefined, info({ gpu: false }), prepared), 1, 'a software adapter gains nothing by default');
  assert.equal(resolveParallelRuns(undefined, info({ name: 'wasm', gpu: false }), prepared), 1);
  assert.equal(resolveParallelRuns(1, info({ name: 'wasm', gpu: false }), prepared), 1, '1 is fine anywhere');

  // On a real GPU: as many as fit the budget, at most 4 — a small network gets 4, a big batch of a big one fewer.
  assert.equal(resolveParallelRuns(undefined, info({}), prepared), 4);
  const big = await prepareExperiment({ ...spec('vgg16', 128), method: { id: 'l1_norm', params: { ratios: Array(13).fill(0.5) } } });
  const bytes = runMemoryBytes(big);
  assert.ok(bytes > runMemoryBytes(prepared) * 10, `vgg16 at batch 128 (${bytes} B) should need far more than vgg_mini at 64`);
  assert.equal(resolveParallelRuns(undefined, info({}), big), Math.max(1, Math.min(4, Math.floor(GPU_MEMORY_BUDGET / bytes))));
});

test('webgpu, two seeds two runs at a time: never more than two at once, and the same runs, metrics and plans as one at a time', { skip: skipReason('webgpu'), timeout: 600_000 }, async () => {
  const backend = await selectBackend('webgpu');
  const results = [];
  for (const parallelRuns of [1, 2]) {
    const dbPath = join(dir, `runs-${parallelRuns}.sqlite`);
    const db = openDatabase(dbPath);
    const prepared = await prepareExperiment(spec('vgg_mini'));
    const experiment = createExperimentRecord(db, dbPath, prepared);
    let active = 0;
    let most = 0;
    const epochsOf = new Map<number, number>();
    await runExperiment(db, dbPath, experiment.id, prepared, { backend, threads: 1, parallelRuns }, {
      onRunStart: () => void (most = Math.max(most, ++active)),
      onRunDone: () => void active--,
      onEpoch: (_m, _info, at) => void epochsOf.set(at!.run.id, (epochsOf.get(at!.run.id) ?? 0) + 1),
    });
    const runs = listRuns(db, { experimentId: experiment.id }).sort((a, b) => `${a.seed}${a.regime}`.localeCompare(`${b.seed}${b.regime}`));
    assert.equal(runs.length, 6);
    assert.ok(runs.every((r) => r.status === 'completed' && epochsOf.get(r.id) === r.epochsDone), 'every epoch was told as its own run\'s');
    results.push({
      most,
      runs: runs.map((r) => ({ seed: r.seed, regime: r.regime, testAcc: r.testAcc, testLoss: r.testLoss, epochs: listEpochMetrics(db, r.id).map((m) => [m.trainLoss, m.testLoss, m.trainAcc]) })),
      plans: [1, 2].map((seed) => getPlanJson(db, experiment.id, seed)),
    });
    db.close();
  }
  const [alone, side] = results;
  assert.equal(alone!.most, 1);
  assert.equal(side!.most, 2, 'two runs never trained at once');
  assert.deepEqual(side!.runs, alone!.runs);
  assert.deepEqual(side!.plans, alone!.plans);
});
