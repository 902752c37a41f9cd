// `pwb doctor` reports every backend candidate — installed or not, loads or not and why, the device and
// threads — and what 'auto' picks; with probes, a positive training throughput for each that loads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingCudaLibraries } from '../../src-main/engine/backend/cuda-libraries.ts';
import { isInstalled } from '../../src-main/engine/backend/select-backend.ts';
import { tensorflowInstalled, WEBGPU_SKIP } from '../engine/backends.ts';
import { runPwb } from './helpers.ts';

interface Report {
  auto: string | null;
  webgpu: string;
  cuda: { libraries: Array<{ name: string; path: string | null }> | null };
  backends: Array<{ candidate: string; installed: boolean; loads: boolean; why: string | null; device: string | null; gpu: boolean; threads: number | null; probeImagesPerSec: number | null; probeNote: string | null }>;
}

test('doctor --json --no-probe: every candidate, why the GPU package is not used, what auto picks', async () => {
  const r = await runPwb(['doctor', '--json', '--no-probe', '--threads', '1'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.deepEqual(report.backends.map((b) => b.candidate), ['webgpu', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'wasm', 'cpu']);
  const [webgpu, gpu, node, wasm, cpu] = report.backends;
  // This machine has no GPU: WebGPU is either a software adapter (loads, not a GPU, passed by auto) or absent.
  assert.equal(webgpu!.gpu, false, 'no GPU on this machine');
  if (WEBGPU_SKIP === false) {
    assert.equal(webgpu!.loads, true, webgpu!.why ?? '');
    assert.match(webgpu!.device!, /^software adapter \(/);
    assert.match(report.webgpu, /auto passes it by/);
  } else {
    assert.equal(webgpu!.loads, false);
    assert.ok(webgpu!.why, 'says why WebGPU does not load');
  }
  assert.equal(wasm!.loads, true);
  assert.equal(cpu!.loads, true);
  assert.equal(gpu!.gpu || node!.gpu || wasm!.gpu, false, 'no GPU on this machine');
  assert.equal(gpu!.installed, isInstalled('@tensorflow/tfjs-node-gpu'));
  if (gpu!.installed && missingCudaLibraries().length > 0) {
    assert.equal(gpu!.loads, false);
    assert.match(gpu!.why!, /no usable CUDA \(missing .*libcudart\.so\.11\.0/);
  } else if (!gpu!.installed) {
    assert.match(gpu!.why!, /tfjs-node-gpu not installed/);
  }
  if (tensorflowInstalled) {
    assert.equal(node!.loads, true, node!.why ?? '');
    assert.equal(node!.threads, 1);
    assert.match(node!.device!, /^CPU .*oneDNN (on|off), 1 intra-op thread$/);
    assert.equal(report.auto, 'tensorflow via @tensorflow/tfjs-node');
  } else {
    assert.match(node!.why!, /tfjs-node not installed/);
    assert.equal(report.auto, 'wasm via @tensorflow/tfjs-backend-wasm');
  }
  for (const b of report.backends) assert.equal(b.probeImagesPerSec, null);
  assert.ok(report.cuda.libraries === null || report.cuda.libraries.some((l) => l.name === 'libcudnn.so.8'));
});

test('doctor (text) probes each backend that loads for about 3 s', async () => {
  const r = await runPwb(['doctor'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^auto picks: /m);
  assert.match(r.stdout, /^wasm: loads\n {2}device: .*\n(.*\n)* {2}probe: \d+ img\/s \(bench_cnn training, batch 64, \d+ steps in [\d.]+ s/m);
  if (tensorflowInstalled) assert.match(r.stdout, /^@tensorflow\/tfjs-node: loads\n(.*\n)*? {2}probe: \d+ img\/s/m);
  assert.match(r.stdout, /^CUDA: needs CUDA 11\.2 and cuDNN 8\.1/m);
  assert.match(r.stdout, /^WebGPU: /m);
});
