// TF.js Layers import against tfjs-layers itself: models built and saved by tfjs (model.json and a weights
// file, the layout tfjs's file handler writes), with random BN statistics, imported and evaluated by the
// workbench on every backend: the same outputs as tfjs's own predict (1e-4 of their scale; a dropped output
// softmax compared after softmax); pruned by every structured method that finds what it needs (oracle 1e-5);
// layers outside the vocabulary refused in one line naming the layer and its class.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import '../../../src-main/engine/tf.ts';
import * as tfl from '@tensorflow/tfjs';
import { ValidationError } from '../../../src-shared/errors.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { importTfjsLayers } from '../../../src-main/engine/import/tfjs-layers.ts';
import { validateSpec } from '../../../src-main/engine/models/register-all.ts';
import { applyPlan, parsePlan } from '../../../src-main/engine/pruning/apply-plan.ts';
import { planPruning, supports } from '../../../src-main/engine/pruning/method.ts';
import { methods } from '../../../src-main/engine/pruning/methods/register-all.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { backendsUnderTest, skipReason } from '../backends.ts';
import { evalLogits, randomImages, randomInput, relativeError, zeroedBase } from '../pruning/helpers.ts';
import { saveTfjsModel } from './save-tfjs-model.ts';

const TOLERANCE = 1e-4;
let dir = '';

/**
 * A functional model: conv (bias, relu) → BN → ReLU6; an inverted-residual branch (1×1, depthwise, 1×1) summed
 * back; a conv beside the sum, concatenated with it; max pool; a flatten of the 4×4 map; Dropout; Dense
 * (relu) → BN → Dense.
 */
function functionalModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 3] });
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => layer.apply(x) as tfl.SymbolicTensor;
  let x = apply(tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', name: 'stem' }), input);
  x = apply(tfl.layers.batchNormalization({ name: 'stem_bn' }), x);
  x = apply(tfl.layers.reLU({ maxValue: 6, name: 'stem_act' }), x);
  let y = apply(tfl.layers.conv2d({ filters: 12, kernelSize: 1, useBias: false, name: 'expand' }), x);
  y = apply(tfl.layers.batchNormalization({ name: 'expand_bn' }), y);
  y = apply(tfl.layers.activation({ activation: 'relu', name: 'expand_act' }), y);
  y = apply(tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, name: 'dw' }), y);
  y = apply(tfl.layers.batchNormalization({ name: 'dw_bn' }), y);
  y = apply(tfl.layers.conv2d({ filters: 6, kernelSize: 1, useBias: false, name: 'project' }), y);
  y = apply(tfl.layers.batchNormalization({ name: 'project_bn' }), y);
  const sum = apply(tfl.layers.add({ name: 'sum' }), [x, y]);
  let z = apply(tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'side' }), sum);
  z = apply(tfl.layers.batchNormalization({ name: 'side_bn' }), z);
  z = apply(tfl.layers.reLU({ name: 'side_act' }), z);
  const cat = apply(tfl.layers.concatenate({ name: 'cat' }), [sum, z]);
  const pooled = apply(tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool' }), cat);
  let h = apply(tfl.layers.flatten({ name: 'flat' }), pooled);
  h = apply(tfl.layers.dense({ units: 16, activation: 'swish', name: 'hidden' }), apply(tfl.layers.dropout({ rate: 0.3, name: 'drop' }), h));
  h = apply(tfl.layers.batchNormalization({ name: 'hidden_bn' }), h);
  const out = apply(tfl.layers.dense({ units: 10, activation: 'sigmoid', name: 'logits' }), h);
  return tfl.model({ inputs: input, outputs: out, name: 'mixed_net' });
}

/** A sequential model with a concat-free path and a softmax output: conv (valid) → BN → relu → avg pool → GAP → Dense(softmax). */
function sequentialModel(): tfl.Sequential {
  return tfl.sequential({
    name: 'seq_net',
    layers: [
      tfl.layers.conv2d({ inputShape: [10, 10, 3], filters: 8, kernelSize: 3, useBias: false, name: 'c1' }),
      tfl.layers.batchNormalization({ name: 'b1', epsilon: 1e-5 }),
      tfl.layers.activation({ activation: 'relu', name: 'a1' }),
      tfl.layers.averagePooling2d({ poolSize: 2, name: 'p1' }),
      tfl.layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', useBias: false, name: 'c2' }),
      tfl.layers.batchNormalization({ name: 'b2' }),
      tfl.layers.reLU({ name: 'a2' }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ units: 10, activation: 'softmax', name: 'out' }),
    ],
  });
}

/** Random weights, BN variances positive, so that BN is not the identity. */
function randomise(model: tfl.LayersModel, seed: number): void {
  const rng = Rng.fromSeed(seed, 'tfjs');
  model.setWeights(model.weights.map((w) => {
    const values = Float32Array.from({ length: w.shape.reduce((a, b) => a! * b!, 1)! }, () => (w.name.includes('moving_variance') ? 0.5 + rng.uniform() : 0.3 * rng.normal()));
    return tfl.tensor(values, w.shape as number[]);
  }));
}

const save = (model: tfl.LayersModel, name: string): Promise<string> => saveTfjsModel(model, join(dir, name));

function load(path: string) {
  const folder = path.replace(/model\.json$/, '');
  return importTfjsLayers(JSON.parse(readFileSync(path, 'utf8')), (p) => readFileSync(join(folder, p)), path);
}

