// The machine's compute report (`pwb doctor`, the UI's Compute view): every backend candidate probed in
// a child process of its own (backend-probe.ts), the CUDA libraries tfjs-node-gpu needs, the NVIDIA GPUs
// nvidia-smi lists, and what 'auto' picks.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { BACKEND_CANDIDATES, type BackendCandidate, type BackendReport, type ComputeReport } from '../../src-shared/compute-report.ts';
import { findCudaLibraries, TENSORFLOW_GPU_NEEDS } from '../engine/backend/cuda-libraries.ts';
import { emptyReport } from './backend-probe.ts';
import { runJsonChild } from './json-child.ts';

const PROBE_ENTRY = fileURLToPath(new URL('./backend-probe.ts', import.meta.url));

export interface DiagnoseOptions {
  /** Run the 3-second throughput probes (default true). */
  probe?: boolean;
  /** Native TensorFlow's intra-op threads (default every core). */
  threads?: number;
}

export async function diagnoseCompute(opts: DiagnoseOptions = {}): Promise<ComputeReport> {
  const found = findCudaLibraries();
  const backends: BackendReport[] = [];
  for (const c of BACKEND_CANDIDATES) backends.push(await probeInChild(c, opts));
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
