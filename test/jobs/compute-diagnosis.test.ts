// The compute report in the desktop app: its jobs' WebGPU is the GPU window's (Dawn cannot load inside
// Electron), so the report asks the window — a real GPU is what auto trains on, a software adapter is
// passed by, and a window whose WebGPU did not start says why in one line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnoseCompute } from '../../src-main/jobs/compute-diagnosis.ts';

const GPU = { vendor: 'apple', architecture: 'metal-3', device: '', description: 'Apple M3 Max', isFallbackAdapter: false };

test("the app's GPU window answers for webgpu: its adapter, what auto does with it, or why it has none", async () => {
  const gpu = await diagnoseCompute({ probe: false, webgpu: async () => ({ ok: true, adapter: GPU, software: false, host: "the browser's WebGPU" }) });
  const webgpu = gpu.backends.find((b) => b.candidate === 'webgpu')!;
  assert.deepEqual(
    { loads: webgpu.loads, gpu: webgpu.gpu, device: webgpu.device, reason: webgpu.reason, probe: webgpu.probeImagesPerSec },
    { loads: true, gpu: true, device: 'GPU (apple metal-3: Apple M3 Max)', reason: "Chromium's WebGPU on apple metal-3: Apple M3 Max, in the app's GPU window", probe: null },
  );
  assert.match(webgpu.probeNote ?? '', /not probed: it trains in the app's GPU window/);
  assert.match(gpu.auto ?? '', /^webgpu via webgpu/);
  assert.equal(gpu.webgpu, 'GPU (apple metal-3: Apple M3 Max): auto trains on it');

  const software = await diagnoseCompute({ probe: false, webgpu: async () => ({ ok: true, adapter: { ...GPU, vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader' }, software: true, host: 'x' }) });
  assert.doesNotMatch(software.auto ?? '', /^webgpu/, 'auto does not train on a software adapter');
  assert.match(software.webgpu, /auto passes it by/);

  const none = await diagnoseCompute({ probe: false, webgpu: async () => ({ ok: false, why: "webgpu: no adapter from the browser's WebGPU" }) });
  const down = none.backends.find((b) => b.candidate === 'webgpu')!;
  assert.equal(down.loads, false);
  assert.equal(down.why, "webgpu in the app's GPU window: webgpu: no adapter from the browser's WebGPU");
  const broken = await diagnoseCompute({ probe: false, webgpu: async () => { throw new Error('the GPU engine page … did not load: ERR_FILE_NOT_FOUND'); } });
  assert.match(broken.backends[0]!.why ?? '', /^webgpu in the app's GPU window: the GPU engine page … did not load/);
});
