// ONNX import against the exporting framework: export_onnx.py (beside this file) builds ResNet-18, a small
// CNN with a concat and a flatten of a spatial map (also exported BN-folded), an inverted residual
// (depthwise conv, ReLU6) and a CNN with SiLU and a sigmoid output in PyTorch with random BN statistics, exports them and writes PyTorch's eval
// logits on two images. Imported, each gives the same logits (1e-4 of their scale) on every backend; every
// structured method that finds what it needs prunes it and passes the surgery oracle (1e-5); the files
// with an op outside the vocabulary are refused in one line naming the node and its op. Skipped, with the
// reason, where no Python with torch is installed (Debian: apt-get install python3-torch; CI installs it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { findTorch } from '../../../src-main/engine/bench/torch-reference.ts';
import { importOnnx, type ImportedModel } from '../../../src-main/engine/import/onnx-model.ts';
import { validateSpec } from '../../../src-main/engine/models/register-all.ts';
import { applyPlan, parsePlan } from '../../../src-main/engine/pruning/apply-plan.ts';
import { checkSupports, planPruning, supports } from '../../../src-main/engine/pruning/method.ts';
import { methods } from '../../../src-main/engine/pruning/methods/register-all.ts';
import { prunableUnits } from '../../../src-main/engine/pruning/units.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { backendsUnderTest, skipReason } from '../backends.ts';
import { evalLogits, randomImages, randomInput, relativeError, zeroedBase } from '../pruning/helpers.ts';

const SCRIPT = fileURLToPath(new URL('./export_onnx.py', import.meta.url));
const torch = await findTorch();
const skip = torch.found ? false : torch.reason;
const MODELS = ['resnet18', 'concat_cnn', 'concat_cnn_folded', 'inverted_residual', 'activations'] as const;
const TOLERANCE = 1e-4;

let dir = '';
const imported = new Map<string, ImportedModel>();
const reference = new Map<string, { input: number[]; shape: [number, number, number, number]; logits: number[] }>();

