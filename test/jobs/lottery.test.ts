// The lottery regime: the pruned network starts from the baseline's own initial values of what it keeps
// (structured: the kept channels; unstructured: the kept weights, the rest masked to 0) — not from a fresh
// draw, which is Scratch-E's — and the table compares it with Scratch-E (random initialisation).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { selectBackend } from '../../src-main/engine/backend/select-backend.ts';
import { initialWeights } from '../../src-main/engine/models/build.ts';
import { resolveArch } from '../../src-main/engine/models/register-all.ts';
import { winningTicket } from '../../src-main/engine/pruning/lottery.ts';
import { decodeMasks } from '../../src-main/engine/pruning/masks.ts';
import { getMethod } from '../../src-main/engine/pruning/methods/register-all.ts';
import { Rng } from '../../src-main/engine/random.ts';
import { readCheckpoint } from '../../src-main/engine/training/checkpoint.ts';
import { prepareExperiment } from '../../src-main/jobs/experiment-prepare.ts';
import { experimentResults } from '../../src-main/queries/experiment-results.ts';
import { createExperimentRecord, runExperiment } from '../../src-main/jobs/experiment-runner.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { listRuns } from '../../src-main/store/runs.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-lottery-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('structured: each kept channel of every conv starts at the baseline\'s initial value of that channel', () => {
  const spec = resolveArch('vgg_mini');
  const init = initialWeights(spec, 7);
  const plan = getMethod('l1_norm').plan(spec, init, { ratio: 0.5 }, Rng.fromSeed(1));
  const ticket = winningTicket(plan, 7);
  const keep = plan.keep!;
  const [k, , cin, cout] = [3, 3, 1, 16];
  const kept = keep['features.0']!;
  assert.equal(kept.length, 8);
  const w = init.get('features.0.weight')!;
  const t = ticket.get('features.0.weight')!;
  for (let p = 0; p < k * k * cin; p++) kept.forEach((c, j) => assert.equal(t[p * kept.length + j], w[p * cout + c]));
  assert.deepEqual([...ticket.get('features.1.gamma')!], kept.map((c) => init.get('features.1.gamma')![c]!));
  // A fresh draw for the pruned architecture (Scratch-E's start) is another network.
  const fresh = initialWeights(plan.pruned, 7).get('features.0.weight')!;
  assert.notDeepEqual([...fresh], [...t]);
});

test('unstructured: kept weights at their initial values, pruned ones 0', () => {
  const spec = resolveArch('vgg_mini');
  const trained = initialWeights(spec, 99); // any weights to prune by
  const plan = getMethod('magnitude').plan(spec, trained, { percent: 0.6 }, Rng.fromSeed(1));
  const ticket = winningTicket(plan, 3);
  const init = initialWeights(spec, 3);
  for (const [name, mask] of decodeMasks(plan)) {
    const t = ticket.get(name)!;
    const w = init.get(name)!;
    mask.forEach((m, i) => assert.equal(t[i], m ? w[i] : 0, `${name}[${i}]`));
  }
});

test('an experiment with the lottery regime: from the ticket, beside Scratch-E, with the ticket-vs-random verdict', async () => {
  const dbPath = join(dir, 'lottery.sqlite');
  const db = openDatabase(dbPath);
  // A learning rate too small to move the weights: after training, each run's convs still show where it started.
  const prepared = await prepareExperiment({
    version: 1, name: 'lottery', dataset: 'fashion-mnist-mini', arch: 'vgg_mini',
    method: { id: 'l1_norm', params: { ratio: 0.5 } }, regimes: ['scratch-e', 'lottery'], seeds: [1, 2],
    baseline: { epochs: 1, trainLimit: 128, testLimit: 100, lr: 1e-12, weightDecay: 0 },
  });
  const experiment = createExperimentRecord(db, dbPath, prepared);
  await runExperiment(db, dbPath, experiment.id, prepared, { backend: await selectBackend('wasm'), threads: 1 });
  const runs = listRuns(db, { experimentId: experiment.id });
  for (const seed of [1, 2]) {
    const of = (regime: string) => runs.find((r) => r.regime === regime && r.seed === seed)!;
    const weights = (regime: string) => readCheckpoint(join(of(regime).checkpointDir!, 'last.ckpt')).weights.get('features.4.weight')!;
    const baselineStart = initialWeights(prepared.base, seed).get('features.4.weight')!;
    const keep = getMethod('l1_norm').plan(prepared.base, readCheckpoint(join(of('baseline').checkpointDir!, 'last.ckpt')).weights, { ratio: 0.5 }, Rng.fromSeed(seed)).keep!;
    const [kin, kout] = [keep['features.0']!, keep['features.4']!];
    const lottery = weights('lottery');
    let worst = 0;
    for (let p = 0; p < 9; p++) kin.forEach((ci, a) => kout.forEach((co, b) => {
      worst = Math.max(worst, Math.abs(lottery[(p * kin.length + a) * kout.length + b]! - baselineStart[(p * 16 + ci) * 32 + co]!));
    }));
    assert.ok(worst < 1e-6, `seed ${seed}: the lottery run did not start from the baseline's initial weights (max difference ${worst})`);
    assert.ok(weights('scratch-e').some((v, i) => Math.abs(v - lottery[i]!) > 1e-3), `seed ${seed}: Scratch-E should start from a fresh draw`);
    assert.equal(of('lottery').epochsPlanned, of('scratch-e').epochsPlanned, "the ticket trains for the baseline's epochs, as Scratch-E");
  }
  const row = experimentResults(db, experiment.id).summary.find((s) => s.regime === 'lottery')!;
  assert.equal(row.vsFinetune, null);
  assert.ok(row.vsRandomInit && /^(equivalent|inconclusive|winning ticket better|random init better)/.test(row.vsRandomInit.verdict), JSON.stringify(row.vsRandomInit));
  db.close();
});
