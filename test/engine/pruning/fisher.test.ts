// Fisher pruning (fisher.ts, methods/fisher-pruning.ts): the signal's formula on a hand case; a gate's
// gradient is the loss's sensitivity to the channel (finite differences); the channel whose activation–
// gradient product is zero goes first; a loop cancelled and resumed from its state ends exactly as one
// run straight through; the plan hands fine-tuning the loop's weights; bad params are one line.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { CancelledError, ValidationError } from '../../../src-shared/errors.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { Model } from '../../../src-main/engine/models/model.ts';
import { resolveArch } from '../../../src-main/engine/models/register-all.ts';
import { fisherPrune, fisherSignal, gatedUnits, nextRemoval, type FisherSchedule } from '../../../src-main/engine/pruning/fisher.ts';
import { parseParams, planPruning, type PlanningData } from '../../../src-main/engine/pruning/method.ts';
import { fisherPruning } from '../../../src-main/engine/pruning/methods/fisher-pruning.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import * as tf from '../../../src-main/engine/tf.ts';
import { readCheckpoint } from '../../../src-main/engine/training/checkpoint.ts';
import { crossEntropy } from '../../../src-main/engine/training/step.ts';
import { TEST_SPECS, randomImages, randomWeights } from './helpers.ts';

const bytes = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
const spec = (): ArchSpec => structuredClone(TEST_SPECS.vgg.find((s) => s.label.startsWith('weight-level'))!.spec);
const schedule = (over: Partial<FisherSchedule> = {}): FisherSchedule => ({
  remove: 4, pruneEvery: 2, lr: 0.01, momentum: 0.9, weightDecay: 5e-4, batchSize: 4, flopsWeight: 0, ...over,
});

let dir: string;
before(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'pwb-fisher-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the Fisher signal', () => {
  test('0.5 · mean over the batch of Δ², per channel', () => {
    // Δ = [[1, 2], [3, 0]]: channel 0 0.5·(1 + 9)/2 = 2.5, channel 1 0.5·(4 + 0)/2 = 1.
    assert.deepEqual([...fisherSignal([1, 2, 3, 0], 2, 2)], [2.5, 1]);
  });

  test('the smallest active channel of a unit that can lose one; none when every unit is down to one', () => {
    const scores = [Float64Array.from([0.5, 0.1]), Float64Array.from([0.05, 0.3, 0.2])];
    assert.deepEqual(nextRemoval(scores, [Uint8Array.from([1, 1]), Uint8Array.from([1, 1, 1])]), [1, 0]);
    assert.deepEqual(nextRemoval(scores, [Uint8Array.from([1, 1]), Uint8Array.from([0, 1, 1])]), [0, 1]);
    assert.deepEqual(nextRemoval(scores, [Uint8Array.from([1, 0]), Uint8Array.from([0, 1, 0])]), null);
  });

  test("a gate's gradient is the loss's change with the channel's scale (central differences)", async () => {
    const s = spec();
    const model = Model.fromWeights(s, randomWeights(s, 4));
    const unit = gatedUnits(s)[1]!;
    const n = 3;
    const x = tf.tensor4d(Float32Array.from({ length: n * s.input.reduce((a, b) => a * b, 1) }, ((r) => () => r.normal())(Rng.fromSeed(2, 'x'))), [n, ...s.input]);
    const y = tf.tensor1d([0, 1, 2], 'int32');
    const lossAt = (gate: tf.Tensor): tf.Scalar => crossEntropy(model.forward(x, false, undefined, new Map([[unit.gate, gate]])).logits, y, s.classes);
    const ones = tf.ones([n, unit.width]);
    const grad = (await tf.grad(lossAt)(ones).data()) as Float32Array;
    const eps = 1e-2;
    for (const [i, c] of [[0, 0], [1, 3], [2, unit.width - 1]] as const) {
      const bump = (d: number): number => tf.tidy(() => {
        const g = Float32Array.from({ length: n * unit.width }, () => 1);
        g[i * unit.width + c] = 1 + d;
        return lossAt(tf.tensor2d(g, [n, unit.width])).dataSync()[0]!;
      });
      const numeric = (bump(eps) - bump(-eps)) / (2 * eps);
      assert.ok(Math.abs(numeric - grad[i * unit.width + c]!) <= 1e-3 + 2e-2 * Math.abs(numeric), `example ${i} channel ${c}: ${grad[i * unit.width + c]} vs ${numeric}`);
    }
    tf.dispose([x, y, ones]);
    model.dispose();
  });
});

