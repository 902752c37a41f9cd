// What `pwb doctor` and the UI's Compute view report about the compute backends of this machine.
// Plain JSON: it crosses IPC and HTTP unchanged.

/** The candidates in selection order: WebGPU, each native package, then wasm, then cpu. */
export const BACKEND_CANDIDATES = ['webgpu', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'wasm', 'cpu'] as const;
export type BackendCandidate = (typeof BACKEND_CANDIDATES)[number];

export interface BackendReport {
  candidate: BackendCandidate;
  installed: boolean;
  loads: boolean;
  /** Why it does not load or was skipped; null when it loads. */
  why: string | null;
  backend: string | null;
  device: string | null;
  gpu: boolean;
  /** Native TensorFlow's intra-op threads; null for wasm/cpu. */
  threads: number | null;
  reason: string | null;
  /** Training images/s of bench_cnn at batch 64 over about 3 s; null when not probed. */
  probeImagesPerSec: number | null;
  probeNote: string | null;
}

export interface ComputeReport {
  machine: { cpu: string; cores: number; platform: string; node: string };
  /** What `--backend auto` picks here, e.g. "tensorflow via @tensorflow/tfjs-node"; null when nothing loads. */
  auto: string | null;
  cuda: { needs: string; libraries: Array<{ name: string; path: string | null }> | null; gpus: string[] };
  webgpu: string;
  backends: BackendReport[];
}

/** "loads", "skipped", "does not load" or "not installed". */
export function backendStatus(b: BackendReport): string {
  return b.loads ? 'loads' : !b.installed ? 'not installed' : b.why?.includes(' skipped: ') ? 'skipped' : 'does not load';
}
