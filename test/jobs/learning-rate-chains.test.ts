// Several learning rates in one experiment (spec.learningRates; Liu et al. §6 compare the winning ticket with
// random initialisation at lr 0.1 and 0.01): each seed's whole chain — baseline, pruning round, plan, regimes —
// runs once per rate, at that rate except fine-tuning; the summary has a line per regime and rate, the verdicts
// compare within a rate, and the table by rate has a column per rate. Real training (vgg_mini on a few hundred
// Fashion-MNIST images); cancelled in the second chain and resumed, nothing of the first is redone.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CancelledError, ValidationError } from '../../src-shared/errors.ts';
import { runsInAll } from '../../src-shared/experiment-spec.ts';
import { selectBackend } from '../../src-main/engine/backend/select-backend.ts';
import { parsePlan } from '../../src-main/engine/pruning/apply-plan.ts';
import { decodeMasks } from '../../src-main/engine/pruning/masks.ts';
import { readCheckpoint } from '../../src-main/engine/training/checkpoint.ts';
import { prepareExperiment } from '../../src-main/jobs/experiment-prepare.ts';
import { createExperimentRecord, runExperiment } from '../../src-main/jobs/experiment-runner.ts';
import { experimentResults } from '../../src-main/queries/experiment-results.ts';
import { paperTable } from '../../src-main/queries/paper-table.ts';
import { summaryCsv } from '../../src-main/queries/export-csv.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { getPlanJson, listPlans } from '../../src-main/store/plans.ts';
import { listRuns } from '../../src-main/store/runs.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-lr-chains-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const tiny = { epochs: 1, trainLimit: 256, testLimit: 100, batchSize: 64, lr: 0.05 };
const spec = {
  version: 1, name: 'two rates', dataset: 'fashion-mnist-mini', arch: 'vgg_mini',
  method: { id: 'magnitude', params: { percent: 0.6 } }, pruningRounds: 2, learningRates: [0.1, 0.01],
  regimes: ['lottery', 'scratch-e', 'finetune'], seeds: [3],
  baseline: tiny, finetune: { ...tiny, lr: 0.002 },
};

