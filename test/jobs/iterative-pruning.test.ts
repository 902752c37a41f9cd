// Iterative magnitude pruning with rewinding (Frankle & Carbin; Liu et al. §6, iterative): k rounds, each
// removing the same fraction of what the last left, chosen from the weights the last round trained; each
// round trains from the baseline's own initial values under its mask; the final mask is the plan the
// regimes train. Real training (vgg_mini, a few hundred Fashion-MNIST images), so the masks are chosen
// from weights training moved.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CancelledError } from '../../src-shared/errors.ts';
import { selectBackend } from '../../src-main/engine/backend/select-backend.ts';
import { convWeightParams, initialWeights } from '../../src-main/engine/models/build.ts';
import { parsePlan } from '../../src-main/engine/pruning/apply-plan.ts';
import { decodeMasks } from '../../src-main/engine/pruning/masks.ts';
import { getMethod } from '../../src-main/engine/pruning/methods/register-all.ts';
import { readCheckpoint } from '../../src-main/engine/training/checkpoint.ts';
import { prepareExperiment } from '../../src-main/jobs/experiment-prepare.ts';
import { createExperimentRecord, runExperiment } from '../../src-main/jobs/experiment-runner.ts';
import { experimentResults } from '../../src-main/queries/experiment-results.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { getPlanJson } from '../../src-main/store/plans.ts';
import { listRuns } from '../../src-main/store/runs.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-iterative-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PERCENT = 0.8;
const ROUNDS = 3;
const tiny = { epochs: 1, trainLimit: 256, testLimit: 100, batchSize: 64 };

test('magnitude\'s rounds remove the same fraction of what is left each time', () => {
  const m = getMethod('magnitude');
  const at = (i: number) => m.roundParams!({ percent: PERCENT }, i, ROUNDS).percent as number;
  assert.ok(Math.abs(at(1) - (1 - 0.2 ** (1 / 3))) < 1e-12);
  assert.ok(Math.abs(at(2) - (1 - 0.2 ** (2 / 3))) < 1e-12);
  assert.equal(at(3), PERCENT, 'the last round is the asked amount, exactly');
  assert.ok(Math.abs((1 - at(2)) / (1 - at(1)) - (1 - at(1))) < 1e-12, 'each keeps the same fraction of what the last kept');
});

