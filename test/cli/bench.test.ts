// `pwb bench` measures every installed backend, each (backend, thread count) in its own process, with
// one JSON row per (model, backend, threads); a backend that cannot run gives rows that say why.
// Tiny settings (1 timed step, no warm-up, no PyTorch): this checks the plumbing, not the speed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tensorflowInstalled, TENSORFLOW_SKIP } from '../engine/backends.ts';
import { runPwb } from './helpers.ts';

interface Row {
  model: string;
  backend: string;
  threads: number;
  trainImagesPerSec: number | null;
  inferImagesPerSec: number | null;
  inferThreads: number;
  backendReason: string;
  error: string | null;
  torchError: string | null;
  rounds: number;
}

test('one row per (model, backend, threads), each measured on its backend', { skip: !tensorflowInstalled && TENSORFLOW_SKIP }, async () => {
  const r = await runPwb(['bench', '--models', 'bench_cnn', '--threads', '1,2', '--steps', '1', '--warmup', '0', '--rounds', '1', '--no-torch', '--json'], { timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { backends: string[]; rows: Row[] };
  assert.deepEqual(out.backends, ['tensorflow', 'wasm']);
  assert.deepEqual(out.rows.map((x) => `${x.model} ${x.backend} ${x.threads}`), [
    'bench_cnn tensorflow 1', 'bench_cnn tensorflow 2', 'bench_cnn wasm 1', 'bench_cnn wasm 2',
  ]);
  for (const row of out.rows) {
    assert.equal(row.error, null);
    assert.ok(row.trainImagesPerSec! > 0 && row.inferImagesPerSec! > 0, JSON.stringify(row));
    assert.equal(row.torchError, 'skipped (--no-torch)');
  }
  const tf = out.rows.filter((x) => x.backend === 'tensorflow');
  assert.deepEqual(tf.map((x) => x.inferThreads), [1, 2], "TensorFlow's intra-op threads follow --threads");
  assert.match(tf[0]!.backendReason, /^@tensorflow\/tfjs-node(-gpu)?: native TensorFlow on CPU .*1 intra-op thread\b/);
  assert.match(tf[1]!.backendReason, /2 intra-op threads/);
  assert.match(out.rows[2]!.backendReason, /^@tensorflow\/tfjs-backend-wasm: WebAssembly/);
});

test('a backend that cannot run gives rows naming the reason; the others still run', async () => {
  const r = await runPwb(['bench', '--models', 'bench_cnn', '--threads', '1', '--steps', '1', '--warmup', '0', '--rounds', '2', '--no-torch', '--json', '--backend', 'wasm,tensorflow'], {
    timeoutMs: 180_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const rows = (JSON.parse(r.stdout) as { rows: Row[] }).rows;
  assert.deepEqual(rows.map((x) => x.backend), ['wasm', 'tensorflow'], 'one row per (model, backend, threads) whatever the rounds');
  assert.deepEqual(rows.map((x) => x.rounds), [2, 2]);
  assert.ok(rows[0]!.trainImagesPerSec! > 0);
  if (tensorflowInstalled) assert.equal(rows[1]!.error, null);
  else assert.match(rows[1]!.error!, /backend 'tensorflow' cannot run here: .*tfjs-node not installed/);
});

test("--backend auto is refused with a one-line reason", async () => {
  const r = await runPwb(['bench', '--backend', 'auto', '--no-torch']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^pwb: error: --backend: name the backends \(webgpu, tensorflow, wasm, cpu\)/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
