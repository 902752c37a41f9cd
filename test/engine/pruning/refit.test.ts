// The regression method's reconstruction (refit.ts): a reader refitted on its kept inputs by least squares.
// Hand-computable: where a removed channel duplicates a kept one, the refit adds the removed channel's weights to
// the kept one's and the cut network computes the un-pruned network's outputs exactly. Then the method: it refits
// by default, hands the refitted weights on as the planning's (finetuneFrom), reconstructs the un-pruned network's
// logits better than one factor per channel, resumes after a cancel bit-identically, and refuses what it cannot do.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CancelledError, ValidationError } from '../../../src-shared/errors.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { ridgeSolve, ridgeSolveMany } from '../../../src-main/engine/pruning/least-squares.ts';
import { applyPlan, parsePlan } from '../../../src-main/engine/pruning/apply-plan.ts';
import { planPruning } from '../../../src-main/engine/pruning/method.ts';
import { channelRegression } from '../../../src-main/engine/pruning/methods/channel-regression.ts';
import { unitReaders, type ChannelReader } from '../../../src-main/engine/pruning/readers.ts';
import { refitReaders } from '../../../src-main/engine/pruning/refit.ts';
import { targetUnits } from '../../../src-main/engine/pruning/widths.ts';
import { resolveArch } from '../../../src-main/engine/models/register-all.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { readCheckpoint } from '../../../src-main/engine/training/checkpoint.ts';
import { evalLogits, randomImages, randomInput, randomWeights, relativeError } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-refit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await selectBackend('cpu');
});

test('several right-hand sides solve as each one alone', () => {
  const rng = Rng.fromSeed(31);
  const [n, m] = [5, 3];
  const x = Array.from({ length: 12 }, () => Array.from({ length: n }, () => rng.normal()));
  const ys = Array.from({ length: 12 }, () => Array.from({ length: m }, () => rng.normal()));
  const gram = new Float64Array(n * n);
  const rhs = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) gram[i * n + j] = x.reduce((s, row) => s + row[i]! * row[j]!, 0);
    for (let c = 0; c < m; c++) rhs[i * m + c] = x.reduce((s, row, r) => s + row[i]! * ys[r]![c]!, 0);
  }
  const prior = Float64Array.from({ length: n * m }, () => rng.normal());
  const all = ridgeSolveMany(gram, rhs, n, m, 0.3, prior);
  for (let c = 0; c < m; c++) {
    const one = ridgeSolve(gram, Float64Array.from({ length: n }, (_, i) => rhs[i * m + c]!), n, 0.3, Float64Array.from({ length: n }, (_, i) => prior[i * m + c]!));
    for (let i = 0; i < n; i++) assert.ok(Math.abs(one[i]! - all[i * m + c]!) < 1e-12, `column ${c}, row ${i}`);
  }
});

test('a removed channel that duplicates a kept one: the refit adds its weights to the kept one\'s, and the cut network computes the un-pruned outputs', async () => {
  const spec = resolveArch('vgg_mini');
  const weights = randomWeights(spec, 5);
  const unit = targetUnits(spec)[0]!;
  const half = unit.width / 2;
  // Channels half..width-1 are copies of 0..half-1: the same filter, bias and BN.
  for (const name of [`${unit.layer}.weight`, `${unit.layer}.bias`, `${unit.bn}.gamma`, `${unit.bn}.beta`, `${unit.bn}.running_mean`, `${unit.bn}.running_var`]) {
    const v = weights.get(name);
    if (!v) continue;
    for (let i = 0; i < v.length; i++) if (i % unit.width >= half) v[i] = v[i - half]!;
  }
  const readers = unitReaders(spec, [unit]).get(unit.layer) as ChannelReader[];
  assert.ok(Array.isArray(readers) && readers.length === 1 && readers[0]!.kind === 'conv');
  const reader = readers[0]!.layer;
  // 32 images × 8 positions: 256 rows for the reader's 9 × 8 kept inputs.
  const removed = new Set(Array.from({ length: half }, (_, i) => half + i));
  const net = { spec, weights };
  const refitted = await refitReaders('channel_regression', net, net, readers, removed, Int32Array.from({ length: 32 }, (_, i) => i), 8, Rng.fromSeed(3), randomImages(spec, 32));
  const [before, now] = [weights.get(`${reader}.weight`)!, refitted.get(`${reader}.weight`)!];
  const out = before.length / (9 * unit.width);
  let worst = 0;
  for (let kk = 0; kk < 9; kk++) {
    for (let c = 0; c < half; c++) {
      for (let o = 0; o < out; o++) {
        const at = (kk * unit.width + c) * out + o;
        worst = Math.max(worst, Math.abs(now[at]! - (before[at]! + before[at + half * out]!)));
      }
    }
  }
  assert.ok(worst < 1e-3, `kept weights are the sums of the pairs (worst difference ${worst})`);
  for (const [k, v] of weights) if (k !== `${reader}.weight`) assert.equal(refitted.get(k), v, `${k} untouched`);
  const plan = parsePlan({
    version: 1, method: 'channel_regression', params: {}, kind: 'structured', base: spec, pruned: { ...spec, cfg: [half, ...(spec.cfg as Array<number | 'M'>).slice(1)] },
    keep: { [unit.layer]: Array.from({ length: half }, (_, i) => i) },
  });
  const x = randomInput(spec, 4, 9);
  const full = await evalLogits(spec, weights, x);
  const refitError = relativeError(await evalLogits(plan.pruned, applyPlan(plan, refitted), x), full);
  const cutError = relativeError(await evalLogits(plan.pruned, applyPlan(plan, weights), x), full);
  x.dispose();
  assert.ok(refitError < 1e-4, `refitted: the un-pruned logits (relative error ${refitError})`);
  assert.ok(cutError > 0.01, `only cut: other logits (relative error ${cutError})`);
});

