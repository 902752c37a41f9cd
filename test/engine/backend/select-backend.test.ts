// Backend selection in DESIGN.md's order (tensorflow-gpu → tensorflow → wasm → cpu), forced choices,
// and the errors for an unknown or unavailable backend. The tfjs-node packages are optional: where they
// are not installed 'auto' lands on wasm, where tfjs-node is (CI installs it with the test rig) on native
// TensorFlow; the other case's assertions are skipped with the reason, never passed silently. The
// GPU-package cases run in child processes: native-selection.test.ts.
// Tests run in file order on purpose: selectBackend('auto') keeps whatever was selected before it.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import { BackendError, ValidationError } from '../../../src-shared/errors.ts';
import {
  backendChoices,
  currentBackend,
  parseBackendChoice,
  selectBackend,
} from '../../../src-main/engine/backend/select-backend.ts';

const NATIVE = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/** "<pkg> not installed" / "<pkg> failed to load: …" / "<pkg> unavailable: …" — the package and why. */
const skipped = (pkg: string): RegExp => new RegExp(`${pkg.replace(/[/.-]/g, '\\$&')}(?!-gpu) (not installed|failed to load|unavailable)`);

function resolves(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
const installed = NATIVE.filter(resolves);
const nativeSkip = installed.length > 0 ? `${installed.join(' and ')} installed here, so native TensorFlow may run` : false;

test('nothing is selected before the first call', () => {
  assert.equal(currentBackend(), null);
});

test("'auto' falls through to wasm and says why the tensorflow packages were skipped", async (t) => {
  if (nativeSkip) {
    t.skip(nativeSkip);
    return;
  }
  const info = await selectBackend('auto');
  assert.equal(info.name, 'wasm');
  assert.equal(info.provider, '@tensorflow/tfjs-backend-wasm');
  assert.equal(tf.getBackend(), 'wasm');
  for (const pkg of NATIVE) assert.match(info.reason, skipped(pkg), info.reason);
  assert.match(info.reason, /^WebAssembly/);
  assert.equal(currentBackend(), info);
  // our training kernel is registered for wasm
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'Conv2DBackpropFilter registered for wasm');
  // a second 'auto' keeps the selection
  assert.equal(await selectBackend('auto'), info);
});

test("'auto' picks native TensorFlow where tfjs-node is installed, with our kernels and the device named", async (t) => {
  if (!installed.includes('@tensorflow/tfjs-node')) {
    t.skip('@tensorflow/tfjs-node is not installed here (scripts/test-rig/with-libtensorflow.sh npm ci installs it offline)');
    return;
  }
  const info = await selectBackend('auto');
  assert.equal(info.name, 'tensorflow');
  assert.equal(tf.getBackend(), 'tensorflow');
  assert.equal(info.gpu, false, 'no GPU on this machine');
  assert.match(info.device, /^CPU \(.*\), oneDNN (on|off), \d+ intra-op threads?$/);
  assert.match(info.reason, /^native TensorFlow on CPU/);
  // The library that runs, by its own TF_Version (the test rig's comes from a TensorFlow wheel, not the 2.9.1 download).
  const loaded = (tf.backend() as unknown as { binding: { TF_Version: string } }).binding.TF_Version;
  assert.match(loaded, /^\d+\.\d+\.\d+/);
  assert.ok(info.reason.includes(`tfjs-node 4.22.0, libtensorflow ${loaded}${loaded === '2.9.1' ? '' : ' (not the 2.9.1 its install script fetches)'}`), info.reason);
  assert.ok(info.nativeThreads !== null && info.nativeThreads >= 1);
  for (const k of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPool', 'MaxPoolGrad', 'ReluGrad', 'BatchNormTraining', 'BatchNormTrainingGrad']) {
    assert.ok(tf.getKernel(k, 'tensorflow'), `${k} registered for tensorflow`);
  }
  assert.equal(await selectBackend('auto'), info, 'a second auto keeps the selection');
});

test("forcing 'cpu' gives cpu, and says it was forced", async () => {
  const info = await selectBackend('cpu');
  assert.deepEqual(
    { name: info.name, provider: info.provider },
    { name: 'cpu', provider: '@tensorflow/tfjs-backend-cpu' },
  );
  assert.match(info.reason, /forced by --backend cpu/);
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(currentBackend(), info);
  // and it computes
  const y = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]));
  assert.deepEqual(Array.from(y.dataSync()), [4, 6]);
  y.dispose();
});

test("forcing 'wasm' after cpu switches to wasm", async () => {
  const info = await selectBackend('wasm');
  assert.equal(info.name, 'wasm');
  assert.match(info.reason, /forced by --backend wasm/);
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(await selectBackend('wasm'), info, 'the same choice again is a no-op');
  await selectBackend('cpu');
  assert.equal(tf.getBackend(), 'cpu');
});

test('parseBackendChoice accepts the valid names and rejects others with a ValidationError listing them', () => {
  assert.deepEqual([...backendChoices], ['auto', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
  for (const c of backendChoices) assert.equal(parseBackendChoice(c), c);
  for (const bad of ['gpu', 'webgl', '', 'CPU']) {
    assert.throws(
      () => parseBackendChoice(bad),
      (e: unknown) =>
        e instanceof ValidationError && e.code === 'VALIDATION' && e.message.includes(`'${bad}'`) &&
        backendChoices.every((c) => e.message.includes(c)),
      bad,
    );
  }
});

test("forcing 'tensorflow' without the packages: BackendError naming them; the previous backend stays", async (t) => {
  if (nativeSkip) {
    t.skip(nativeSkip);
    return;
  }
  const before = currentBackend();
  assert.equal(before?.name, 'cpu');
  await assert.rejects(
    selectBackend('tensorflow'),
    (e: unknown) =>
      e instanceof BackendError && e.code === 'BACKEND' && /backend 'tensorflow' cannot run here/.test(e.message) &&
      NATIVE.every((pkg) => skipped(pkg).test(e.message)),
  );
  assert.equal(currentBackend(), before);
  assert.equal(tf.getBackend(), 'cpu');
});
