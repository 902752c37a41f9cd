// Soft Filter Pruning through an experiment: the baseline trains with the epoch hook (it ends with the
// zeroed filters the plan then masks), fine-tuning and Scratch-E keep those filters at zero, and the runs
// count only the kept conv weights.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { selectBackend } from '../../src-main/engine/backend/select-backend.ts';
import { decodeMasks } from '../../src-main/engine/pruning/masks.ts';
import { parsePlan } from '../../src-main/engine/pruning/apply-plan.ts';
import { readCheckpoint } from '../../src-main/engine/training/checkpoint.ts';
import { prepareExperiment } from '../../src-main/jobs/experiment-prepare.ts';
import { createExperimentRecord, runExperiment } from '../../src-main/jobs/experiment-runner.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { getPlanJson } from '../../src-main/store/plans.ts';
import { listRuns } from '../../src-main/store/runs.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-sfp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('soft_filter: the baseline ends with the masked filters at zero; the pruned regimes keep them there', async () => {
  const dbPath = join(dir, 'sfp.sqlite');
  const db = openDatabase(dbPath);
  const prepared = await prepareExperiment({
    version: 1, name: 'sfp', dataset: 'fashion-mnist-mini', arch: 'resnet_mini',
    method: { id: 'soft_filter', params: { rate: 0.7 } }, regimes: ['finetune', 'scratch-e'], seeds: [1],
    baseline: { epochs: 2, trainLimit: 128, testLimit: 100 }, finetune: { epochs: 1, trainLimit: 128, testLimit: 100 },
  });
  const experiment = createExperimentRecord(db, dbPath, prepared);
  await runExperiment(db, dbPath, experiment.id, prepared, { backend: await selectBackend('wasm'), threads: 1 });
  const runs = listRuns(db, { experimentId: experiment.id });
  const masks = decodeMasks(parsePlan(JSON.parse(getPlanJson(db, experiment.id, 1)!)));
  let removed = 0;
  for (const run of runs) {
    const weights = readCheckpoint(join(run.checkpointDir!, 'last.ckpt')).weights;
    for (const [name, mask] of masks) {
      const w = weights.get(name)!;
      if (run.regime === 'baseline') removed += mask.length - mask.reduce((a, b) => a + b, 0);
      const leaked = w.findIndex((v, i) => mask[i] === 0 && v !== 0);
      assert.equal(leaked, -1, `${run.regime}: ${name}[${leaked}] is masked but non-zero`);
    }
  }
  assert.ok(removed > 0);
  const baseline = runs.find((r) => r.regime === 'baseline')!;
  const finetune = runs.find((r) => r.regime === 'finetune')!;
  assert.equal(finetune.params, baseline.params! - removed, 'only the kept conv weights count');
  db.close();
});
