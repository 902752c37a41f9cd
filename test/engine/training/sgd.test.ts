// Sgd against torch.optim.SGD's update rule (dampening 0), computed by hand in float64:
//   g ← ∇ + wd·w;  b ← μ·b + g (b = g on the first step);  step = nesterov ? g + μ·b : b;  w ← w − lr·step
// over 3 steps with a changing learning rate, and the exportState/importState round trip.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { Sgd, type SgdOptions } from '../../../src-main/engine/training/sgd.ts';

const LRS = [0.1, 0.05, 0.01];
// Three 1-D parameters: Sgd updates those as one vector (one buffer for all three).
const SHAPES: Record<string, number[]> = { 'conv.weight': [2, 3], 'bn.gamma': [3], 'bn.beta': [3], 'fc.bias': [4] };
/** Buffers Sgd holds for these parameters: one per multi-dimensional parameter, one for all the vectors. */
const BUFFER_TENSORS = 2;

before(async () => {
  await selectBackend('cpu');
});

/** Deterministic initial weights and per-step gradients for each parameter. */
function problem(seed: number): { w0: Map<string, number[]>; grads: Array<Map<string, number[]>> } {
  const rng = Rng.fromSeed(seed);
  const draw = (shape: number[]): number[] => Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
  const w0 = new Map(Object.entries(SHAPES).map(([name, shape]) => [name, draw(shape)]));
  const grads = LRS.map(() => new Map(Object.entries(SHAPES).map(([name, shape]) => [name, draw(shape)])));
  return { w0, grads };
}

/** torch.optim.SGD in float64. Returns the weights and momentum buffers after each step. */
function torchSgd(
  opts: SgdOptions, w0: Map<string, number[]>, grads: Array<Map<string, number[]>>, lrs: number[],
): Array<{ w: Map<string, number[]>; buf: Map<string, number[]> }> {
  const w = new Map([...w0].map(([k, v]) => [k, [...v]]));
  const buf = new Map<string, number[]>();
  const out: Array<{ w: Map<string, number[]>; buf: Map<string, number[]> }> = [];
  lrs.forEach((lr, t) => {
    for (const [name, p] of w) {
      const d = grads[t]!.get(name)!.map((gi, i) => gi + opts.weightDecay * p[i]!);
      let step = d;
      if (opts.momentum !== 0) {
        const prev = buf.get(name);
        const b = prev ? prev.map((bi, i) => opts.momentum * bi + d[i]!) : [...d];
        buf.set(name, b);
        step = opts.nesterov ? d.map((di, i) => di + opts.momentum * b[i]!) : b;
      }
      w.set(name, p.map((pi, i) => pi - lr * step[i]!));
    }
    out.push({ w: new Map([...w].map(([k, v]) => [k, [...v]])), buf: new Map([...buf].map(([k, v]) => [k, [...v]])) });
  });
  return out;
}

function makeParams(w0: Map<string, number[]>): Array<[string, tf.Variable]> {
  return [...w0].map(([name, values]) => [name, tf.variable(tf.tensor(values, SHAPES[name]!), true)]);
}

function gradsFor(params: Array<[string, tf.Variable]>, step: Map<string, number[]>): Record<string, tf.Tensor> {
  return Object.fromEntries(params.map(([name, v]) => [v.name, tf.tensor(step.get(name)!, SHAPES[name]!)]));
}

function assertNear(actual: ArrayLike<number>, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    assert.ok(err <= 1e-6 * Math.max(1, Math.abs(expected[i]!)), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

function relativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    ref = Math.max(ref, Math.abs(b[i]!));
  }
  return diff / ref;
}

const cases: Array<[string, SgdOptions]> = [
  ['momentum 0.9, weight decay 1e-4', { momentum: 0.9, nesterov: false, weightDecay: 1e-4 }],
  ['Nesterov momentum 0.9, weight decay 1e-4', { momentum: 0.9, nesterov: true, weightDecay: 1e-4 }],
  ['momentum 0.9, no weight decay', { momentum: 0.9, nesterov: false, weightDecay: 0 }],
  ['plain SGD (no momentum), weight decay 0.1', { momentum: 0, nesterov: false, weightDecay: 0.1 }],
];