describe('the Fisher loop', () => {
  test('the channel no layer reads (zero activation–gradient product) goes first', async () => {
    const s = spec();
    const weights = randomWeights(s, 5);
    const [first, second] = gatedUnits(s);
    // Channel 3 of the first unit: every weight of the next conv reading it is 0, so ∂L/∂a = 0 there and its
    // signal is exactly 0, while every other channel's is positive: a BN shift of +2 keeps every ReLU open
    // (a channel whose ReLU is shut everywhere would score 0 too). One batch before the removal: the signal
    // is the first step's, before any update.
    weights.get(`${first!.gate}.beta`)!.fill(2);
    const reader = weights.get(`${second!.unit.kind === 'conv' ? second!.unit.layer : ''}.weight`)!;
    const out = second!.width;
    const cin = first!.width;
    for (let i = 0; i < reader.length; i++) if (Math.floor(i / out) % cin === 3) reader[i] = 0;
    const result = await fisherPrune(s, weights, schedule({ remove: 1, pruneEvery: 1 }), randomImages(s, 8), 'fisher');
    assert.deepEqual(result.removed, [[first!.id, 3]]);
    assert.deepEqual(result.kept.get(first!.id), Array.from({ length: cin }, (_, c) => c).filter((c) => c !== 3));
  });

  test('cancelled mid-way and resumed from its state, it ends bit-identical to one run straight through', async () => {
    const s = spec();
    const weights = randomWeights(s, 6);
    const straight = await fisherPrune(s, weights, schedule({ remove: 6 }), randomImages(s, 6), 'fisher');
    assert.equal(straight.removed.length, 6);

    const statePath = join(dir, 'resume.ckpt');
    const abort = new AbortController();
    const images = randomImages(s, 6);
    let yielded = 0;
    // Cancelled after 7 batches (one batch per epoch here): mid-way between the 3rd and 4th removal, so the
    // state holds signal sums as well as removals; the cancel writes it.
    const interrupted: PlanningData = {
      ...images, statePath, signal: abort.signal,
      async *trainBatches(epoch, batchSize) {
        for await (const b of images.trainBatches!(epoch, batchSize)) {
          if (++yielded === 8) abort.abort();
          yield b;
        }
      },
    };
    await assert.rejects(fisherPrune(s, weights, schedule({ remove: 6 }), interrupted, 'fisher'), CancelledError);
    const partial = readCheckpoint(statePath).planning as { removed: unknown[]; step: number; sums: number[][] };
    assert.equal(partial.removed.length, 3, 'the state holds the three removals before the cancel');
    assert.equal(partial.step, 7);
    assert.ok(partial.sums.flat().some((v) => v > 0), 'and the signal summed since');
    const resumed = await fisherPrune(s, weights, schedule({ remove: 6, saveEverySeconds: 0 }), { ...randomImages(s, 6), statePath }, 'fisher');
    assert.deepEqual(resumed.removed, straight.removed);
    for (const [name, v] of straight.weights) assert.ok(bytes(v).equals(bytes(resumed.weights.get(name)!)), name);
    // The finished state is the loop's last weights (what fine-tuning starts from).
    const final = readCheckpoint(statePath);
    for (const [name, v] of straight.weights) assert.ok(bytes(v).equals(bytes(final.weights.get(name)!)), `state ${name}`);
  });

  test('the plan keeps the loop\'s channels and, with a state file, hands fine-tuning its weights', async () => {
    const s = spec();
    const weights = randomWeights(s, 7);
    const params = { channels: 5, pruneEvery: 2, batchSize: 4 };
    const plan = await planPruning(fisherPruning, s, weights, params, Rng.fromSeed(1, 'prune'), { ...randomImages(s, 6), statePath: join(dir, 'plan.ckpt') });
    assert.equal(plan.finetuneFrom, 'planning');
    const removed = gatedUnits(s).reduce((a, g) => a + g.width - (plan.keep[g.id]?.length ?? g.width), 0);
    assert.equal(removed, 5);
    const memoryOnly = await planPruning(fisherPruning, s, weights, params, Rng.fromSeed(1, 'prune'), randomImages(s, 6));
    assert.equal(memoryOnly.finetuneFrom, undefined);
    assert.deepEqual(memoryOnly.keep, plan.keep);
  });

  test('bad params and data are refused in one line', async () => {
    const s = spec();
    const weights = randomWeights(s, 8);
    const oneLine = (re: RegExp) => (e: unknown): boolean => e instanceof ValidationError && re.test(e.message) && !e.message.includes('\n');
    assert.throws(() => parseParams(fisherPruning, { fraction: 0.5, channels: 3 }), oneLine(/exactly one of 'fraction' or 'channels'/));
    assert.throws(() => parseParams(fisherPruning, {}), oneLine(/exactly one of/));
    assert.throws(() => parseParams(fisherPruning, { fraction: 1 }), oneLine(/fraction/));
    const total = gatedUnits(s).reduce((a, g) => a + g.width - 1, 0);
    await assert.rejects(planPruning(fisherPruning, s, weights, { channels: total + 1 }, Rng.fromSeed(1, 'prune'), randomImages(s, 4)), oneLine(new RegExp(`cannot remove ${total + 1} channels: .* can lose ${total}`)));
    assert.throws(() => fisherPruning.plan(s, weights, { channels: 2 }, Rng.fromSeed(1, 'prune')), oneLine(/chooses channels from activations/));
    // MobileNetV2's channels all pass a depthwise conv or a residual sum: nothing a gate can remove.
    assert.throws(() => fisherPruning.plan(resolveArch('mobilenetv2'), new Map(), { channels: 2 }, Rng.fromSeed(1, 'prune')), oneLine(/needs channel selections or conv layers/));
  });
});
