// Conformance of every registered architecture on real tensors, on every backend of the shared list
// (cpu, wasm, tensorflow where installed): a forward pass gives finite logits [batch, classes]; the
// trainable parameters are exactly the ones the cost analysis counts; one softmax cross-entropy gradient
// step reaches every trainable variable with a finite gradient of its shape; the step leaves no tensor
// behind; and disposing the model frees all of its tensors. On wasm and tensorflow the eval logits, the
// training loss and every gradient also match the cpu backend's (the reference) within 1e-4 of their
// scale where cpu is affordable (≤ CPU_BUDGET FLOPs at the test size: the pure-JS backend runs ≈ 20
// MFLOP/s, so ResNet-20 alone would take 12 s; the cpu suite runs those variants only). For the costly
// variants tensorflow's eval logits and loss are compared with wasm's, an independent implementation,
// but not the gradients: at batch 2 a deep net has ReLU inputs within float32 rounding of zero, whose
// gate then differs between implementations and moves whole gradients by ~1e-2 (measured on resnet20:
// wasm vs cpu 5e-2 in layer2.0's gradients, tensorflow vs cpu 4e-6; other inputs flip it elsewhere).
// Each kernel's gradient is compared with cpu's in test/engine/kernels/.
// So are the families' small examples the cpu backend can afford (logits and loss). On a software WebGPU
// adapter one variant per structure runs (structureOf), named with the variants it stands for.
// A new variant or family is tested here with no new code.
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
import { archIds, families, resolveArch, withData } from '../../../src-main/engine/models/register-all.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { backendsUnderTest, skipReason, WEBGPU_SOFTWARE, type BackendUnderTest } from '../backends.ts';

const BATCH = 2;
const CLASSES = 10;
const MAX_SIDE = 64;
const TOLERANCE = 1e-4;
/** Forward FLOPs per image (at the test size) up to which the cpu backend is the reference. */
const CPU_BUDGET = 20e6;
const cpuAffordable = (spec: ArchSpec): boolean => analyseCost(spec).totals.flops <= CPU_BUDGET;

/** What is checked: every variant at its test size, and every family example the cpu backend can afford. */
interface Case {
  key: string;
  spec: ArchSpec;
  /** Compare gradients with cpu's (variants); the examples compare logits and loss (see below). */
  gradients: boolean;
}
const cases: Case[] = [
  ...archIds().map((id) => ({ key: id, spec: smallSpec(resolveArch(id)), gradients: true })),
  // The examples' random heads put a few ReLU / max-pool inputs within float32 rounding of their kink
  // at batch 2 (measured: one BN β channel of the MobileNetV2 example, one conv of vgg_mini's with a
  // 10-class head), where cpu then decides the other way than wasm and tensorflow, which agree with each
  // other: their gradients are compared kernel by kernel in test/engine/kernels/ instead.
  ...families.flatMap((f) =>
    f.examples
      .filter((ex) => cpuAffordable(ex.spec))
      .map((ex) => ({ key: `${f.family} example '${ex.label}'`, spec: withData(ex.spec, ex.spec.input, CLASSES), gradients: false })),
  ),
];

/**
 * What makes two variants the same test for a kernel: family, the kinds of layer they use, how many dense
 * layers, and the spec's own choices (a head, a reference, a block type) — not depth or width. On a software
 * WebGPU adapter (lavapipe here: ≈ 2 minutes for every variant) the cheapest case of each structure runs,
 * named with the ones it stands for; every variant runs on cpu (where affordable), wasm, tensorflow and a real GPU.
 */
function structureOf(c: Case): string {
  const layers = analyseCost(c.spec).layers;
  const choices = Object.entries(c.spec).filter(([, v]) => typeof v === 'string' || typeof v === 'boolean').filter(([k]) => k !== 'id');
  return JSON.stringify([c.spec.family, [...new Set(layers.map((l) => l.kind))].sort(), layers.filter((l) => l.kind === 'dense').length, choices.sort()]);
}

/** The cases `backend` runs, with the ids each stands for (see structureOf). */
function casesFor(backend: BackendUnderTest): Array<{ c: Case; standsFor: string[] }> {
  const affordable = cases.filter((x) => backend !== 'cpu' || cpuAffordable(x.spec));
  if (backend !== 'webgpu' || !WEBGPU_SOFTWARE) return affordable.map((c) => ({ c, standsFor: [] }));
  // The cheapest case of a structure stands for it (the kernels are the same; lavapipe's time is not).
  const cheapestFirst = [...affordable].sort((a, b) => analyseCost(a.spec).totals.flops - analyseCost(b.spec).totals.flops);
  const byStructure = new Map<string, { c: Case; standsFor: string[] }>();
  for (const c of cheapestFirst) {
    const key = structureOf(c);
    const first = byStructure.get(key);
    if (first) first.standsFor.push(c.key);
    else byStructure.set(key, { c, standsFor: [] });
  }
  return [...byStructure.values()];
}

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

/** What one architecture computes on the active backend, for comparison with cpu's. */
interface Outcome {
  logits: Float32Array;
  loss: number;
  grads: Map<string, Float32Array>;
}

