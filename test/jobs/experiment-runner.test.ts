// The runner on an unstructured method: pruned runs record the kept weights' params and FLOPs (the
// reference's weight-level rule), Scratch-B stretches the epochs by that FLOP ratio, and the masks hold
// through training (pruned weights stay zero).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyseCost } from '../../src-main/engine/analysis/cost.ts';
import { selectBackend } from '../../src-main/engine/backend/select-backend.ts';
import { decodeMasks } from '../../src-main/engine/pruning/masks.ts';
import { readCheckpoint } from '../../src-main/engine/training/checkpoint.ts';
import { prepareExperiment } from '../../src-main/jobs/experiment-prepare.ts';
import { createExperimentRecord, experimentDir, runExperiment } from '../../src-main/jobs/experiment-runner.ts';
import { parsePlan } from '../../src-main/engine/pruning/apply-plan.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { getPlanJson } from '../../src-main/store/plans.ts';
import { listRuns } from '../../src-main/store/runs.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { ValidationError } from '../../src-shared/errors.ts';
import { getExperiment, updateExperiment } from '../../src-main/store/experiments.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-runner-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('magnitude pruning: effective params/FLOPs recorded, Scratch-B epochs from them, masks kept', async () => {
  const dbPath = join(dir, 'magnitude.sqlite');
  const db = openDatabase(dbPath);
  const prepared = await prepareExperiment({
    version: 1, name: 'magnitude', dataset: 'fashion-mnist-mini', arch: 'vgg_mini',
    method: { id: 'magnitude', params: { percent: 0.8 } }, regimes: ['finetune', 'scratch-b'], seeds: [1],
    baseline: { epochs: 2, trainLimit: 128, testLimit: 100 }, finetune: { epochs: 1, trainLimit: 128, testLimit: 100 },
  });
  const experiment = createExperimentRecord(db, dbPath, prepared);
  const backend = await selectBackend('wasm');
  await runExperiment(db, dbPath, experiment.id, prepared, { backend, threads: 1 });

  const runs = listRuns(db, { experimentId: experiment.id });
  const baseline = runs.find((r) => r.regime === 'baseline')!;
  const finetune = runs.find((r) => r.regime === 'finetune')!;
  const scratchB = runs.find((r) => r.regime === 'scratch-b')!;
  const plan = parsePlan(JSON.parse(getPlanJson(db, experiment.id, 1)!));
  const masks = decodeMasks(plan);
  let removed = 0;
  for (const m of masks.values()) removed += m.length - m.reduce((a, b) => a + b, 0);
  assert.ok(removed > 0);
  assert.equal(baseline.params, analyseCost(plan.base).totals.params);
  assert.equal(finetune.params, baseline.params! - removed);
  assert.ok(finetune.flops! < baseline.flops!);
  assert.equal(scratchB.epochsPlanned, Math.floor(2 * (baseline.flops! / finetune.flops!)));

  for (const run of [finetune, scratchB]) {
    const weights = readCheckpoint(join(run.checkpointDir!, 'last.ckpt')).weights;
    for (const [name, mask] of masks) {
      const w = weights.get(name)!;
      const leaked = w.findIndex((v, i) => mask[i] === 0 && v !== 0);
      assert.equal(leaked, -1, `${run.regime}: ${name}[${leaked}] is pruned but non-zero`);
    }
  }
  db.close();
});

test('a second process driving a running experiment is refused before anything changes (the status stays running)', async () => {
  const dbPath = join(dir, 'locked.sqlite');
  const db = openDatabase(dbPath);
  const prepared = await prepareExperiment({
    version: 1, name: 'locked', dataset: 'fashion-mnist-mini', arch: 'vgg_mini',
    method: { id: 'l1_norm', params: { ratio: 0.5 } }, regimes: ['finetune'], seeds: [1],
    baseline: { epochs: 1, trainLimit: 64, testLimit: 64 },
  });
  const experiment = createExperimentRecord(db, dbPath, prepared);
  updateExperiment(db, experiment.id, { status: 'running' });
  // The "other process": a live one, named in the experiment's lock as its owner.
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    mkdirSync(experimentDir(dbPath, experiment.id), { recursive: true });
    writeFileSync(join(experimentDir(dbPath, experiment.id), 'run.lock'), JSON.stringify({ host: hostname(), pid: other.pid }));
    const backend = await selectBackend('wasm');
    await assert.rejects(
      runExperiment(db, dbPath, experiment.id, prepared, { backend, threads: 1 }),
      (e: unknown) => e instanceof ValidationError && e.message === `experiment ${experiment.id} is being run by process ${other.pid}; stop it first or wait for it`,
    );
    assert.equal(getExperiment(db, experiment.id).status, 'running');
    assert.deepEqual(listRuns(db, { experimentId: experiment.id }), []);
  } finally {
    other.kill();
    db.close();
  }
});
