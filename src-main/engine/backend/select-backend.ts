// Chooses the compute backend at start-up, in this order:
//   webgpu on a real GPU adapter (webgpu-backend.ts, or in the desktop app its GPU window's, remote-webgpu.ts;
//     a software adapter only when forced)
//   → tensorflow via @tensorflow/tfjs-node-gpu (only with a GPU TensorFlow really uses)
//   → tensorflow via @tensorflow/tfjs-node → wasm → cpu.
// Both native packages are optionalDependencies: where their install failed (no libtensorflow, no
// network) the import throws and we fall through. tfjs-node-gpu loads on machines without CUDA 11.2 and
// then computes on the CPU without a word, so it is skipped when the CUDA libraries it loads are missing,
// and a loaded one is asked whether it uses a GPU. The result says which backend runs, on what device and
// why, so the CLI can log it and every run can store it.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { createRequire } from 'node:module';
import * as tf from '../tf.ts';
import { BackendError } from '../../../src-shared/errors.ts';
import type { BackendCandidate } from '../../../src-shared/compute-report.ts';
import type { BackendChoice } from './backend-choice.ts';
import { missingCudaLibraries, TENSORFLOW_GPU_NEEDS } from './cuda-libraries.ts';
import { applyNativeEnvironment } from './native-environment.ts';
import { remoteWebGpuOffer } from './remote-webgpu.ts';
import { describeAdapter, describeDevice, startWebGpu, type GpuAdapterSummary } from './webgpu-backend.ts';

export { backendChoices, parseBackendChoice, type BackendChoice } from './backend-choice.ts';
export type BackendName = 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';

export type NativePackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

export interface BackendInfo {
  name: BackendName;
  /** The npm package that provides it. */
  provider: string;
  /** What computes: the GPU, or the CPU (with oneDNN on/off for native TensorFlow). */
  device: string;
  /** True only when TensorFlow itself reports a GPU device in use. */
  gpu: boolean;
  /** Native TensorFlow's intra-op threads; null for the others (wasm/cpu use data-parallel workers). */
  nativeThreads: number | null;
  /** The WebGPU adapter, on the webgpu backend; null elsewhere. */
  adapter: GpuAdapterSummary | null;
  /** The device and versions, then what was tried before this backend and why it failed, or that it was forced. */
  reason: string;
  /**
   * Where the network trains in another realm (webgpu in the desktop app's GPU window): this process's own
   * backend, on which the loop's copies, the hooks and any run that cannot cross compute.
   */
  local?: BackendInfo;
}

export interface SelectOptions {
  /** Threads for native TensorFlow's intra-op pool (read once, at its first load); default every core. */
  threads?: number;
}

export type Attempt = { ok: true; info: BackendInfo } | { ok: false; why: string };

let selected: BackendInfo | null = null;
/** The native package whose TensorFlow is loaded in this process (only one can be). */
let nativeLoaded: { pkg: NativePackage; info: BackendInfo } | null = null;

/** The backend selected by the last selectBackend() call, or null before any. */
export function currentBackend(): BackendInfo | null {
  return selected;
}

export async function selectBackend(choice: BackendChoice = 'auto', opts: SelectOptions = {}): Promise<BackendInfo> {
  if (selected && (choice === 'auto' || choice === selected.name)) return selected;
  const native = nativeCandidates(opts);
  const candidates: Array<() => Promise<Attempt>> =
    choice === 'auto' ? [tryWebGpu(false, opts), ...cpuSide(opts)]
      : choice === 'webgpu' ? [tryWebGpu(true, opts)]
        : choice === 'tensorflow' ? native : choice === 'wasm' ? [tryWasm] : [tryCpu];
  const failures: string[] = [];
  for (const attempt of candidates) {
    const result = await attempt();
    if (result.ok) {
      const why = choice === 'auto' ? failures.join('; ') : `forced by --backend ${choice}`;
      selected = { ...result.info, reason: why ? `${result.info.reason} (${why})` : result.info.reason };
      return selected;
    }
    failures.push(result.why);
  }
  throw new BackendError(`backend '${choice}' cannot run here: ${failures.join('; ')}`);
}

const nativeCandidates = (opts: SelectOptions): Array<() => Promise<Attempt>> =>
  [tryNative('@tensorflow/tfjs-node-gpu', opts), tryNative('@tensorflow/tfjs-node', opts)];

