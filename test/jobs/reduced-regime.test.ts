// The reduced regime in an experiment: per seed, the base narrowed uniformly to the pruned network's
// parameter count, trained from scratch with Scratch-B's compute budget, compared with fine-tuning.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ValidationError } from '../../src-shared/errors.ts';
import { analyseCost } from '../../src-main/engine/analysis/cost.ts';
import { selectBackend } from '../../src-main/engine/backend/select-backend.ts';
import { scratchBEpochs } from '../../src-main/engine/pruning/budget.ts';
import { getArchSpec } from '../../src-main/store/arch-specs.ts';
import { prepareExperiment } from '../../src-main/jobs/experiment-prepare.ts';
import { experimentResults } from '../../src-main/queries/experiment-results.ts';
import { createExperimentRecord, runExperiment } from '../../src-main/jobs/experiment-runner.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { listRuns } from '../../src-main/store/runs.ts';
import { sumOnlyGraph } from '../engine/pruning/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-reduced-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('reduced: a uniformly narrowed base near the pruned parameter count, with the Scratch-B budget', async () => {
  const dbPath = join(dir, 'reduced.sqlite');
  const db = openDatabase(dbPath);
  const prepared = await prepareExperiment({
    version: 1, name: 'reduced', dataset: 'fashion-mnist-mini', arch: 'vgg_mini',
    method: { id: 'l1_norm', params: { ratios: [0.25, 0.75, 0.75] } }, regimes: ['finetune', 'reduced'], seeds: [1],
    baseline: { epochs: 2, trainLimit: 128, testLimit: 100 }, finetune: { epochs: 1, trainLimit: 128, testLimit: 100 },
  });
  const experiment = createExperimentRecord(db, dbPath, prepared);
  await runExperiment(db, dbPath, experiment.id, prepared, { backend: await selectBackend('wasm'), threads: 1 });
  const runs = listRuns(db, { experimentId: experiment.id });
  const baseline = runs.find((r) => r.regime === 'baseline')!;
  const finetune = runs.find((r) => r.regime === 'finetune')!;
  const reduced = runs.find((r) => r.regime === 'reduced')!;
  assert.equal(reduced.archId, 'vgg_mini_reduced');
  assert.equal(reduced.parentRunId, baseline.id);
  const spec = getArchSpec(db, reduced.archSpecId).spec as unknown as { cfg: Array<number | 'M'> };
  assert.ok(Math.abs(reduced.params! - finetune.params!) / finetune.params! < 0.05, `${reduced.params} vs the pruned ${finetune.params}`);
  // Uniform: not the pruned cfg's uneven widths.
  const widths = spec.cfg.filter((v): v is number => v !== 'M');
  const ratios = widths.map((w, i) => w / [16, 32, 64][i]!);
  assert.ok(Math.max(...ratios) - Math.min(...ratios) < 0.1, `widths ${widths} are not a uniform narrowing`);
  assert.equal(reduced.epochsPlanned, scratchBEpochs(2, analyseCost(prepared.base).totals.flops, reduced.flops!));
  const row = experimentResults(db, experiment.id).summary.find((s) => s.regime === 'reduced')!;
  assert.ok(row.vsFinetune && 'verdict' in row.vsFinetune);
  db.close();
});

test("reduced on a network with neither uniform widths nor selections is refused before training, naming the field", async () => {
  const sumNet = sumOnlyGraph([28, 28, 1]);
  await assert.rejects(
    prepareExperiment({
      version: 1, name: 'x', dataset: 'fashion-mnist-mini', arch: sumNet, method: { id: 'magnitude', params: { percent: 0.5 } }, regimes: ['reduced'], seeds: [1],
    }),
    (e: unknown) => e instanceof ValidationError && /field 'regimes': 'reduced' narrows conv widths or channel selections uniformly, and this graph spec has none/.test(e.message),
    'refused in one line',
  );
});
