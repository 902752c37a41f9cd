// The `webgpu` backend: @tensorflow/tfjs-backend-webgpu on whatever WebGPU the host has.
//   - In Node (CLI, `pwb serve`, job processes) WebGPU comes from the `webgpu` package (Dawn's Node
//     binding: Vulkan, Metal or D3D12; prebuilt for Linux, Windows and macOS in its npm tarball). It is an
//     optionalDependency: where it is missing this backend says so and selection moves on.
//   - In a Chromium page or Worker `navigator.gpu` already exists and is used as it is.
// tfjs-backend-webgpu registers itself only if `navigator.gpu` exists when it is imported, so the
// adapter is found first (webgpu-adapter.ts). A software adapter (Mesa's lavapipe, Chromium's
// SwiftShader) runs every kernel correctly but slower than the CPU backends: `auto` passes it by,
// `--backend webgpu` takes it. On this backend every read is `await data()`: a synchronous read of a GPU
// tensor throws in Node and returns zeros in Chromium.
import * as tf from '../tf.ts';
import { describeAdapter, probeAdapter, probeAdapterInChild, releaseDawn, type AdapterProbe } from './webgpu-adapter.ts';

export { describeAdapter, describeDevice, type GpuAdapterSummary } from './webgpu-adapter.ts';

let started: Extract<AdapterProbe, { ok: true }> | null = null;

/**
 * Starts tfjs's webgpu backend (once per process; later calls re-activate it). With `acceptSoftware`
 * false (auto) a software adapter is refused; in Node, Dawn is loaded here only once a child process
 * has found an adapter worth it.
 */
export async function startWebGpu(acceptSoftware: boolean): Promise<AdapterProbe> {
  if (started) {
    if (!(await tf.setBackend('webgpu'))) return { ok: false, why: 'webgpu backend did not restart' };
    return started;
  }
  // In Node, a child process asks first: where there is no adapter (or only a software one, for auto)
  // Dawn is never loaded here, and neither are the Vulkan loader's warnings printed.
  const inNode = !(globalThis.navigator as { gpu?: unknown } | undefined)?.gpu;
  if (inNode) {
    const child = await probeAdapterInChild();
    if (!child.ok) return child;
    if (child.software && !acceptSoftware) return skipped(child);
  }
  const probe = await probeAdapter();
  if (!probe.ok || (probe.software && !acceptSoftware)) {
    releaseDawn();
    return probe.ok ? skipped(probe) : probe;
  }
  const adapter = describeAdapter(probe.adapter);
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
  } catch (e) {
    return { ok: false, why: `webgpu: @tensorflow/tfjs-backend-webgpu failed to load: ${(e as Error).message.split('\n')[0]}` };
  }
  if (!(await tf.setBackend('webgpu'))) return { ok: false, why: `webgpu: the backend did not start on ${adapter}` };
  await tf.ready();
  started = probe;
  return probe;
}

function skipped(probe: Extract<AdapterProbe, { ok: true }>): AdapterProbe {
  return { ok: false, why: `webgpu skipped: its adapter is a software renderer (${describeAdapter(probe.adapter)}), slower than the CPU backends` };
}
