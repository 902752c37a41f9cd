// ThiNet's parts on hand-computable cases: the greedy selection, the contributions (they sum to the
// reading layer's output), and a plan whose best channels are known from the next layer's weights.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { Contributions, greedyRemoval, rescaleFactors, sampleContributions } from '../../../src-main/engine/pruning/contributions.ts';
import { applyPlan, parsePlan } from '../../../src-main/engine/pruning/apply-plan.ts';
import { ridgeSolve } from '../../../src-main/engine/pruning/least-squares.ts';
import { l1Importance } from '../../../src-main/engine/pruning/importance/l1.ts';
import { planPruning, supports } from '../../../src-main/engine/pruning/method.ts';
import { thinet } from '../../../src-main/engine/pruning/methods/thinet.ts';
import { unitReaders, type ChannelReader } from '../../../src-main/engine/pruning/readers.ts';
import { targetUnits } from '../../../src-main/engine/pruning/widths.ts';
import { resolveArch } from '../../../src-main/engine/models/register-all.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { TEST_SPECS, evalLogits, randomImages, randomInput, randomWeights, relativeError, zeroedBase } from './helpers.ts';

before(async () => {
  await selectBackend('cpu');
});

test('greedy removal takes the channel that adds least each step, so a channel that cancels the removed ones goes early', () => {
  // Rows are sampled entries; column c holds x̂_c. Step 1: c1 (cost 0.02). Step 2, sum (0.1, −0.1): c0 2.0,
  // c2 2.0, c3 0.5 → c3. Step 3, sum (0.6, 0.4): c0 4.0, c2 0 (it cancels c3) → c2, despite its size.
  const contrib = new Contributions(4, 2);
  contrib.push([1, 0.1, -1, 0.5]);
  contrib.push([1, -0.1, -1, 0.5]);
  assert.deepEqual(greedyRemoval(contrib, 1), [1]);
  assert.deepEqual(greedyRemoval(contrib, 3), [1, 3, 2]);
  assert.deepEqual(greedyRemoval(contrib, 0), []);
});

test('ridge least squares recovers an exact fit, and a column of zeros keeps its prior', () => {
  // X = [[1, 0, 0], [0, 2, 0], [1, 1, 0]], y = X·(2, 0.5, ·): G = XᵀX, r = Xᵀy.
  const X = [[1, 0, 0], [0, 2, 0], [1, 1, 0]];
  const y = X.map((row) => 2 * row[0]! + 0.5 * row[1]!);
  const gram = new Float64Array(9);
  const rhs = new Float64Array(3);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) gram[i * 3 + j] = X.reduce((s, row) => s + row[i]! * row[j]!, 0);
    rhs[i] = X.reduce((s, row, k) => s + row[i]! * y[k]!, 0);
  }
  const w = ridgeSolve(gram, rhs, 3, 1e-9, new Float64Array([1, 1, 1]));
  assert.ok(Math.abs(w[0]! - 2) < 1e-6 && Math.abs(w[1]! - 0.5) < 1e-6, `w = ${w}`);
  assert.ok(Math.abs(w[2]! - 1) < 1e-9, 'the unused column keeps its prior');
});

test('rescaling: a removed channel that duplicates a kept one doubles that one\'s factor', () => {
  const contrib = new Contributions(3, 3);
  for (const [a, b] of [[1, 0.5], [-2, 1], [0.3, -1]] as const) contrib.push([a, b, a]); // channel 2 = channel 0
  const w = rescaleFactors(contrib, [1, 2]);
  assert.ok(Math.abs(w[0]! - 1) < 1e-5 && Math.abs(w[1]! - 2) < 1e-5, `factors ${w}`);
});

test('a plan whose rescale does not match its kept channels is refused, naming the field', () => {
  const spec = resolveArch('vgg_mini');
  const plan = { version: 1, method: 'thinet', params: {}, kind: 'structured', base: spec, pruned: { ...spec, cfg: [16, 'M', 16, 'M', 64, 'M'] },
    keep: { 'features.4': Array.from({ length: 16 }, (_, i) => i) }, rescale: { 'features.4': [1, 2] } };
  assert.throws(() => parsePlan(plan), (e: unknown) => e instanceof ValidationError && /rescale\.features\.4/.test(e.message) && /one factor per kept channel \(16\), got 2/.test(e.message));
});

test("a sampled entry's contributions sum to the reading conv's output there (stride 2, pad 1)", async () => {
  const rng = Rng.fromSeed(4);
  const [n, h, w, cin, out, k] = [2, 5, 6, 3, 4, 3];
  const x = Float32Array.from({ length: n * h * w * cin }, () => rng.normal());
  const weight = Float32Array.from({ length: k * k * cin * out }, () => rng.normal());
  const y = tf.tidy(() => tf.conv2d(tf.tensor4d(x, [n, h, w, cin]), tf.tensor4d(weight, [k, k, cin, out]), 2, 1));
  const outputs = (await y.data()) as Float32Array;
  y.dispose();
  // The unit's channels are the reader's input channels 0..2 (one each).
  const reader: ChannelReader = { layer: 'r', kind: 'conv', inputs: [[0], [1], [2]] };
  const contrib = new Contributions(cin, n * 12);
  sampleContributions(reader, { shape: [n, h, w, cin], values: x, conv: { kernel: k, stride: 2, pad: 1 } }, weight, 12, Rng.fromSeed(5), contrib);
  assert.equal(contrib.rows, n * 12);
  for (let r = 0; r < contrib.rows; r++) {
    const sum = contrib.columns.reduce((s, col) => s + col[r]!, 0);
    const nearest = Math.min(...Array.from(outputs, (o) => Math.abs(o - sum)));
    assert.ok(nearest < 1e-4, `row ${r}: Σ x̂ = ${sum} is no output of the conv (nearest ${nearest})`);
  }
});