for (const [label, opts] of cases) {
  test(`${label}: 3 steps with lr ${LRS.join(' → ')} match torch.optim.SGD`, async () => {
    const { w0, grads } = problem(1);
    const expected = torchSgd(opts, w0, grads, LRS);
    const params = makeParams(w0);
    const sgd = new Sgd(opts);
    const before = tf.memory().numTensors;
    for (let t = 0; t < LRS.length; t++) {
      const g = gradsFor(params, grads[t]!);
      sgd.step(params, g, LRS[t]!);
      tf.dispose(Object.values(g));
      for (const [name, v] of params) assertNear(v.dataSync(), expected[t]!.w.get(name)!, `step ${t + 1} ${name}`);
      const state = await sgd.exportState();
      if (opts.momentum === 0) assert.equal(state.size, 0, 'no momentum buffers without momentum');
      else for (const [name] of params) assertNear(state.get(name)!, expected[t]!.buf.get(name)!, `step ${t + 1} buffer ${name}`);
    }
    // Buffers are created once (first step), then updated in place.
    assert.equal(tf.memory().numTensors, before + (opts.momentum > 0 ? BUFFER_TENSORS : 0));
    sgd.dispose();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(params.map(([, v]) => v));
  });
}

test('the variants really differ (the comparison above can tell them apart)', () => {
  const { w0, grads } = problem(1);
  const plain = torchSgd({ momentum: 0.9, nesterov: false, weightDecay: 1e-4 }, w0, grads, LRS).at(-1)!.w.get('conv.weight')!;
  const nesterov = torchSgd({ momentum: 0.9, nesterov: true, weightDecay: 1e-4 }, w0, grads, LRS).at(-1)!.w.get('conv.weight')!;
  const noWd = torchSgd({ momentum: 0.9, nesterov: false, weightDecay: 0 }, w0, grads, LRS).at(-1)!.w.get('conv.weight')!;
  assert.ok(plain.some((v, i) => Math.abs(v - nesterov[i]!) > 1e-3));
  assert.ok(plain.some((v, i) => Math.abs(v - noWd[i]!) > 1e-6));
});

test('a parameter without a gradient is left alone and gets no buffer', async () => {
  const { w0, grads } = problem(2);
  const params = makeParams(w0);
  const sgd = new Sgd({ momentum: 0.9, nesterov: false, weightDecay: 1e-4 });
  const [convName, conv] = params[0]!;
  const g = { [conv.name]: tf.tensor(grads[0]!.get(convName)!, SHAPES[convName]!) };
  sgd.step(params, g, 0.1);
  assertNear(params[1]![1].dataSync(), w0.get('bn.gamma')!, 'untouched parameter');
  assert.deepEqual([...(await sgd.exportState()).keys()], [convName]);
  tf.dispose(Object.values(g));
  sgd.dispose();
  tf.dispose(params.map(([, v]) => v));
});

for (const nesterov of [false, true]) {
  test(`exportState/importState (nesterov ${nesterov}): a resumed optimiser continues identically`, async () => {
    const opts = { momentum: 0.9, nesterov, weightDecay: 1e-4 };
    const { w0, grads } = problem(3);
    const a = makeParams(w0);
    const sgdA = new Sgd(opts);
    for (let t = 0; t < 2; t++) {
      const g = gradsFor(a, grads[t]!);
      sgdA.step(a, g, LRS[t]!);
      tf.dispose(Object.values(g));
    }
    const state = await sgdA.exportState();
    assert.deepEqual([...state.keys()], [...w0.keys()]);

    // A fresh optimiser on copies of the weights, as after reading a checkpoint.
    const b: Array<[string, tf.Variable]> = a.map(([name, v]) => [name, tf.variable(v.clone(), true)]);
    const sgdB = new Sgd(opts);
    sgdB.importState(b, state);
    assert.deepEqual(await sgdB.exportState(), state);

    const gA = gradsFor(a, grads[2]!);
    const gB = gradsFor(b, grads[2]!);
    sgdA.step(a, gA, LRS[2]!);
    sgdB.step(b, gB, LRS[2]!);
    for (let i = 0; i < a.length; i++) assert.deepEqual(b[i]![1].dataSync(), a[i]![1].dataSync(), `weights of ${a[i]![0]}`);
    assert.deepEqual(await sgdB.exportState(), await sgdA.exportState());
    const [, expected2, expected] = torchSgd(opts, w0, grads, LRS) as [unknown, { w: Map<string, number[]> }, { w: Map<string, number[]> }];
    for (const [name, v] of b) assertNear(v.dataSync(), expected.w.get(name)!, `resumed ${name}`);

    // Without importState the third step differs (momentum lost): the round trip is what makes it match.
    const c: Array<[string, tf.Variable]> = b.map(([name]) => [name, tf.variable(tf.tensor(expected2.w.get(name)!, SHAPES[name]!), true)]);
    const sgdC = new Sgd(opts);
    const gC = gradsFor(c, grads[2]!);
    sgdC.step(c, gC, LRS[2]!);
    assert.ok(relativeDiff(c[0]![1].dataSync(), a[0]![1].dataSync()) > 1e-4);
    sgdC.dispose();
    tf.dispose([...Object.values(gA), ...Object.values(gB), ...Object.values(gC)]);
    [sgdA, sgdB].forEach((s) => s.dispose());
    tf.dispose([...a, ...b, ...c].map(([, v]) => v));
  });
}

