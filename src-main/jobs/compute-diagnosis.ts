// The machine's compute report (`pwb doctor`, the UI's Compute view): every backend candidate probed in
// a child process of its own (backend-probe.ts), the CUDA libraries tfjs-node-gpu needs, the NVIDIA GPUs
// nvidia-smi lists, and what 'auto' picks.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { BACKEND_CANDIDATES, type BackendCandidate, type BackendReport, type ComputeReport } from '../../src-shared/compute-report.ts';
import { findCudaLibraries, TENSORFLOW_GPU_NEEDS } from '../engine/backend/cuda-libraries.ts';
import { describeAdapter, describeDevice, type AdapterProbe } from '../engine/backend/webgpu-adapter.ts';
import { emptyReport } from './backend-probe.ts';
import { jobEntry } from './job-supervisor.ts';
import { runJsonChild } from './json-child.ts';

// Resolved from the app's root, as job entries are: inside the desktop app's bundle (out/main) a path next to
// this module does not exist.
const PROBE_ENTRY = jobEntry('src-main/jobs/backend-probe.ts');

export interface DiagnoseOptions {
  /** Run the 3-second throughput probes (default true). */
  probe?: boolean;
  /** Native TensorFlow's intra-op threads (default every core). */
  threads?: number;
  /**
   * Where the jobs' WebGPU is not this machine's Node one but the desktop app's GPU window (Dawn cannot load
   * inside Electron): asks the window, and reports what its jobs get.
   */
  webgpu?: () => Promise<AdapterProbe>;
}

export async function diagnoseCompute(opts: DiagnoseOptions = {}): Promise<ComputeReport> {
  const found = findCudaLibraries();
  const backends: BackendReport[] = [];
  for (const c of BACKEND_CANDIDATES) backends.push(c === 'webgpu' && opts.webgpu ? await windowReport(opts.webgpu) : await probeInChild(c, opts));
  // 'auto' takes the first that loads; WebGPU and the GPU package only on a real GPU (a software adapter is
  // passed by; tfjs-node-gpu without one is tried after tfjs-node).
  const usable = backends.filter((b) => b.loads);
  const gpuOnly = new Set<BackendCandidate>(['webgpu', '@tensorflow/tfjs-node-gpu']);
  const auto = usable.find((b) => b.gpu) ?? usable.find((b) => !gpuOnly.has(b.candidate)) ?? usable.find((b) => b.candidate !== 'webgpu');
  const webgpu = backends.find((b) => b.candidate === 'webgpu')!;
  return {
    machine: { cpu: os.cpus()[0]?.model.trim() ?? 'unknown', cores: os.availableParallelism(), platform: `${process.platform}-${process.arch}`, node: process.versions.node },
    auto: auto ? `${auto.backend} via ${auto.candidate === 'wasm' || auto.candidate === 'cpu' ? `@tensorflow/tfjs-backend-${auto.candidate}` : auto.candidate}` : null,
    cuda: {
      needs: `${TENSORFLOW_GPU_NEEDS} for @tensorflow/tfjs-node-gpu`,
      libraries: found ? [...found].map(([name, path]) => ({ name, path })) : null,
      gpus: nvidiaGpus(),
    },
    webgpu: !webgpu.installed ? 'the webgpu package (Dawn) is not installed: no GPU path for AMD, Apple or CUDA 12 machines'
      : !webgpu.loads ? `${webgpu.why}`
        : webgpu.gpu ? `${webgpu.device}: auto trains on it`
          : `${webgpu.device}: auto passes it by (slower than the CPU backends); --backend webgpu uses it`,
    backends,
  };
}

/** The webgpu candidate as the desktop app's jobs get it: Chromium's, in the app's GPU window. */
async function windowReport(ask: () => Promise<AdapterProbe>): Promise<BackendReport> {
  const report = { ...emptyReport('webgpu'), installed: true };
  const probe = await ask().catch((e: unknown): AdapterProbe => ({ ok: false, why: (e as Error).message }));
  if (!probe.ok) return { ...report, why: `webgpu in the app's GPU window: ${probe.why}` };
  return {
    ...report, loads: true, backend: 'webgpu', device: describeDevice(probe), gpu: !probe.software,
    reason: `Chromium's WebGPU on ${describeAdapter(probe.adapter)}, in the app's GPU window`,
    probeNote: "not probed: it trains in the app's GPU window (each run stores its img/s)",
  };
}

function probeInChild(candidate: BackendCandidate, opts: DiagnoseOptions): Promise<BackendReport> {
  const args = [candidate, ...(opts.probe === false ? ['--no-probe'] : []), ...(opts.threads ? ['--threads', String(opts.threads)] : [])];
  return runJsonChild<BackendReport>(PROBE_ENTRY, args, { timeout: 120_000 })
    .catch((e: Error) => ({ ...emptyReport(candidate), why: `the probe process failed: ${e.message}` }));
}

function nvidiaGpus(): string[] {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n').map((l) => l.trim()).filter(Boolean);
  } catch {
    return [];
  }
}
