// ThiNet fine-tuned between layers, through an experiment: the planning reports layers, is cancelled after
// one and resumed from its state file, and the finetune regime starts from the weights the planning ended
// with (the pruned network, rescaled and fine-tuned), not from the baseline's cut.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CancelledError } from '../../src-shared/errors.ts';
import { selectBackend } from '../../src-main/engine/backend/select-backend.ts';
import { applyPlan, parsePlan } from '../../src-main/engine/pruning/apply-plan.ts';
import { readCheckpoint } from '../../src-main/engine/training/checkpoint.ts';
import { prepareExperiment } from '../../src-main/jobs/experiment-prepare.ts';
import { createExperimentRecord, experimentDir, runExperiment } from '../../src-main/jobs/experiment-runner.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { getExperiment } from '../../src-main/store/experiments.ts';
import { getPlanJson } from '../../src-main/store/plans.ts';
import { listRuns } from '../../src-main/store/runs.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-thinet-ft-exp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('thinet with fine-tuning between layers: resumes after a cancel, and fine-tuning starts from the planning\'s weights', { timeout: 300_000 }, async () => {
  const dbPath = join(dir, 'thinet.sqlite');
  const db = openDatabase(dbPath);
  const prepared = await prepareExperiment({
    version: 1, name: 'thinet ft', dataset: 'fashion-mnist-mini', arch: 'vgg_mini',
    method: { id: 'thinet', params: { widthsFrom: { ratio: 0.5 }, images: 32, finetune: { batches: 4, batchSize: 32, lr: 0.01 } } },
    regimes: ['finetune', 'scratch-e'], seeds: [1],
    baseline: { epochs: 1, trainLimit: 256, testLimit: 100, batchSize: 64 },
    // So small a learning rate that the finetune run's conv weights stay where they started.
    finetune: { epochs: 1, trainLimit: 64, testLimit: 100, lr: 1e-9 },
  });
  const experiment = createExperimentRecord(db, dbPath, prepared);
  const exec = { backend: await selectBackend('wasm'), threads: 1 };
  const abort = new AbortController();
  const seen: string[] = [];
  await assert.rejects(runExperiment(db, dbPath, experiment.id, prepared, exec, {
    signal: abort.signal,
    onPlanning: (_seed, p) => {
      seen.push(`${p.done}/${p.total} ${p.unit}`);
      if (p.done === 1) abort.abort();
    },
  }), CancelledError);
  assert.equal(seen[0], '0/3 layers pruned');
  assert.equal(getExperiment(db, experiment.id).status, 'cancelled');
  assert.equal(getPlanJson(db, experiment.id, 1), null, 'no plan stored before the planning ends');

  const resumed: number[] = [];
  await runExperiment(db, dbPath, experiment.id, prepared, exec, { onPlanning: (_seed, p) => resumed.push(p.done) });
  assert.equal(resumed[0], 1, `resumed after the layer it had written: ${resumed.join(',')}`);
  assert.equal(resumed.at(-1), 3);
  assert.equal(getExperiment(db, experiment.id).status, 'completed');
  const runs = listRuns(db, { experimentId: experiment.id }).sort((a, b) => a.id - b.id);
  assert.deepEqual(runs.map((r) => `${r.regime}:${r.status}`), ['baseline:completed', 'finetune:completed', 'scratch-e:completed']);

  const plan = parsePlan(JSON.parse(getPlanJson(db, experiment.id, 1)!));
  assert.equal(plan.finetuneFrom, 'planning-pruned');
  const planning = readCheckpoint(join(experimentDir(dbPath, experiment.id), 'planning-seed-1.ckpt')).weights;
  const baseline = runs.find((r) => r.regime === 'baseline')!;
  const fromBaseline = applyPlan(plan, readCheckpoint(join(baseline.checkpointDir!, 'last.ckpt')).weights);
  const tuned = readCheckpoint(join(runs.find((r) => r.regime === 'finetune')!.checkpointDir!, 'last.ckpt')).weights;
  const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  for (const [name, v] of tuned) {
    if (name.endsWith('.weight')) assert.ok(maxDiff(v, planning.get(name)!) < 1e-6, `${name}: fine-tuning started from the planning's weights`);
  }
  assert.ok([...tuned].some(([name, v]) => name.endsWith('.weight') && maxDiff(v, fromBaseline.get(name)!) > 1e-4), 'and those are not the baseline\'s cut');
  db.close();
});