/** max|a − b| / max(1e-3, max|b|): relative to the reference's scale. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / Math.max(1e-3, scale);
}

/** The conformance checks for `id` on the active backend; returns what it computed. Reads with await data() (webgpu). */
async function checkArch({ key: id, spec }: Case): Promise<Outcome> {
  const [h, w, c] = spec.input;
  const rng = Rng.fromSeed(3, id);
  const xValues = new Float32Array(BATCH * h * w * c);
  for (let i = 0; i < xValues.length; i++) xValues[i] = rng.normal();
  const labels = Int32Array.from({ length: BATCH }, (_, i) => (3 * i + 1) % CLASSES);

  const tensorsAtStart = tf.memory().numTensors;
  const model = Model.create(spec, Rng.fromSeed(1));
  const outcome: Outcome = { logits: new Float32Array(), loss: NaN, grads: new Map() };
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
    outcome.logits = (await logits.data()) as Float32Array;
    assert.ok(allFinite(outcome.logits), 'eval logits finite');
    logits.dispose();

    // One training step's gradient, as train.ts takes it (random draws keyed alike on every backend).
    let ops: ReturnType<Model['forward']>['ops'] | null = null;
    let trainShape: number[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(x, true, 'conformance');
      ops = out.ops;
      trainShape = out.logits.shape;
      return crossEntropy(out.logits, y);
    }, trainable.map(([, v]) => v));
    assert.deepEqual(trainShape, [BATCH, CLASSES]);
    outcome.loss = (await value.data())[0]!;
    assert.ok(Number.isFinite(outcome.loss) && outcome.loss > 0, `loss ${outcome.loss}`);
    assert.equal(Object.keys(grads).length, trainable.length, 'one gradient per trainable variable');
    let nonZero = 0;
    for (const [name, v] of trainable) {
      const g = grads[v.name];
      assert.ok(g, `no gradient for ${name}`);
      assert.deepEqual(g.shape, v.shape, `gradient shape of ${name}`);
      const values = (await g.data()) as Float32Array;
      assert.ok(allFinite(values), `gradient of ${name} not finite`);
      if (values.some((e) => e !== 0)) nonZero++;
      outcome.grads.set(name, values);
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
  return outcome;
}

const outcomes = new Map<string, Outcome>(); // `${backend} ${id}`

/** The reference backend for `id` when tested on `backend`, or null for none (cpu itself; wasm on a costly variant). */
function referenceFor(c: Case, backend: BackendUnderTest): BackendUnderTest | null {
  if (backend === 'cpu') return null;
  if (cpuAffordable(c.spec)) return 'cpu';
  return backend === 'tensorflow' || backend === 'webgpu' ? 'wasm' : null;
}

/** `reference`'s outcome for `id` (computed once, then the active backend is restored). */
async function outcomeOn(reference: BackendUnderTest, c: Case, active: BackendUnderTest): Promise<Outcome> {
  let ref = outcomes.get(`${reference} ${c.key}`);
  if (!ref) {
    // (selectBackend, not tf.setBackend: the reference may not be loaded yet when this suite runs alone)
    await selectBackend(reference);
    try {
      outcomes.set(`${reference} ${c.key}`, (ref = await checkArch(c)));
    } finally {
      await selectBackend(active);
    }
  }
  return ref;
}

test('the registry is not empty and small inputs keep the expected sizes', () => {
  const ids = archIds();
  assert.ok(ids.length >= 20, `only ${ids.length} ids`);
  assert.deepEqual(smallSpec(resolveArch('vgg16')).input, [32, 32, 3]);
  assert.deepEqual(smallSpec(resolveArch('resnet_mini')).input, [28, 28, 1]);
  assert.deepEqual(smallSpec(resolveArch('resnet50_imagenet')).input, [64, 64, 3]);
});

for (const backend of backendsUnderTest) {
  describe(`every registered architecture on ${backend}`, { skip: skipReason(backend) }, () => {
    before(async () => {
      assert.equal((await selectBackend(backend)).name, backend);
    });

    for (const { c, standsFor } of casesFor(backend)) {
      const reference = referenceFor(c, backend);
      const compared = reference === 'cpu' && c.gradients ? ', same logits, loss and gradients as cpu' : reference ? `, same logits and loss as ${reference}` : '';
      const also = standsFor.length > 0 ? ` (on this software adapter also for ${standsFor.join(', ')})` : '';
      test(`${c.key}${also}: forward, parameter count, one gradient step, no leak${compared}`, async () => {
        const outcome = await checkArch(c);
        outcomes.set(`${backend} ${c.key}`, outcome);
        if (!reference) return;
        const ref = await outcomeOn(reference, c, backend);
        const errors: Array<[string, number]> = [
          ['eval logits', relativeError(outcome.logits, ref.logits)],
          ['loss', relativeError([outcome.loss], [ref.loss])],
        ];
        if (reference === 'cpu' && c.gradients) {
          for (const [name, g] of ref.grads) errors.push([`gradient of ${name}`, relativeError(outcome.grads.get(name)!, g)]);
        }
        const worst = errors.reduce((a, b) => (b[1] > a[1] ? b : a));
        assert.ok(worst[1] <= TOLERANCE, `${worst[0]}: relative error ${worst[1].toExponential(2)} > ${TOLERANCE} vs ${reference}`);
      });
    }
  });
}
