// Fisher pruning through an experiment: after the baseline, the planning fine-tunes while it removes
// channels (its progress reported), is cancelled half-way and resumed from its state file, and the
// finetune regime starts from the planning's last weights — not the baseline's — while Scratch-E and
// Scratch-B train the architecture it found from scratch.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CancelledError } from '../../src-shared/errors.ts';
import { selectBackend } from '../../src-main/engine/backend/select-backend.ts';
import { applyPlan, parsePlan } from '../../src-main/engine/pruning/apply-plan.ts';
import { gatedUnits } from '../../src-main/engine/pruning/fisher.ts';
import { readCheckpoint } from '../../src-main/engine/training/checkpoint.ts';
import { prepareExperiment } from '../../src-main/jobs/experiment-prepare.ts';
import { createExperimentRecord, experimentDir, runExperiment } from '../../src-main/jobs/experiment-runner.ts';
import { experimentResults } from '../../src-main/queries/experiment-results.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { getExperiment } from '../../src-main/store/experiments.ts';
import { getPlanJson } from '../../src-main/store/plans.ts';
import { listRuns } from '../../src-main/store/runs.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-fisher-exp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('fisher: planning fine-tunes while it prunes, resumes after a cancel, and fine-tuning starts from its weights', { timeout: 300_000 }, async () => {
  const dbPath = join(dir, 'fisher.sqlite');
  const db = openDatabase(dbPath);
  const prepared = await prepareExperiment({
    version: 1, name: 'fisher', dataset: 'fashion-mnist-mini', arch: 'vgg_mini',
    method: { id: 'fisher', params: { channels: 12, pruneEvery: 2, batchSize: 32 } }, regimes: ['finetune', 'scratch-e', 'scratch-b'], seeds: [1],
    baseline: { epochs: 1, trainLimit: 256, testLimit: 100, batchSize: 64 },
    // A learning rate so small that fine-tuning leaves the conv weights where it found them: which start it had shows.
    finetune: { epochs: 1, trainLimit: 64, testLimit: 100, lr: 1e-9 },
  });
  const experiment = createExperimentRecord(db, dbPath, prepared);
  const exec = { backend: await selectBackend('wasm'), threads: 1 };
  const abort = new AbortController();
  const progress: number[] = [];
  await assert.rejects(runExperiment(db, dbPath, experiment.id, prepared, exec, {
    signal: abort.signal,
    onPlanning: (_seed, p) => {
      progress.push(p.done);
      assert.equal(p.total, 12);
      if (p.done === 6) abort.abort();
    },
  }), CancelledError);
  assert.deepEqual(progress, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(getExperiment(db, experiment.id).status, 'cancelled');
  assert.equal(getPlanJson(db, experiment.id, 1), null, 'no plan stored before the planning ends');
  const statePath = join(experimentDir(dbPath, experiment.id), 'planning-seed-1.ckpt');
  assert.ok(existsSync(statePath), 'the planning kept its state');

  const resumedFrom: number[] = [];
  await runExperiment(db, dbPath, experiment.id, prepared, exec, { onPlanning: (_seed, p) => resumedFrom.push(p.done) });
  assert.ok(resumedFrom[0]! > 0, `resumed after the removals it had written, not from 0: ${resumedFrom.join(',')}`);
  assert.equal(getExperiment(db, experiment.id).status, 'completed');
  const runs = listRuns(db, { experimentId: experiment.id }).sort((a, b) => a.id - b.id);
  assert.deepEqual(runs.map((r) => `${r.regime}:${r.status}`), ['baseline:completed', 'finetune:completed', 'scratch-e:completed', 'scratch-b:completed']);

  const plan = parsePlan(JSON.parse(getPlanJson(db, experiment.id, 1)!));
  assert.equal(plan.finetuneFrom, 'planning');
  const state = readCheckpoint(statePath);
  assert.equal((state.planning as { removed: unknown[] }).removed.length, 12);
  const lost = gatedUnits(prepared.base).reduce((a, g) => a + g.width - (plan.keep[g.id]?.length ?? g.width), 0);
  assert.equal(lost, 12, 'the plan removes the twelve channels the loop removed');

  const baseline = runs.find((r) => r.regime === 'baseline')!;
  const fromPlanning = applyPlan(plan, state.weights);
  const fromBaseline = applyPlan(plan, readCheckpoint(join(baseline.checkpointDir!, 'last.ckpt')).weights);
  const tuned = readCheckpoint(join(runs.find((r) => r.regime === 'finetune')!.checkpointDir!, 'last.ckpt')).weights;
  const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  for (const [name, v] of tuned) {
    if (!name.endsWith('.weight')) continue;
    assert.ok(maxDiff(v, fromPlanning.get(name)!) < 1e-6, `${name}: fine-tuning started from the planning's weights`);
  }
  assert.ok([...tuned].some(([name, v]) => name.endsWith('.weight') && maxDiff(v, fromBaseline.get(name)!) > 1e-4), 'and those are not the baseline\'s');

  const results = experimentResults(db, experiment.id);
  assert.deepEqual(results.summary.map((l) => l.regime), ['baseline', 'finetune', 'scratch-e', 'scratch-b']);
  db.close();
});

test('fisher at --scale: the batches between removals shrink as the epochs do (at least 1); the removals stay', async () => {
  const spec = (scale: number, pruneEvery: number) => ({
    version: 1, name: 'fisher', dataset: 'fashion-mnist-mini', arch: 'vgg_mini', scale,
    method: { id: 'fisher', params: { channels: 12, pruneEvery } }, regimes: ['finetune'], seeds: [1],
  });
  assert.equal((await prepareExperiment(spec(1, 100))).params.pruneEvery, 100);
  assert.equal((await prepareExperiment(spec(0.25, 100))).params.pruneEvery, 25);
  assert.equal((await prepareExperiment(spec(0.001, 100))).params.pruneEvery, 1);
  assert.equal((await prepareExperiment(spec(0.25, 100))).params.channels, 12);
});