test('the vectors updated together: a vector that loses its gradient, then gets it back, still matches torch.optim.SGD', async () => {
  const opts = { momentum: 0.9, nesterov: true, weightDecay: 1e-4 };
  const { w0, grads } = problem(5);
  // Step 2 has no gradient for bn.beta (as a frozen or unused parameter): torch leaves it and its buffer alone.
  const present = (t: number, name: string): boolean => !(t === 1 && name === 'bn.beta');
  const w = new Map([...w0].map(([k, v]) => [k, [...v]]));
  const buf = new Map<string, number[]>();
  const params = makeParams(w0);
  const sgd = new Sgd(opts);
  for (let t = 0; t < LRS.length; t++) {
    for (const [name, p] of w) {
      if (!present(t, name)) continue;
      const d = grads[t]!.get(name)!.map((gi, i) => gi + opts.weightDecay * p[i]!);
      const b = buf.has(name) ? buf.get(name)!.map((bi, i) => opts.momentum * bi + d[i]!) : [...d];
      buf.set(name, b);
      w.set(name, p.map((pi, i) => pi - LRS[t]! * (d[i]! + opts.momentum * b[i]!)));
    }
    const g = Object.fromEntries(params.filter(([name]) => present(t, name)).map(([name, v]) => [v.name, tf.tensor(grads[t]!.get(name)!, SHAPES[name]!)]));
    sgd.step(params, g, LRS[t]!);
    tf.dispose(Object.values(g));
    const state = await sgd.exportState();
    for (const [name, v] of params) {
      assertNear(v.dataSync(), w.get(name)!, `step ${t + 1} ${name}`);
      assertNear(state.get(name)!, buf.get(name)!, `step ${t + 1} buffer ${name}`);
    }
  }
  sgd.dispose();
  tf.dispose(params.map(([, v]) => v));
});

test('importState replaces existing buffers without leaking and ignores unknown names', async () => {
  const { w0, grads } = problem(4);
  const params = makeParams(w0);
  const sgd = new Sgd({ momentum: 0.9, nesterov: false, weightDecay: 0 });
  const g = gradsFor(params, grads[0]!);
  sgd.step(params, g, 0.1);
  const before = tf.memory().numTensors;
  const state = new Map([
    ['conv.weight', new Float32Array([1, 2, 3, 4, 5, 6])],
    ['not.a.param', new Float32Array([7])],
  ]);
  sgd.importState(params, state);
  // An import leaves one buffer per parameter (the next step joins the vectors' again): none leaked.
  assert.equal(tf.memory().numTensors, before - BUFFER_TENSORS + params.length, 'old buffers disposed');
  const out = await sgd.exportState();
  assert.deepEqual(out.get('conv.weight'), new Float32Array([1, 2, 3, 4, 5, 6]));
  assert.equal(out.has('not.a.param'), false);
  assert.deepEqual(out.get('bn.gamma'), new Float32Array(grads[0]!.get('bn.gamma')!), 'first-step buffer = gradient');
  sgd.step(params, g, 0.1);
  assert.equal(tf.memory().numTensors, before, 'the vectors share one buffer again');
  tf.dispose(Object.values(g));
  sgd.dispose();
  tf.dispose(params.map(([, v]) => v));
});
