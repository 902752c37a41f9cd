// spec.plainBaseline: a regularising method's experiment also trains the unpruned network without the
// regulariser (the seed's 'train' run), with the baseline's settings; the chain still prunes the
// regularised baseline, and the table shows both. Without it, the results say the baseline is regularised.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ValidationError } from '../../src-shared/errors.ts';
import { selectBackend } from '../../src-main/engine/backend/select-backend.ts';
import { readCheckpoint } from '../../src-main/engine/training/checkpoint.ts';
import { prepareExperiment } from '../../src-main/jobs/experiment-prepare.ts';
import { experimentResults } from '../../src-main/queries/experiment-results.ts';
import { createExperimentRecord, runExperiment } from '../../src-main/jobs/experiment-runner.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { listRuns } from '../../src-main/store/runs.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-plain-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const spec = (plainBaseline: boolean) => ({
  version: 1, name: 'slim', dataset: 'fashion-mnist-mini', arch: 'vgg_mini',
  method: { id: 'network_slimming', params: { percent: 0.3, sparsity: 1e-3 } }, regimes: ['finetune'], seeds: [1], plainBaseline,
  baseline: { epochs: 1, trainLimit: 128, testLimit: 100 }, finetune: { epochs: 1, trainLimit: 128, testLimit: 100 },
});

test('plainBaseline: the same network and settings without the regulariser, beside the regularised baseline', async () => {
  const dbPath = join(dir, 'plain.sqlite');
  const db = openDatabase(dbPath);
  const prepared = await prepareExperiment(spec(true));
  const experiment = createExperimentRecord(db, dbPath, prepared);
  await runExperiment(db, dbPath, experiment.id, prepared, { backend: await selectBackend('wasm'), threads: 1 });
  const runs = listRuns(db, { experimentId: experiment.id });
  assert.deepEqual(runs.map((r) => r.regime).sort(), ['baseline', 'finetune', 'train']);
  const baseline = runs.find((r) => r.regime === 'baseline')!;
  const plain = runs.find((r) => r.regime === 'train')!;
  const finetune = runs.find((r) => r.regime === 'finetune')!;
  assert.deepEqual(plain.config, baseline.config);
  assert.equal(plain.archSpecId, baseline.archSpecId);
  assert.equal(finetune.parentRunId, baseline.id, 'the chain prunes the regularised baseline');
  // Same seed, data order and initial weights: only the regulariser s·sign(γ) makes the BN scales differ.
  const gammas = (dirPath: string) => [...readCheckpoint(join(dirPath, 'last.ckpt')).weights].filter(([n]) => n.endsWith('.gamma'));
  const regularised = gammas(baseline.checkpointDir!);
  const normal = gammas(plain.checkpointDir!);
  const sumAbs = (g: typeof normal) => g.reduce((a, [, v]) => a + v.reduce((x, y) => x + Math.abs(y), 0), 0);
  assert.ok(sumAbs(regularised) < sumAbs(normal), `L1 sparsity should shrink Σ|γ|: ${sumAbs(regularised)} vs ${sumAbs(normal)}`);
  const results = experimentResults(db, experiment.id);
  assert.deepEqual(results.summary.map((s) => s.regime), ['baseline', 'train', 'finetune']);
  assert.equal(results.summary[1]!.paramReduction, null);
  assert.ok(!results.warnings.some((w) => /plainBaseline/.test(w)), results.warnings.join('\n'));
  db.close();
});

test('without plainBaseline the results say the baseline is the regularised network', async () => {
  const dbPath = join(dir, 'regularised.sqlite');
  const db = openDatabase(dbPath);
  const prepared = await prepareExperiment({ ...spec(false), regimes: ['scratch-e'] });
  const experiment = createExperimentRecord(db, dbPath, prepared);
  await runExperiment(db, dbPath, experiment.id, prepared, { backend: await selectBackend('wasm'), threads: 1 });
  const { warnings } = experimentResults(db, experiment.id);
  assert.ok(warnings.some((w) => /^the baseline row is the large network trained with the method's regulariser \(0\.001 · sign\(γ\)/.test(w) && /plainBaseline/.test(w)), warnings.join('\n'));
  db.close();
});

test('plainBaseline with a method that has no regulariser is refused, naming the field', async () => {
  await assert.rejects(
    prepareExperiment({ ...spec(true), method: { id: 'l1_norm', params: { ratio: 0.5 } } }),
    (e: unknown) => e instanceof ValidationError && /field 'plainBaseline': method 'l1_norm' trains its baseline without a regulariser already/.test(e.message),
  );
});