/** What auto tries after webgpu, in order — and what runs beside the app's GPU window. */
const cpuSide = (opts: SelectOptions): Array<() => Promise<Attempt>> => [...nativeCandidates(opts), tryWasm, tryCpu];

/** Tries one candidate exactly as selection would (`pwb doctor`); when it loads it becomes the active backend. */
export async function attemptBackend(candidate: BackendCandidate, opts: SelectOptions = {}): Promise<Attempt> {
  const result = await (candidate === 'webgpu' ? tryWebGpu(true, opts)() : candidate === 'wasm' ? tryWasm()
    : candidate === 'cpu' ? tryCpu() : tryNative(candidate, opts)());
  if (result.ok) selected = result.info;
  return result;
}

/** Whether npm installed `pkg` (resolvable from here), without loading it. */
export function isInstalled(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/**
 * WebGPU through tfjs-backend-webgpu. Under `auto` (forced false) a software adapter is passed by:
 * it computes correctly but slower than native TensorFlow or wasm on the same CPU.
 */
function tryWebGpu(forced: boolean, opts: SelectOptions): () => Promise<Attempt> {
  return async () => {
    if (remoteWebGpuOffer()) return tryRemoteWebGpu(forced, opts);
    const started = await startWebGpu(forced);
    if (!started.ok) return { ok: false, why: started.why };
    const adapter = describeAdapter(started.adapter);
    return {
      ok: true,
      info: {
        name: 'webgpu', provider: '@tensorflow/tfjs-backend-webgpu', device: describeDevice(started),
        gpu: !started.software, nativeThreads: null, adapter: started.adapter,
        reason: `WebGPU through ${started.host} on ${adapter}` +
          (started.software ? ' — a software renderer on the CPU, for correctness checks, not speed' : ''),
      },
    };
  };
}

/**
 * WebGPU in the desktop app's GPU window, over the channel the job was handed: its hello says what adapter
 * (a software one passes by under auto, as here); this process then takes the first local backend that
 * runs (native TensorFlow, wasm, cpu) for everything that stays here.
 */
async function tryRemoteWebGpu(forced: boolean, opts: SelectOptions): Promise<Attempt> {
  const remote = remoteWebGpuOffer()!;
  if (!('port' in remote)) return { ok: false, why: remote.why };
  const probe = remote.probe;
  if (!probe.ok) return { ok: false, why: probe.why };
  const adapter = describeAdapter(probe.adapter);
  if (probe.software && !forced) {
    return { ok: false, why: `webgpu skipped: the app's GPU window has only a software renderer (${adapter}), slower than the CPU backends` };
  }
  let local: BackendInfo | null = null;
  const failures: string[] = [];
  for (const attempt of cpuSide(opts)) {
    const result = await attempt();
    if (result.ok) {
      local = result.info;
      break;
    }
    failures.push(result.why);
  }
  if (!local) return { ok: false, why: `webgpu in the app's GPU window: no backend runs here beside it (${failures.join('; ')})` };
  return {
    ok: true,
    info: {
      name: 'webgpu', provider: "Chromium's WebGPU in the app's GPU window (@tensorflow/tfjs-backend-webgpu)",
      device: describeDevice(probe), gpu: !probe.software, nativeThreads: null, adapter: probe.adapter,
      reason: `Chromium's WebGPU on ${adapter}, in the app's GPU window; ${local.name} here for the rest` +
        (probe.software ? ' — a software renderer on the CPU, for correctness checks, not speed' : ''),
      local,
    },
  };
}

function tryNative(pkg: NativePackage, opts: SelectOptions): () => Promise<Attempt> {
  return async () => {
    if (nativeLoaded) {
      if (nativeLoaded.pkg !== pkg) return { ok: false, why: `${pkg} not loaded: ${nativeLoaded.pkg} already runs TensorFlow in this process` };
      if (!(await tf.setBackend('tensorflow'))) return { ok: false, why: `${pkg} loaded but its backend did not start` };
      return { ok: true, info: nativeLoaded.info };
    }
    const gpuPackage = pkg === '@tensorflow/tfjs-node-gpu';
    if (!isInstalled(pkg)) return { ok: false, why: `${pkg} not installed` };
    if (gpuPackage) {
      const missing = missingCudaLibraries();
      if (missing.length > 0) {
        return { ok: false, why: `${pkg} skipped: no usable CUDA (missing ${missing.join(', ')}; it needs ${TENSORFLOW_GPU_NEEDS})` };
      }
    }
    const settings = applyNativeEnvironment(opts.threads);
    // tfjs-node 4.22 calls util.isNullOrUndefined and util.isArray, deprecated in Node 22: one warning per
    // process that no user can act on.
    process.noDeprecation = true;
    try {
      await import(pkg);
    } catch (e) {
      return { ok: false, why: `${pkg} failed to load: ${firstLine(e)}` };
    }
    if (!(await tf.setBackend('tensorflow'))) return { ok: false, why: `${pkg} loaded but its backend did not start` };
    await tf.ready();
    const { registerTensorflowKernels } = await import('../kernels/tensorflow/register-all.ts');
    registerTensorflowKernels();
    const usingGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
    const cpu = `CPU (${os.cpus()[0]?.model.trim() ?? 'unknown'}), oneDNN ${settings.oneDnn ? 'on' : 'off'}, ${settings.threads} intra-op thread${settings.threads > 1 ? 's' : ''}`;
    const device = usingGpu ? `GPU (${gpuName() ?? 'CUDA device'})` : cpu;
    const versions = nativeVersions(pkg);
    const reason = usingGpu
      ? `native TensorFlow with CUDA on ${device}; ${versions}`
      : `native TensorFlow on ${device}; ${versions}` +
        (gpuPackage ? `; ${pkg} loaded but TensorFlow found no usable GPU (it needs ${TENSORFLOW_GPU_NEEDS} and a driver for them)` : '');
    const info: BackendInfo = { name: 'tensorflow', provider: pkg, device, gpu: usingGpu, nativeThreads: settings.threads, adapter: null, reason };
    nativeLoaded = { pkg, info };
    return { ok: true, info };
  };
}

/**
 * "<pkg> 4.22.0, libtensorflow 2.9.1": the package's version and the libtensorflow that runs — the loaded
 * library's own TF_Version, and where that is not what the package's install script fetches, both.
 */
function nativeVersions(pkg: NativePackage): string {
  const req = createRequire(import.meta.url);
  let fetched: string | null = null;
  try {
    fetched = (req(`${pkg}/scripts/deps-constants.js`) as { LIBTENSORFLOW_VERSION?: string }).LIBTENSORFLOW_VERSION ?? null;
  } catch {
    // an install without its scripts folder: only the loaded library's version is known
  }
  const loaded = (tf.backend() as unknown as { binding?: { TF_Version?: unknown } }).binding?.TF_Version;
  const lib = typeof loaded === 'string' && loaded !== ''
    ? `${loaded}${fetched && fetched !== loaded ? ` (not the ${fetched} its install script fetches)` : ''}`
    : (fetched ?? 'unknown');
  return `${pkg.slice('@tensorflow/'.length)} ${(req(`${pkg}/package.json`) as { version: string }).version}, libtensorflow ${lib}`;
}

/** The first GPU's name from nvidia-smi, or null. */
function gpuName(): string | null {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\n')[0]!.trim() || null;
  } catch {
    return null;
  }
}

async function tryWasm(): Promise<Attempt> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    const { registerWasmKernels } = await import('../kernels/register-all.ts');
    registerWasmKernels();
    if (!(await tf.setBackend('wasm'))) return { ok: false, why: 'wasm backend did not start' };
    await tf.ready();
    return {
      ok: true,
      info: {
        name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', device: 'CPU (WebAssembly SIMD, one thread per worker)', gpu: false,
        nativeThreads: null, adapter: null, reason: 'WebAssembly (XNNPACK) with our training kernels',
      },
    };
  } catch (e) {
    return { ok: false, why: `wasm unavailable: ${firstLine(e)}` };
  }
}

async function tryCpu(): Promise<Attempt> {
  await import('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) return { ok: false, why: 'cpu backend did not start' };
  await tf.ready();
  return {
    ok: true,
    info: {
      name: 'cpu', provider: '@tensorflow/tfjs-backend-cpu', device: 'CPU (plain JavaScript)', gpu: false, nativeThreads: null, adapter: null,
      reason: 'pure JavaScript (slow)',
    },
  };
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.slice(0, 160);
}
