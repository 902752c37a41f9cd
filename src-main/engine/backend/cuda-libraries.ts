// Which of the CUDA libraries @tensorflow/tfjs-node-gpu needs can the dynamic loader find here?
// tfjs-node-gpu 4.22 ships libtensorflow 2.9.1, built against CUDA 11.2 and cuDNN 8.1: it dlopens exactly
// these sonames at start-up and, when one is missing, silently runs on the CPU. Looking first lets 'auto'
// skip the GPU package (and say why) without loading it. Linux only: elsewhere this says nothing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The sonames libtensorflow 2.9.1's GPU build loads (CUDA 11.x runtime and math libraries, cuDNN 8). */
export const TENSORFLOW_GPU_LIBRARIES = [
  'libcuda.so.1',
  'libcudart.so.11.0',
  'libcublas.so.11',
  'libcublasLt.so.11',
  'libcufft.so.10',
  'libcurand.so.10',
  'libcusolver.so.11',
  'libcusparse.so.11',
  'libcudnn.so.8',
] as const;

export const TENSORFLOW_GPU_NEEDS = 'CUDA 11.2 and cuDNN 8.1 (libtensorflow 2.9.1)';

const STANDARD_DIRS = ['/usr/local/cuda/lib64', '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu'];

/** The loader's cache (`ldconfig -p`) as soname → path; empty where ldconfig is missing. */
function ldconfigCache(): Map<string, string> {
  const out = new Map<string, string>();
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      const text = execFileSync(ldconfig, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
      for (const line of text.split('\n')) {
        const m = /^\s*(\S+) \(.*\) => (\S+)$/.exec(line);
        if (m && !out.has(m[1]!)) out.set(m[1]!, m[2]!);
      }
      return out;
    } catch {
      // try the next location
    }
  }
  return out;
}

/** For each needed library, where the loader would find it, or null. Null overall off Linux. */
export function findCudaLibraries(env: NodeJS.ProcessEnv = process.env): Map<string, string | null> | null {
  if (process.platform !== 'linux') return null;
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...STANDARD_DIRS];
  const cache = ldconfigCache();
  const found = new Map<string, string | null>();
  for (const lib of TENSORFLOW_GPU_LIBRARIES) {
    const dir = dirs.find((d) => existsSync(join(d, lib)));
    found.set(lib, dir ? join(dir, lib) : (cache.get(lib) ?? null));
  }
  return found;
}

/** The needed libraries the loader cannot find ([] when all are there, or off Linux). */
export function missingCudaLibraries(env: NodeJS.ProcessEnv = process.env): string[] {
  const found = findCudaLibraries(env);
  return found ? [...found].filter(([, path]) => path === null).map(([lib]) => lib) : [];
}