const softmax = (v: Float32Array, classes: number): Float32Array => {
  const out = new Float32Array(v.length);
  for (let r = 0; r < v.length / classes; r++) {
    const row = v.subarray(r * classes, (r + 1) * classes);
    const m = Math.max(...row);
    const e = Array.from(row, (x) => Math.exp(x - m));
    const s = e.reduce((a, b) => a + b, 0);
    e.forEach((x, i) => (out[r * classes + i] = x / s));
  }
  return out;
};

describe('TF.js Layers import, against tfjs-layers', () => {
  const cases = new Map<string, { path: string; x: Float32Array; shape: [number, number, number, number]; expected: Float32Array; softmax: boolean }>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pwb-tfjs-'));
    await selectBackend('cpu');
    for (const [name, model, softmaxOut] of [['mixed_net', functionalModel(), false], ['seq_net', sequentialModel(), true]] as const) {
      randomise(model, name.length);
      const [, h, w, c] = model.inputs[0]!.shape as number[];
      const shape: [number, number, number, number] = [2, h!, w!, c!];
      const x = Float32Array.from({ length: 2 * h! * w! * c! }, (_, i) => Math.sin(i * 1.7) * 1.5);
      const expected = tfl.tidy(() => (model.predict(tfl.tensor4d(x, shape)) as tfl.Tensor).dataSync() as Float32Array);
      cases.set(name, { path: await save(model, name), x, shape, expected: Float32Array.from(expected), softmax: softmaxOut });
      model.dispose();
    }
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('each imports as a valid graph spec: input, classes, a dropped softmax said so, dropout kept', () => {
    const mixed = load(cases.get('mixed_net')!.path);
    validateSpec(mixed.spec);
    assert.deepEqual(mixed.spec.input, [8, 8, 3]);
    assert.equal(mixed.spec.id, 'mixed_net');
    const seq = load(cases.get('seq_net')!.path);
    validateSpec(seq.spec);
    assert.equal(seq.spec.classes, 10);
    assert.ok(seq.notes.some((n) => /softmax is dropped/.test(n)), seq.notes.join('; '));
    assert.ok(mixed.notes.some((n) => /epsilon 0\.001 folded/.test(n)), mixed.notes.join('; '));
    // Keras's Dropout keeps its rate: it drops while the imported model trains, and is the identity in predict.
    assert.deepEqual(mixed.spec.nodes.find((n) => n.op === 'dropout'), { op: 'dropout', id: 'drop', inputs: ['flat'], rate: 0.3 });
  });

  for (const backend of backendsUnderTest) {
    test(`outputs equal tfjs's predict on ${backend}`, { skip: skipReason(backend) }, async () => {
      await selectBackend(backend);
      for (const [name, c] of cases) {
        const { spec, weights } = load(c.path);
        const x = tfl.tensor4d(c.x, c.shape);
        const logits = await evalLogits(spec, weights, x);
        x.dispose();
        const actual = c.softmax ? softmax(logits, spec.classes) : logits;
        const err = relativeError(actual, c.expected);
        assert.ok(err <= TOLERANCE, `${name}: relative error ${err.toExponential(2)} > ${TOLERANCE}`);
      }
    });
  }

  test('every structured method that finds what it needs prunes them, and the surgery oracle holds', async () => {
    await selectBackend('wasm');
    for (const [name, c] of cases) {
      const { spec, weights } = load(c.path);
      const pruners = methods.filter((m) => m.kind !== 'unstructured' && supports(m, spec));
      assert.ok(pruners.length >= 4, `${name}: ${pruners.map((m) => m.id)}`);
      const x = randomInput(spec, 2, 5);
      for (const method of pruners) {
        const plan = parsePlan(await planPruning(method, spec, weights, method.exampleParams, Rng.fromSeed(3, 'prune'), randomImages(spec, 4)));
        const err = relativeError(await evalLogits(plan.pruned, applyPlan(plan, weights), x), await evalLogits(plan.base, zeroedBase(plan, weights), x));
        assert.ok(err <= 1e-5, `${name} by ${method.id}: pruned vs zeroed base ${err.toExponential(2)}`);
      }
      x.dispose();
    }
  });

  for (const [what, build, message] of [
    ['a layer outside the vocabulary', () => tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, name: 'c' }), tfl.layers.leakyReLU({ name: 'leaky' }), tfl.layers.flatten(), tfl.layers.dense({ units: 10 })] }), /layer 'leaky' \(LeakyReLU\) is not supported; supported layers: InputLayer, Conv2D/],
    ["'same' padding at stride 2", () => tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'down' }), tfl.layers.flatten(), tfl.layers.dense({ units: 10 })] }), /layer 'down' \(Conv2D\) pads 'same' at stride 2/],
    ['a tanh activation', () => tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'tanh', name: 'th' }), tfl.layers.flatten(), tfl.layers.dense({ units: 10 })] }), /layer 'th' \(Conv2D\) has activation 'tanh'; relu, relu6, sigmoid, swish \/ silu, linear/],
  ] as const) {
    test(`refused in one line naming the layer: ${what}`, async () => {
      const model = build();
      const path = await save(model, `bad_${what.replace(/\W+/g, '_')}`);
      model.dispose();
      assert.throws(() => load(path), (e: unknown) => e instanceof ValidationError && message.test(e.message) && !e.message.includes('\n'));
    });
  }
});
