// Honest selection of native TensorFlow, each case in a fresh process (libtensorflow reads its
// environment once; one native package per process):
//   - tfjs-node-gpu installed but the CUDA 11.2 / cuDNN 8.1 libraries missing: 'auto' does not load it
//     and names the missing libraries, then runs tfjs-node;
//   - tfjs-node-gpu whose binding loads but whose TensorFlow finds no GPU (here: stand-in files for the
//     CUDA libraries, so the pre-check passes, and the CPU library installed under the GPU package's
//     name by the test rig): 'auto' reports the CPU, never a GPU, and says why;
//   - --threads and TF_ENABLE_ONEDNN_OPTS reach TensorFlow and the stored reason.
// Cases that need a package report themselves skipped, with the reason, where it is not installed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { missingCudaLibraries, TENSORFLOW_GPU_LIBRARIES } from '../../../src-main/engine/backend/cuda-libraries.ts';
import { isInstalled, type BackendInfo } from '../../../src-main/engine/backend/select-backend.ts';
import { TENSORFLOW_SKIP } from '../backends.ts';

const CHILD = fileURLToPath(new URL('./select-in-child.ts', import.meta.url));
const GPU_PKG = '@tensorflow/tfjs-node-gpu';
const cpuSkip = isInstalled('@tensorflow/tfjs-node') ? false : TENSORFLOW_SKIP;
const gpuSkip = isInstalled(GPU_PKG) ? false : `${GPU_PKG} is not installed here (the test rig installs the CPU library under its name: scripts/test-rig/with-libtensorflow.sh npm ci)`;
const realCuda = missingCudaLibraries().length === 0 ? 'this machine has the CUDA 11 libraries: the no-CUDA case cannot be staged' : false;

function selectInChild(choice: string, env: NodeJS.ProcessEnv, threads?: number): BackendInfo {
  const args = [CHILD, choice, ...(threads === undefined ? [] : [String(threads)])];
  const out = execFileSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const result = JSON.parse(out.trim().split('\n').at(-1)!) as { ok: boolean; info?: BackendInfo; error?: string };
  assert.ok(result.ok, result.error);
  return result.info!;
}

/** A folder holding an empty stand-in file for each CUDA library tfjs-node-gpu needs. */
function fakeCudaDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pwb-fake-cuda-'));
  for (const lib of TENSORFLOW_GPU_LIBRARIES) writeFileSync(join(dir, lib), '');
  return dir;
}

describe('finding the CUDA libraries', () => {
  test('every library is found on LD_LIBRARY_PATH; removing one names it', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
    const dir = fakeCudaDir();
    try {
      assert.deepEqual(missingCudaLibraries({ LD_LIBRARY_PATH: dir }), []);
      rmSync(join(dir, 'libcudnn.so.8'));
      const missing = missingCudaLibraries({ LD_LIBRARY_PATH: dir });
      if (!realCuda) assert.deepEqual(missing, ['libcudnn.so.8']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("'auto' and native TensorFlow", () => {
  test("without CUDA, 'auto' skips tfjs-node-gpu, names the missing libraries and runs tfjs-node", { skip: gpuSkip || cpuSkip || realCuda }, () => {
    const info = selectInChild('auto', { LD_LIBRARY_PATH: '' });
    assert.equal(info.name, 'tensorflow');
    assert.equal(info.provider, '@tensorflow/tfjs-node');
    assert.equal(info.gpu, false);
    assert.match(info.device, /^CPU \(/);
    assert.match(info.reason, /tfjs-node-gpu skipped: no usable CUDA \(missing [^)]*libcudart\.so\.11\.0[^)]*; it needs CUDA 11\.2 and cuDNN 8\.1/);
    assert.doesNotMatch(info.reason, /with CUDA/);
  });

  test('a tfjs-node-gpu whose TensorFlow finds no GPU: the CPU is reported, with why', { skip: gpuSkip || (process.platform !== 'linux' && 'Linux only') }, () => {
    const dir = fakeCudaDir();
    try {
      const info = selectInChild('auto', { LD_LIBRARY_PATH: dir });
      assert.equal(info.name, 'tensorflow');
      assert.equal(info.provider, GPU_PKG);
      assert.equal(info.gpu, false, 'no GPU claimed');
      assert.match(info.device, /^CPU \(.*oneDNN on/);
      assert.match(info.reason, /^native TensorFlow on CPU/);
      assert.match(info.reason, /tfjs-node-gpu loaded but TensorFlow found no usable GPU \(it needs CUDA 11\.2 and cuDNN 8\.1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--threads sets TensorFlow\'s intra-op threads; TF_ENABLE_ONEDNN_OPTS=0 is respected and reported', { skip: cpuSkip }, () => {
    const one = selectInChild('tensorflow', { TF_NUM_INTRAOP_THREADS: '', TF_ENABLE_ONEDNN_OPTS: '' }, 1);
    assert.equal(one.nativeThreads, 1);
    assert.match(one.device, /oneDNN on, 1 intra-op thread\b/);
    assert.match(one.reason, /forced by --backend tensorflow/);
    const off = selectInChild('tensorflow', { TF_NUM_INTRAOP_THREADS: '', TF_ENABLE_ONEDNN_OPTS: '0' }, 2);
    assert.equal(off.nativeThreads, 2);
    assert.match(off.device, /oneDNN off, 2 intra-op threads/);
  });
});