test('three rounds reach each asked sparsity within 0.5%, masks nested, each round from the initial values; cancel and resume', { timeout: 300_000 }, async () => {
  const dbPath = join(dir, 'iterative.sqlite');
  const db = openDatabase(dbPath);
  const prepared = await prepareExperiment({
    version: 1, name: 'iterative', dataset: 'fashion-mnist-mini', arch: 'vgg_mini',
    method: { id: 'magnitude', params: { percent: PERCENT } }, pruningRounds: ROUNDS,
    regimes: ['lottery', 'scratch-e', 'finetune'], seeds: [4],
    baseline: tiny, finetune: { ...tiny, lr: 1e-9 },
  });
  const experiment = createExperimentRecord(db, dbPath, prepared);
  const exec = { backend: await selectBackend('wasm'), threads: 1 };
  // Cancelled as round 2 starts: round 1 is kept, round 2 is run again on resume.
  const abort = new AbortController();
  const steps: string[] = [];
  await assert.rejects(runExperiment(db, dbPath, experiment.id, prepared, exec, {
    signal: abort.signal,
    onRunStart: (step) => {
      steps.push(`${step.index}/${step.total} ${step.regime}${step.round ?? ''}`);
      if (step.round === 2) abort.abort();
    },
  }), CancelledError);
  assert.deepEqual(steps, ['1/6 baseline', '2/6 round1', '3/6 round2']);
  await runExperiment(db, dbPath, experiment.id, prepared, exec);
  const runs = listRuns(db, { experimentId: experiment.id }).sort((a, b) => a.id - b.id);
  assert.deepEqual(runs.map((r) => `${r.regime}:${r.status}`), ['baseline:completed', 'round:completed', 'round:completed', 'lottery:completed', 'scratch-e:completed', 'finetune:completed']);
  const [baseline, round1, round2, lottery, , finetune] = runs as [typeof runs[0], typeof runs[0], typeof runs[0], typeof runs[0], typeof runs[0], typeof runs[0]];
  assert.equal(round1.parentRunId, baseline.id);
  assert.equal(round2.parentRunId, round1.id);
  assert.equal(lottery.parentRunId, round2.id);

  const convs = new Set(convWeightParams(prepared.base).map((p) => p.name));
  const weightsOf = (run: typeof runs[0]) => readCheckpoint(join(run.checkpointDir!, 'last.ckpt')).weights;
  /** Fraction of conv weights exactly 0 (masked weights stay 0 through training; trained ones never land on 0). */
  const sparsity = (w: Map<string, Float32Array>): number => {
    let zeros = 0;
    let total = 0;
    for (const [name, v] of w) if (convs.has(name)) { total += v.length; zeros += v.filter((x) => x === 0).length; }
    return zeros / total;
  };
  const m = getMethod('magnitude');
  const target = (i: number) => m.roundParams!({ percent: PERCENT }, i, ROUNDS).percent as number;
  assert.ok(Math.abs(sparsity(weightsOf(round1)) - target(1)) < 0.005, `round 1: ${sparsity(weightsOf(round1))} vs ${target(1)}`);
  assert.ok(Math.abs(sparsity(weightsOf(round2)) - target(2)) < 0.005, `round 2: ${sparsity(weightsOf(round2))} vs ${target(2)}`);
  const plan = parsePlan(JSON.parse(getPlanJson(db, experiment.id, 4)!));
  const masks = decodeMasks(plan);
  let kept = 0;
  let total = 0;
  for (const [name, mask] of masks) {
    total += mask.length;
    kept += mask.reduce((a, b) => a + b, 0);
    // Nested: what round 2 trained as 0 stays pruned.
    const r2 = weightsOf(round2).get(name)!;
    mask.forEach((bit, i) => { if (r2[i] === 0) assert.equal(bit, 0, `${name}[${i}] was pruned in round 2 and is kept after`); });
  }
  assert.ok(Math.abs(1 - kept / total - PERCENT) < 0.005, `final: ${1 - kept / total}`);
  assert.ok(Math.abs(sparsity(weightsOf(lottery)) - PERCENT) < 0.005);

  // The fine-tuned regime starts from the last round's trained weights under the final mask (lr 1e-9: it ends where it began).
  const tuned = weightsOf(finetune);
  const r2 = weightsOf(round2);
  for (const [name, mask] of masks) {
    const t = tuned.get(name)!;
    mask.forEach((bit, i) => assert.ok(Math.abs(t[i]! - (bit ? r2.get(name)![i]! : 0)) < 1e-6, `${name}[${i}]`));
  }

  const summary = experimentResults(db, experiment.id).summary;
  assert.deepEqual(summary.map((s) => `${s.regime}${s.round ?? ''}`), ['baseline', 'round1', 'round2', 'finetune', 'scratch-e', 'lottery']);
  assert.ok(summary[1]!.params! > summary[2]!.params! && summary[2]!.params! > summary[3]!.params!, 'each round leaves fewer weights');
  db.close();
});

test('each round trains from the baseline\'s own initial values under its mask (rewinding)', { timeout: 300_000 }, async () => {
  const dbPath = join(dir, 'rewind.sqlite');
  const db = openDatabase(dbPath);
  // A learning rate too small to move the weights: each run's convs still show where it started.
  const still = { ...tiny, lr: 1e-9 };
  const prepared = await prepareExperiment({
    version: 1, name: 'rewind', dataset: 'fashion-mnist-mini', arch: 'vgg_mini',
    method: { id: 'magnitude', params: { percent: 0.5 } }, pruningRounds: 2, regimes: ['lottery'], seeds: [9], baseline: still, finetune: still,
  });
  const experiment = createExperimentRecord(db, dbPath, prepared);
  await runExperiment(db, dbPath, experiment.id, prepared, { backend: await selectBackend('wasm'), threads: 1 });
  const [, round1, lottery] = listRuns(db, { experimentId: experiment.id }).sort((a, b) => a.id - b.id);
  const init = initialWeights(prepared.base, 9);
  for (const run of [round1!, lottery!]) {
    const w = readCheckpoint(join(run.checkpointDir!, 'last.ckpt')).weights;
    for (const p of convWeightParams(prepared.base)) {
      const got = w.get(p.name)!;
      const want = init.get(p.name)!;
      got.forEach((v, i) => assert.ok(v === 0 || Math.abs(v - want[i]!) < 1e-6, `${run.regime} ${p.name}[${i}]: ${v} is neither pruned nor its initial ${want[i]}`));
    }
  }
  db.close();
});

test('a method without rounds, or a baseline from given weights, is refused in one line', async () => {
  const spec = { version: 1, name: 'x', dataset: 'fashion-mnist-mini', arch: 'vgg_mini', regimes: ['lottery'], seeds: [1], pruningRounds: 3 };
  await assert.rejects(prepareExperiment({ ...spec, method: { id: 'l1_norm', params: { ratio: 0.5 } } }), /^ValidationError: experiment: field 'pruningRounds': method 'l1_norm' prunes in one shot only \(iterative rounds: magnitude\); set it to 1 or leave it out$/);
});
