// Sparse Structure Selection through an experiment: the baseline trains the scaled network (a λ per residual
// block, APG on λ), the plan removes the blocks whose λ reached 0, and both the fine-tuned network (from the
// baseline, the kept λ folded in: the pruning suite's oracle checks that fold) and Scratch-E train the
// shallower network with no scales.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { selectBackend } from '../../src-main/engine/backend/select-backend.ts';
import { parsePlan } from '../../src-main/engine/pruning/apply-plan.ts';
import { readCheckpoint } from '../../src-main/engine/training/checkpoint.ts';
import { prepareExperiment } from '../../src-main/jobs/experiment-prepare.ts';
import { createExperimentRecord, runExperiment } from '../../src-main/jobs/experiment-runner.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { getPlanJson } from '../../src-main/store/plans.ts';
import { listRuns } from '../../src-main/store/runs.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-sss-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('sparse_structure_selection: scaled baseline, λ driven to 0, a shallower network fine-tuned and from scratch', { timeout: 300_000 }, async () => {
  const dbPath = join(dir, 'sss.sqlite');
  const db = openDatabase(dbPath);
  // γ = 0.5 at lr 0.1 takes 0.05 off every λ per step unless its gradient holds it up: in 2 × 8 steps some reach 0.
  const prepared = await prepareExperiment({
    version: 1, name: 'sss', dataset: 'fashion-mnist-mini', arch: 'resnet_mini',
    method: { id: 'sparse_structure_selection', params: { gamma: 0.5 } }, regimes: ['finetune', 'scratch-e'], seeds: [1],
    baseline: { epochs: 2, trainLimit: 512, testLimit: 100, batchSize: 64 }, finetune: { epochs: 1, trainLimit: 128, testLimit: 100 },
  });
  assert.equal((prepared.base as { blockScales?: boolean }).blockScales, true);
  assert.equal((prepared.plain as { blockScales?: boolean }).blockScales, undefined);
  const experiment = createExperimentRecord(db, dbPath, prepared);
  await runExperiment(db, dbPath, experiment.id, prepared, { backend: await selectBackend('wasm'), threads: 1 });
  const runs = listRuns(db, { experimentId: experiment.id });
  assert.deepEqual(runs.map((r) => r.status), ['completed', 'completed', 'completed']);
  const plan = parsePlan(JSON.parse(getPlanJson(db, experiment.id, 1)!));
  const baseline = runs.find((r) => r.regime === 'baseline')!;
  const trained = readCheckpoint(join(baseline.checkpointDir!, 'last.ckpt')).weights;
  const lambdas = [...trained].filter(([n]) => n.endsWith('.lambda.scale')).map(([n, v]) => [n, v[0]!] as const);
  assert.equal(lambdas.length, 6);
  assert.ok(lambdas.every(([, v]) => v >= 0), JSON.stringify(lambdas));
  const flags = (plan.pruned as unknown as { residual?: boolean[] }).residual ?? [];
  assert.deepEqual(flags, lambdas.map(([, v]) => v > 0), 'removed exactly the blocks whose λ is 0');
  assert.ok(flags.includes(false), `some λ reached 0: ${JSON.stringify(lambdas)}`);
  const finetune = runs.find((r) => r.regime === 'finetune')!;
  const scratch = runs.find((r) => r.regime === 'scratch-e')!;
  for (const run of [finetune, scratch]) {
    const names = [...readCheckpoint(join(run.checkpointDir!, 'last.ckpt')).weights.keys()];
    assert.ok(!names.some((n) => n.endsWith('.scale')), `${run.regime} trains no scales`);
    assert.ok(run.params! < baseline.params!, `${run.regime}: ${run.params} < ${baseline.params}`);
  }
  db.close();
});