describe('ONNX import, against PyTorch', { skip }, () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pwb-onnx-'));
    const r = spawnSync(torch.found!.python, [SCRIPT, dir], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    assert.equal(r.status, 0, `export_onnx.py failed: ${r.stderr}`);
    for (const name of [...MODELS, 'tanh', 'grouped']) reference.set(name, JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')));
    for (const name of MODELS) imported.set(name, importOnnx(readFileSync(join(dir, `${name}.onnx`)), `${name}.onnx`));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('each imports as a valid graph spec with the exported input and classes', () => {
    for (const name of MODELS) {
      const { spec } = imported.get(name)!;
      validateSpec(spec);
      const [, c, h, w] = reference.get(name)!.shape;
      assert.deepEqual(spec.input, [h, w, c], name);
      assert.equal(spec.classes, 10, name);
    }
    // Each block's inner width on its own; each stage's residual stream as one coupled unit: the convs and
    // downsample convs whose outputs its sums join (the stem's with layer1's).
    assert.deepEqual(prunableUnits(imported.get('resnet18')!.spec).map((u) => u.kind === 'conv' && [u.layer, ...(u.coupled ?? []).map((c) => c.layer)]), [
      ['conv1', 'layer1.0.conv2', 'layer1.1.conv2'], ['layer1.0.conv1'], ['layer1.1.conv1'],
      ['layer2.0.conv1'], ['layer2.0.conv2', 'layer2.0.downsample.0', 'layer2.1.conv2'], ['layer2.1.conv1'],
      ['layer3.0.conv1'], ['layer3.0.conv2', 'layer3.0.downsample.0', 'layer3.1.conv2'], ['layer3.1.conv1'],
      ['layer4.0.conv1'], ['layer4.0.conv2', 'layer4.0.downsample.0', 'layer4.1.conv2'], ['layer4.1.conv1'],
    ]);
  });

  for (const backend of backendsUnderTest) {
    test(`logits equal PyTorch's on ${backend}`, { skip: skipReason(backend) }, async () => {
      await selectBackend(backend);
      for (const name of MODELS) {
        if (backend === 'cpu' && name === 'resnet18') continue; // 74 MFLOPs an image: the cpu backend's minute; the others cover it
        const ref = reference.get(name)!;
        const x = tf.tidy(() => tf.transpose(tf.tensor4d(ref.input, ref.shape), [0, 2, 3, 1]));
        const { spec, weights } = imported.get(name)!;
        const logits = await evalLogits(spec, weights, x);
        x.dispose();
        const err = relativeError(logits, ref.logits);
        assert.ok(err <= TOLERANCE, `${name}: relative error ${err.toExponential(2)} > ${TOLERANCE}`);
      }
    });
  }

  test('every structured method that finds what it needs prunes them, and the surgery oracle holds', async () => {
    await selectBackend('wasm');
    for (const name of ['resnet18', 'concat_cnn', 'inverted_residual']) {
      const { spec, weights } = imported.get(name)!;
      const x = randomInput(spec, 2, 5);
      const pruners = methods.filter((m) => m.kind !== 'unstructured' && supports(m, spec));
      assert.ok(pruners.length >= 4, `${name}: ${pruners.map((m) => m.id)}`);
      for (const method of pruners) {
        const plan = parsePlan(await planPruning(method, spec, weights, method.exampleParams, Rng.fromSeed(3, 'prune'), randomImages(spec, 4)));
        const pruned = applyPlan(plan, weights);
        const err = relativeError(await evalLogits(plan.pruned, pruned, x), await evalLogits(plan.base, zeroedBase(plan, weights), x));
        assert.ok(err <= 1e-5, `${name} by ${method.id}: pruned vs zeroed base ${err.toExponential(2)}`);
      }
      x.dispose();
    }
  });

  test('a BN-folded export imports and says so; L1-norm and the weight-based methods prune its convs, network slimming refuses in one line', async () => {
    const { spec, weights, notes } = imported.get('concat_cnn_folded')!;
    assert.equal(spec.nodes.filter((n) => n.op === 'bn').length, 0);
    assert.ok(notes.some((n) => /folds BN into the convs/.test(n)), notes.join('; '));
    assert.deepEqual(prunableUnits(spec).map((u) => u.kind === 'conv' && [u.layer, u.bn]), [['stem', ''], ['a', ''], ['b', ''], ['mix', '']]);
    await selectBackend('wasm');
    const x = randomInput(spec, 2, 5);
    for (const id of ['l1_norm', 'uniform', 'guided']) {
      const method = methods.find((m) => m.id === id)!;
      const plan = parsePlan(await planPruning(method, spec, weights, method.exampleParams, Rng.fromSeed(3, 'prune'), randomImages(spec, 4)));
      const err = relativeError(await evalLogits(plan.pruned, applyPlan(plan, weights), x), await evalLogits(plan.base, zeroedBase(plan, weights), x));
      assert.ok(err <= 1e-5, `${id}: pruned vs zeroed base ${err.toExponential(2)}`);
    }
    x.dispose();
    const slimming = methods.find((m) => m.id === 'network_slimming')!;
    assert.throws(() => checkSupports(slimming, spec), (e: unknown) => e instanceof ValidationError && /pruning method 'network_slimming' needs conv outputs or channel selections with a BN/.test(e.message) && !e.message.includes('\n'));
  });

  for (const [name, message] of [
    ['tanh', /tanh\.onnx: ONNX node '\/Tanh' \(op Tanh\) is not supported; supported ops: Conv, /],
    ['grouped', /grouped\.onnx: ONNX node '\/grouped\/Conv' \(op Conv\) is a grouped convolution \(group 2, 3 input channels per group\)/],
  ] as const) {
    test(`an op outside the vocabulary is refused in one line: ${name}`, () => {
      assert.throws(() => importOnnx(readFileSync(join(dir, `${name}.onnx`)), `${name}.onnx`), (e: unknown) => e instanceof ValidationError && message.test(e.message) && !e.message.includes('\n'));
    });
  }

  test('bytes that are not ONNX are refused in one line', () => {
    assert.throws(() => importOnnx(new TextEncoder().encode('not a model'), 'notes.txt'), /notes\.txt: (not an ONNX model|the ONNX model has no graph)/);
  });
});
