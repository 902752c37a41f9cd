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
import { applyPlan, embedInBase, parsePlan } from '../../src-main/engine/pruning/apply-plan.ts';
import { analyseCost } from '../../src-main/engine/analysis/cost.ts';
import { resolveArch } from '../../src-main/engine/models/register-all.ts';
import { Rng } from '../../src-main/engine/random.ts';
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

test('structured (L1): each round keeps the same share of every layer, inside the last round\'s channels; the plan is the last round\'s', { timeout: 300_000 }, async () => {
  const dbPath = join(dir, 'l1.sqlite');
  const db = openDatabase(dbPath);
  const prepared = await prepareExperiment({
    version: 1, name: 'l1 rounds', dataset: 'fashion-mnist-mini', arch: 'vgg_mini',
    method: { id: 'l1_norm', params: { ratio: 0.75 } }, pruningRounds: 2, regimes: ['lottery', 'finetune'], seeds: [5],
    baseline: tiny, finetune: { ...tiny, lr: 1e-9 },
  });
  const experiment = createExperimentRecord(db, dbPath, prepared);
  await runExperiment(db, dbPath, experiment.id, prepared, { backend: await selectBackend('wasm'), threads: 1 });
  const runs = listRuns(db, { experimentId: experiment.id }).sort((a, b) => a.id - b.id);
  assert.deepEqual(runs.map((r) => `${r.regime}:${r.status}`), ['baseline:completed', 'round:completed', 'lottery:completed', 'finetune:completed']);
  const [, round1, lottery, finetune] = runs as [typeof runs[0], typeof runs[0], typeof runs[0], typeof runs[0]];
  const m = getMethod('l1_norm');
  const first = m.roundParams!({ ratio: 0.75 }, 1, 2).ratio as number;
  assert.ok(Math.abs(first - 0.5) < 1e-12, 'half of what is there, then half of what is left');
  // The round trained the network L1 at ratio 0.5 makes; the plan is ratio 0.75's.
  const round1Plan = m.plan(prepared.base, readCheckpoint(join(runs[0]!.checkpointDir!, 'last.ckpt')).weights, { ratio: first }, Rng.fromSeed(5, 'prune-round-1'));
  assert.deepEqual(JSON.parse(JSON.stringify(round1.params)), analyseCost(round1Plan.pruned).totals.params);
  const plan = parsePlan(JSON.parse(getPlanJson(db, experiment.id, 5)!));
  assert.deepEqual(plan.pruned, m.targetSpec!(prepared.base, { ratio: 0.75 }), 'the final widths are the asked ratio\'s');
  for (const [layer, kept] of Object.entries(plan.keep)) {
    const before = new Set(round1Plan.keep[layer]);
    for (const c of kept) assert.ok(before.has(c), `${layer}: channel ${c} was removed in round 1 and is kept after`);
  }
  assert.equal(lottery.params, finetune.params);
  // Fine-tuning starts from round 1's trained weights cut to the final channels (lr 1e-9: it ends where it began).
  const cut = applyPlan(plan, embedInBase(round1Plan, readCheckpoint(join(round1.checkpointDir!, 'last.ckpt')).weights));
  const tuned = readCheckpoint(join(finetune.checkpointDir!, 'last.ckpt')).weights;
  for (const [name, v] of cut) if (name.endsWith('.weight')) v.forEach((x, i) => assert.ok(Math.abs(x - tuned.get(name)![i]!) < 1e-6, `${name}[${i}]`));
  db.close();
});

test('embedInBase undoes a structured plan\'s surgery: cut again, the same weights (VGG, ResNet, PreResNet selections, DenseNet)', () => {
  for (const [id, method, params] of [['vgg_mini', 'l1_norm', { ratio: 0.5 }], ['resnet20', 'l1_norm', { ratio: 0.4 }], ['preresnet164', 'network_slimming', { percent: 0.5 }], ['densenet40', 'network_slimming', { percent: 0.4 }]] as const) {
    const spec = resolveArch(id);
    const w = initialWeights(spec, 2);
    for (const [n, v] of w) if (n.endsWith('.gamma')) { const r = Rng.fromSeed(3, n); v.forEach((_, i) => (v[i] = r.uniform())); }
    const plan = getMethod(method).plan(spec, w, params, Rng.fromSeed(1));
    const cut = applyPlan(plan, w);
    const embedded = embedInBase(plan, cut);
    assert.deepEqual([...embedded.keys()].sort(), [...w.keys()].sort(), id);
    const again = applyPlan(plan, embedded);
    for (const [name, v] of cut) assert.deepEqual(again.get(name), v, `${id} ${name}`);
    // What the plan removed is zero in the base shapes.
    const zeros = [...embedded.values()].reduce((n, v) => n + v.filter((x) => x === 0).length, 0);
    assert.ok(zeros > 0, id);
  }
});

test('a method without rounds, a target the rounds cannot split, or a baseline from given weights, is refused in one line', async () => {
  const spec = { version: 1, name: 'x', dataset: 'fashion-mnist-mini', arch: 'vgg_mini', regimes: ['lottery'], seeds: [1], pruningRounds: 3 };
  await assert.rejects(prepareExperiment({ ...spec, method: { id: 'network_slimming', params: {} } }), /^ValidationError: experiment: field 'pruningRounds': method 'network_slimming' prunes in one shot only \(iterative rounds: magnitude, l1_norm\); set it to 1 or leave it out$/);
  await assert.rejects(prepareExperiment({ ...spec, method: { id: 'l1_norm', params: { cfg: [8, 'M', 16, 'M', 16, 'M'] } } }), /^ValidationError: l1_norm params: iterative rounds need 'ratio', 'ratios' or 'stageRatios'/);
});