const spec = resolveArch('vgg_mini');
const weights = randomWeights(spec, 6);
// 64 images × 8 positions: 512 rows, more than the widest reader's 9 × 16 kept inputs.
const params = { widthsFrom: { ratio: 0.5 }, images: 64, locations: 8 };
const plan = (p: Record<string, unknown>, data: Parameters<typeof planPruning>[5]) => planPruning(channelRegression, spec, weights, p, Rng.fromSeed(2, 'prune'), data);
const bits = (w: Map<string, Float32Array>): string[] => [...w].map(([k, v]) => `${k}:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}`);

test('channel_regression refits by default: its weights are the planning\'s, and they reconstruct the logits better than one factor per channel (less than half the error)', async () => {
  const statePath = join(dir, 'refit.ckpt');
  const reports: string[] = [];
  const p = parsePlan(await plan(params, { ...randomImages(spec, 64), statePath, onProgress: (r) => reports.push(r.info) }));
  assert.equal(p.finetuneFrom, 'planning-pruned');
  assert.equal(p.rescale, undefined, 'a refit replaces the factors');
  assert.ok(reports.slice(1).every((r) => r.endsWith('readers refitted')), reports.join('; '));
  const refitted = readCheckpoint(statePath).weights;
  const factors = parsePlan(await plan({ ...params, refit: false }, randomImages(spec, 64)));
  assert.equal(factors.finetuneFrom, undefined);
  assert.ok(factors.rescale, 'without refit, one factor per kept channel');
  const x = randomInput(spec, 8, 11);
  const full = await evalLogits(spec, weights, x);
  const refitError = relativeError(await evalLogits(p.pruned, refitted, x), full);
  const factorError = relativeError(await evalLogits(factors.pruned, applyPlan(factors, weights), x), full);
  x.dispose();
  assert.ok(refitError < factorError / 2, `refit ${refitError} vs factors ${factorError}`);
  // No state file (pwb prune): the same choices, no weights to hand on.
  const bare = parsePlan(await plan(params, randomImages(spec, 64)));
  assert.equal(bare.finetuneFrom, undefined);
  assert.deepEqual(bare.keep, p.keep);
});

test('cancelled after a layer and resumed, the refitting planning ends bit-identical to one run straight through', async () => {
  const straightPath = join(dir, 'straight.ckpt');
  const straight = await plan(params, { ...randomImages(spec, 64), statePath: straightPath });
  const statePath = join(dir, 'resume.ckpt');
  const abort = new AbortController();
  await assert.rejects(
    plan(params, { ...randomImages(spec, 64), statePath, signal: abort.signal, onProgress: (r) => { if (r.done === 1) abort.abort(); } }),
    (e: unknown) => e instanceof CancelledError && /cancelled while pruning \(1 of \d+ layers pruned\)/.test(e.message),
  );
  assert.equal((readCheckpoint(statePath).planning as { layers: number }).layers, 1, 'the state holds the first layer');
  const resumed = await plan(params, { ...randomImages(spec, 64), statePath });
  assert.deepEqual(resumed, straight);
  assert.deepEqual(bits(readCheckpoint(statePath).weights), bits(readCheckpoint(straightPath).weights));
});

test('a refit without layerByLayer is refused in one line', async () => {
  await assert.rejects(plan({ ...params, layerByLayer: false }, randomImages(spec, 64)), (e: unknown) =>
    e instanceof ValidationError && /^channel_regression params\.refit: refitting the readers layer by layer needs layerByLayer \(leave it on, or set refit to false\)$/.test(e.message));
  const p = parsePlan(await plan({ ...params, layerByLayer: false, refit: false }, randomImages(spec, 64)));
  assert.ok(p.rescale);
});
