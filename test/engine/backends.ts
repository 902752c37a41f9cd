// The one list of backends the engine's suites run on: cpu (the reference), wasm, tensorflow where npm
// installed @tensorflow/tfjs-node, and webgpu where WebGPU offers an adapter (a software one is fine for
// correctness: Mesa ≥ 25 lavapipe, as .ci/run installs). A suite loops over `backendsUnderTest` and calls
// `skipReason(backend)`: a backend that cannot run here is reported skipped with the reason and how to
// get it, never counted as passed.
import { execFileSync } from 'node:child_process';
import { isInstalled } from '../../src-main/engine/backend/select-backend.ts';

export const backendsUnderTest = ['cpu', 'wasm', 'tensorflow', 'webgpu'] as const;
export type BackendUnderTest = (typeof backendsUnderTest)[number];

export const TENSORFLOW_SKIP =
  '@tensorflow/tfjs-node is not installed here; install it offline with `scripts/test-rig/with-libtensorflow.sh npm ci` ' +
  '(as .ci/run does) or online with `npm ci`, then rerun';

export const tensorflowInstalled = isInstalled('@tensorflow/tfjs-node');

const WEBGPU_HOW =
  'on Debian 12 without a GPU `apt-get install -t bookworm-backports mesa-vulkan-drivers` (Mesa ≥ 25 lavapipe; ' +
  'as .ci/run does), elsewhere a Vulkan, Metal or D3D12 GPU driver; then rerun';

let softwareAdapter = false;

/** Why WebGPU cannot be tested here (asked in a child process, so this one keeps no Dawn instance), or false. */
function webgpuUnavailable(): string | false {
  if (!isInstalled('webgpu')) return `the webgpu package (Dawn) is not installed (npm ci installs it); ${WEBGPU_HOW}`;
  const probe = new URL('../../src-main/engine/backend/webgpu-adapter.ts', import.meta.url).pathname;
  try {
    const out = execFileSync(process.execPath, [probe], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
    const last = JSON.parse(out.trim().split('\n').at(-1)!) as { ok: boolean; why?: string; software?: boolean };
    softwareAdapter = last.ok && last.software === true;
    return last.ok ? false : `${last.why}; ${WEBGPU_HOW}`;
  } catch (e) {
    return `the WebGPU adapter probe failed (${(e as Error).message.split('\n')[0]}); ${WEBGPU_HOW}`;
  }
}

export const WEBGPU_SKIP = webgpuUnavailable();

/** Whether the WebGPU adapter under test is a software one (lavapipe, SwiftShader): correct, but slow. */
export const WEBGPU_SOFTWARE = softwareAdapter;

/** Why `backend` cannot be tested here, or false when it can. */
export function skipReason(backend: BackendUnderTest): string | false {
  if (backend === 'tensorflow') return tensorflowInstalled ? false : TENSORFLOW_SKIP;
  if (backend === 'webgpu') return WEBGPU_SKIP;
  return false;
}
