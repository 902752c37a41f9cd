// Chooses the compute backend at start-up, in DESIGN.md's order:
//   tensorflow via @tensorflow/tfjs-node-gpu (CUDA) → tensorflow via @tensorflow/tfjs-node → wasm → cpu.
// Both native packages are optionalDependencies: where their install failed (no libtensorflow, no
// network) the import throws and we fall through. The result says which backend runs and why, so the
// CLI can log it and every run can store it.
import * as tf from '../tf.ts';
import { BackendError } from '../../../src-shared/errors.ts';
import type { BackendChoice } from './backend-choice.ts';

export { backendChoices, parseBackendChoice, type BackendChoice } from './backend-choice.ts';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** The npm package that provides it. */
  provider: string;
  /** Why this backend: what was tried before it and why that failed, or that it was forced. */
  reason: string;
}

type Attempt = { ok: true; info: BackendInfo } | { ok: false; why: string };

let selected: BackendInfo | null = null;

/** The backend selected by the last selectBackend() call, or null before any. */
export function currentBackend(): BackendInfo | null {
  return selected;
}

export async function selectBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (selected && (choice === 'auto' || choice === selected.name)) return selected;
  const candidates: Array<() => Promise<Attempt>> =
    choice === 'auto'
      ? [tryNative('@tensorflow/tfjs-node-gpu'), tryNative('@tensorflow/tfjs-node'), tryWasm, tryCpu]
      : choice === 'tensorflow'
        ? [tryNative('@tensorflow/tfjs-node-gpu'), tryNative('@tensorflow/tfjs-node')]
        : choice === 'wasm'
          ? [tryWasm]
          : [tryCpu];
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

function tryNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): () => Promise<Attempt> {
  return async () => {
    try {
      await import(pkg);
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';
      return { ok: false, why: `${pkg} ${missing ? 'not installed' : `failed to load: ${firstLine(e)}`}` };
    }
    if (!(await tf.setBackend('tensorflow'))) return { ok: false, why: `${pkg} loaded but its backend did not start` };
    await tf.ready();
    const gpu = pkg.endsWith('-gpu');
    return { ok: true, info: { name: 'tensorflow', provider: pkg, reason: gpu ? 'native TensorFlow with CUDA' : 'native TensorFlow on CPU' } };
  };
}

async function tryWasm(): Promise<Attempt> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    const { registerWasmKernels } = await import('../kernels/register-all.ts');
    registerWasmKernels();
    if (!(await tf.setBackend('wasm'))) return { ok: false, why: 'wasm backend did not start' };
    await tf.ready();
    return { ok: true, info: { name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', reason: 'WebAssembly (XNNPACK) with our training kernels' } };
  } catch (e) {
    return { ok: false, why: `wasm unavailable: ${firstLine(e)}` };
  }
}

async function tryCpu(): Promise<Attempt> {
  await import('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) return { ok: false, why: 'cpu backend did not start' };
  await tf.ready();
  return { ok: true, info: { name: 'cpu', provider: '@tensorflow/tfjs-backend-cpu', reason: 'pure JavaScript (slow)' } };
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.slice(0, 160);
}