test('ThiNet keeps the channels the next layer reads, where L1 would keep the others', async () => {
  const spec = resolveArch('vgg_mini');
  const weights = randomWeights(spec, 3);
  const unit = targetUnits(spec)[0]!;
  const readers = unitReaders(spec, [unit]).get(unit.layer);
  assert.ok(Array.isArray(readers) && readers.length === 1 && readers[0]!.kind === 'conv', 'the first conv is read by the second');
  const reader = readers[0]!;
  // The reader ignores odd channels of the unit (zero weights there), whose filters are the largest.
  const rw = weights.get(`${reader.layer}.weight`)!;
  const [k, , cin, out] = [3, 3, unit.width, rw.length / (9 * unit.width)];
  for (let kk = 0; kk < k * k; kk++) for (let c = 1; c < cin; c += 2) for (let o = 0; o < out; o++) rw[(kk * cin + c) * out + o] = 0;
  const own = weights.get(`${unit.layer}.weight`)!;
  const perFilter = own.length / unit.width;
  for (let i = 0; i < own.length; i++) if ((i % unit.width) % 2 === 1) own[i] = own[i]! * 10;
  assert.ok(perFilter > 0);
  // No even channel is dead after its ReLU (a channel no image activates contributes nothing either).
  const beta = weights.get(`${unit.bn}.beta`)!;
  for (const c of Array.from({ length: unit.width / 2 }, (_, i) => 2 * i)) beta[c] = 5;
  const l1 = l1Importance.scores(unit, weights, Rng.fromSeed(1));
  const even = Array.from({ length: unit.width / 2 }, (_, i) => 2 * i);
  assert.ok(even.every((c) => l1[c]! < l1[c + 1]!), 'L1 ranks every odd filter above its even neighbour');

  const ratios = targetUnits(spec).map((u, i) => (i === 0 ? 0.5 : 0));
  const plan = await planPruning(thinet, spec, weights, { widthsFrom: { ratios }, images: 8, locations: 5 }, Rng.fromSeed(2), randomImages(spec, 8));
  assert.equal(plan.method, 'thinet');
  assert.deepEqual(plan.keep[unit.layer], even);
});

test('without images, ThiNet refuses in one line saying what to give it', () => {
  const spec = resolveArch('vgg_mini');
  assert.throws(() => thinet.plan(spec, randomWeights(spec, 1), { widthsFrom: { ratio: 0.5 } }, Rng.fromSeed(1)), (e: unknown) =>
    e instanceof ValidationError && /^pruning method 'thinet' chooses channels from activations on training images: .*--dataset/.test(e.message) && !e.message.includes('\n'));
});

test('a spec with a conv read through a depthwise conv or summed into a residual is refused in one line naming the layer', () => {
  const { spec } = TEST_SPECS.graph.find((e) => e.label.startsWith('inverted residual'))!;
  const why = [...unitReaders(spec, targetUnits(spec)).values()].filter((r) => typeof r === 'string');
  assert.ok(why.some((r) => /^its channels pass through the depthwise conv '[^']+'$/.test(r)), why.join('; '));
  assert.equal(supports(thinet, spec), false);
  assert.throws(() => thinet.targetSpec!(spec, { widthsFrom: { ratio: 0.5 } }), (e: unknown) =>
    e instanceof ValidationError && !e.message.includes('\n') &&
    /^pruning method 'thinet' needs .*: in this graph spec, layer '[^']+': its channels (pass through the depthwise conv '[^']+'|are summed with other layers' \(a residual group\))$/.test(e.message));
});

test('layer by layer: one narrowed layer plans as one pass does; with two, the plan passes the oracle', async () => {
  const spec = resolveArch('vgg_mini');
  const weights = randomWeights(spec, 5);
  const images = randomImages(spec, 8);
  const plan = (ratios: number[], layerByLayer: boolean) =>
    planPruning(thinet, spec, weights, { widthsFrom: { ratios }, images: 8, locations: 4, layerByLayer }, Rng.fromSeed(3), images);
  const one = await plan([0, 0.5, 0], false);
  assert.deepEqual((await plan([0, 0.5, 0], true)).keep, one.keep);
  const sequential = await plan([0.5, 0.5, 0.5], true);
  assert.deepEqual(Object.keys(sequential.rescale ?? {}), ['features.0', 'features.4', 'features.8']);
  const x = randomInput(spec, 2, 6);
  try {
    const expected = await evalLogits(spec, zeroedBase(sequential, weights), x);
    const actual = await evalLogits(sequential.pruned, applyPlan(sequential, weights), x);
    assert.ok(relativeError(actual, expected) <= 1e-5, `relative error ${relativeError(actual, expected)}`);
  } finally {
    x.dispose();
  }
});
