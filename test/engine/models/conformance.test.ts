// Conformance of every registered architecture on real tensors (wasm): a forward pass gives finite
// logits [batch, classes]; the trainable parameters are exactly the ones the cost analysis counts;
// one softmax cross-entropy gradient step reaches every trainable variable with a finite gradient of
// its shape; the step leaves no tensor behind; and disposing the model frees all of its tensors.
// A new variant is tested here with no new code.
//
// Inputs are shrunk to keep the suite fast on 2 cores: a variant keeps its channel count and its
// native size up to 64×64 (CIFAR 32×32, the mini nets 28×28×1, the ImageNet ones 64×64×3).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { analyseCost } from '../../../src-main/engine/analysis/cost.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { Model } from '../../../src-main/engine/models/model.ts';
import { archIds, resolveArch, withData } from '../../../src-main/engine/models/register-all.ts';
import { Rng } from '../../../src-main/engine/random.ts';

const BATCH = 2;
const CLASSES = 10;
const MAX_SIDE = 64;

/** Same channels, side min(native, 64). */
function smallSpec(spec: ArchSpec): ArchSpec {
  const [h, w, c] = spec.input;
  return withData(spec, [Math.min(h, MAX_SIDE), Math.min(w, MAX_SIDE), c], CLASSES);
}

function crossEntropy(logits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, CLASSES), tf.logSoftmax(logits)), -1))) as tf.Scalar;
}

const allFinite = (values: ArrayLike<number>): boolean => {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
};

describe('every registered architecture on wasm', () => {
  before(async () => {
    assert.equal((await selectBackend('wasm')).name, 'wasm');
  });

  test('the registry is not empty and small inputs keep the expected sizes', () => {
    const ids = archIds();
    assert.ok(ids.length >= 20, `only ${ids.length} ids`);
    assert.deepEqual(smallSpec(resolveArch('vgg16')).input, [32, 32, 3]);
    assert.deepEqual(smallSpec(resolveArch('resnet_mini')).input, [28, 28, 1]);
    assert.deepEqual(smallSpec(resolveArch('resnet50_imagenet')).input, [64, 64, 3]);
  });

  for (const id of archIds()) {
    test(`${id}: forward, parameter count, one gradient step, no leak`, () => {
      const spec = smallSpec(resolveArch(id));
      const [h, w, c] = spec.input;
      const rng = Rng.fromSeed(3, id);
      const xValues = new Float32Array(BATCH * h * w * c);
      for (let i = 0; i < xValues.length; i++) xValues[i] = rng.normal();
      const labels = Int32Array.from({ length: BATCH }, (_, i) => (3 * i + 1) % CLASSES);

      const tensorsAtStart = tf.memory().numTensors;
      const model = Model.create(spec, Rng.fromSeed(1));
      try {
        assert.equal(tf.memory().numTensors - tensorsAtStart, model.paramSpecs.length, 'one tensor per parameter');
        const trainable = model.trainable();
        const count = trainable.reduce((s, [, v]) => s + v.size, 0);
        assert.equal(count, analyseCost(spec).totals.params, 'trainable values vs analyseCost params');
        assert.equal(trainable.length, model.paramSpecs.filter((p) => p.trainable).length);

        const x = tf.tensor4d(xValues, [BATCH, h, w, c]);
        const y = tf.tensor1d(labels, 'int32');
        const tensorsBefore = tf.memory().numTensors;

        // Inference.
        const logits = tf.tidy(() => model.forward(x, false).logits);
        assert.deepEqual(logits.shape, [BATCH, CLASSES]);
        assert.ok(allFinite(logits.dataSync()), 'eval logits finite');
        logits.dispose();

        // One training step's gradient, as train.ts takes it.
        let ops: ReturnType<Model['forward']>['ops'] | null = null;
        let trainShape: number[] = [];
        const { value, grads } = tf.variableGrads(() => {
          const out = model.forward(x, true);
          ops = out.ops;
          trainShape = out.logits.shape;
          return crossEntropy(out.logits, y);
        }, trainable.map(([, v]) => v));
        assert.deepEqual(trainShape, [BATCH, CLASSES]);
        const loss = value.dataSync()[0]!;
        assert.ok(Number.isFinite(loss) && loss > 0, `loss ${loss}`);
        assert.equal(Object.keys(grads).length, trainable.length, 'one gradient per trainable variable');
        let nonZero = 0;
        for (const [name, v] of trainable) {
          const g = grads[v.name];
          assert.ok(g, `no gradient for ${name}`);
          assert.deepEqual(g.shape, v.shape, `gradient shape of ${name}`);
          const values = g.dataSync();
          assert.ok(allFinite(values), `gradient of ${name} not finite`);
          if (values.some((e) => e !== 0)) nonZero++;
        }
        // The loss depends on the parameters: most gradients are non-zero (a few BN β/γ of dead
        // ReLU channels may be exactly 0 at batch 2).
        assert.ok(nonZero >= 0.5 * trainable.length, `${nonZero} of ${trainable.length} gradients non-zero`);

        model.updateRunningStats(ops!);
        tf.dispose([value, ...Object.values(grads)]);
        assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors leaked by the forward/gradient step');
        tf.dispose([x, y]);
      } finally {
        model.dispose();
      }
      assert.equal(tf.memory().numTensors, tensorsAtStart, 'model.dispose() frees every tensor');
    });
  }
});