test('a chain per seed and learning rate: every run but fine-tuning at its rate, a plan each, cancel and resume', { timeout: 300_000 }, async () => {
  const dbPath = join(dir, 'chains.sqlite');
  const db = openDatabase(dbPath);
  const prepared = await prepareExperiment(spec);
  assert.equal(runsInAll(prepared.spec), 10, '2 rates × (baseline, round 1, lottery, scratch-e, finetune)');
  const experiment = createExperimentRecord(db, dbPath, prepared);
  const exec = { backend: await selectBackend('wasm'), threads: 1 };
  const abort = new AbortController();
  const steps: string[] = [];
  await assert.rejects(runExperiment(db, dbPath, experiment.id, prepared, exec, {
    signal: abort.signal,
    onRunStart: (step) => {
      steps.push(`${step.index}/${step.total} ${step.regime}${step.round ?? ''} lr ${step.lr}`);
      if (step.lr === 0.01 && step.regime === 'round') abort.abort();
    },
  }), CancelledError);
  assert.deepEqual(steps, [
    '1/10 baseline lr 0.1', '2/10 round1 lr 0.1', '3/10 lottery lr 0.1', '4/10 scratch-e lr 0.1', '5/10 finetune lr 0.1',
    '6/10 baseline lr 0.01', '7/10 round1 lr 0.01',
  ]);
  const skipped: string[] = [];
  await runExperiment(db, dbPath, experiment.id, prepared, exec, { onRunSkipped: (step) => skipped.push(`${step.regime}@${step.lr}`) });
  assert.deepEqual(skipped, ['baseline@0.1', 'round@0.1', 'lottery@0.1', 'scratch-e@0.1', 'finetune@0.1', 'baseline@0.01'], 'the first chain and the finished baseline are not redone');

  const runs = listRuns(db, { experimentId: experiment.id }).sort((a, b) => a.id - b.id);
  assert.equal(runs.length, 10);
  assert.ok(runs.every((r) => r.status === 'completed'));
  for (const lr of [0.1, 0.01]) {
    const chain = runs.filter((r) => r.chainLr === lr);
    assert.deepEqual(chain.map((r) => r.regime), ['baseline', 'round', 'lottery', 'scratch-e', 'finetune']);
    for (const r of chain) assert.equal((r.config as { lr: number }).lr, r.regime === 'finetune' ? 0.002 : lr, `${r.regime} at lr ${lr}`);
    const [baseline, round] = chain as [typeof chain[0], typeof chain[0]];
    assert.equal(round.parentRunId, baseline.id, 'a round prunes its own chain\'s baseline');
    assert.ok(chain.slice(2).every((r) => r.parentRunId === round.id), 'the regimes start from their own chain\'s last round');
  }

  // A plan per chain, each from its own chain's trained weights: the masks differ between the rates.
  assert.deepEqual(listPlans(db, experiment.id).map((p) => `${p.seed}@${p.chainLr}`), ['3@0.1', '3@0.01']);
  assert.equal(getPlanJson(db, experiment.id, 3), null, 'no plan outside the chains');
  const masks = [0.1, 0.01].map((lr) => decodeMasks(parsePlan(JSON.parse(getPlanJson(db, experiment.id, 3, lr)!))));
  assert.ok([...masks[0]!].some(([name, m]) => m.some((v, i) => v !== masks[1]!.get(name)![i])), 'the two rates\' trained weights choose different masks');

  // Either rate's ticket trains under its own chain's mask: what the mask removed stays at zero.
  for (const [k, lr] of [0.1, 0.01].entries()) {
    const lottery = runs.find((r) => r.regime === 'lottery' && r.chainLr === lr)!;
    const trained = readCheckpoint(join(lottery.checkpointDir!, 'last.ckpt')).weights;
    for (const [name, mask] of masks[k]!) assert.ok(mask.every((keep, i) => keep === 1 || trained.get(name)![i] === 0), `lr ${lr}, ${name}: pruned weights stay at zero`);
  }

  const results = experimentResults(db, experiment.id);
  assert.deepEqual(results.summary.map((s) => `${s.regime}${s.round ?? ''}@${s.lr}`), [
    'baseline@0.1', 'round1@0.1', 'finetune@0.1', 'scratch-e@0.1', 'lottery@0.1',
    'baseline@0.01', 'round1@0.01', 'finetune@0.01', 'scratch-e@0.01', 'lottery@0.01',
  ]);
  for (const s of results.summary) assert.equal(s.seeds, 1, `${s.regime} lr ${s.lr}: one seed's run, not both rates'`);
  const lottery01 = results.summary.find((s) => s.regime === 'lottery' && s.lr === 0.01)!;
  const scratch01 = results.summary.find((s) => s.regime === 'scratch-e' && s.lr === 0.01)!;
  assert.ok(lottery01.vsRandomInit && 'difference' in lottery01.vsRandomInit, 'the ticket is compared with random init');
  assert.ok(Math.abs(lottery01.vsRandomInit.difference - (lottery01.accMean! - scratch01.accMean!)) < 1e-9, 'within its own rate');
  assert.deepEqual(results.byRate?.rates, [0.1, 0.01]);
  assert.deepEqual(results.byRate?.rows.map((r) => `${r.regime}${r.round ?? ''}`), ['baseline', 'round1', 'finetune', 'scratch-e', 'lottery']);
  const lotteryRow = results.byRate!.rows.find((r) => r.regime === 'lottery')!;
  assert.deepEqual(lotteryRow.cells.map((c) => c?.accMean), [0.1, 0.01].map((lr) => results.summary.find((s) => s.regime === 'lottery' && s.lr === lr)!.accMean));

  // The paper table: a row per rate; the CSV names each line's rate.
  assert.deepEqual(paperTable(db, [experiment.id]).map((r) => `${r.lr}:${r.pruned}`), ['0.1:60% · lr 0.1', '0.01:60% · lr 0.01']);
  assert.match(summaryCsv(results).split('\n')[0]!, /^experiment_id,regime,round,lr,/);
  db.close();
});

test('learningRates: at least two, none repeated; not with a baseline used as trained', async () => {
  await assert.rejects(prepareExperiment({ ...spec, learningRates: [0.1] }), /learningRates/);
  await assert.rejects(prepareExperiment({ ...spec, learningRates: [0.1, 0.1] }), /must not repeat/);
  await assert.rejects(prepareExperiment({ ...spec, learningRates: [0.1, -1] }), /learningRates/);
  const prepared = await prepareExperiment({ ...spec, learningRates: null });
  assert.equal(runsInAll(prepared.spec), 5, 'null: one chain per seed');
  assert.equal(prepared.configFor('scratch-e', 3).lr, 0.05, 'at the baseline\'s own rate');
  assert.equal(prepared.configFor('scratch-e', 3, 0.2).lr, 0.2);
  assert.equal(prepared.configFor('finetune', 3, 0.2).lr, 0.002, 'fine-tuning keeps its rate');
  await assert.rejects(
    prepareExperiment({ ...spec, pruningRounds: 1, baselineWeights: join(dir, 'none.ckpt'), baselineTrained: true }),
    (e: unknown) => e instanceof ValidationError && /learningRates.*baselineTrained|baselineTrained.*learningRates/.test(e.message),
  );
});
