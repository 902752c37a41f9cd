// Honest selection of WebGPU, each case in a fresh process:
//   - a software adapter (here Mesa's lavapipe): 'auto' passes it by and says so, `--backend webgpu`
//     takes it and stores it as a software adapter, not a GPU;
//   - no adapter at all (no Vulkan driver: VK_ICD_FILENAMES names a missing file): 'auto' falls back to
//     the next backend with the reason, `--backend webgpu` fails with one line that says why;
//   - how adapters are classified and described.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BackendInfo } from '../../../src-main/engine/backend/select-backend.ts';
import { describeAdapter, isSoftwareAdapter } from '../../../src-main/engine/backend/webgpu-adapter.ts';
import { WEBGPU_SKIP } from '../backends.ts';
import { countRows, lines, runPwb } from '../../cli/helpers.ts';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHILD = fileURLToPath(new URL('./select-in-child.ts', import.meta.url));
/** No Vulkan driver for the loader to find (the Vulkan loader reads both names). */
const NO_DRIVER = { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' };

function selectInChild(choice: string, env: NodeJS.ProcessEnv = {}): { ok: boolean; info?: BackendInfo; error?: string } {
  const out = execFileSync(process.execPath, [CHILD, choice], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { ok: boolean; info?: BackendInfo; error?: string };
}

test('adapters: software ones are recognised, GPUs are not mistaken for them; the description names vendor, architecture and device', () => {
  const lavapipe = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15', description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)', isFallbackAdapter: true };
  const swiftshader = { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true };
  const nvidia = { vendor: 'nvidia', architecture: 'ada', device: '', description: 'NVIDIA GeForce RTX 4090', isFallbackAdapter: false };
  const apple = { vendor: 'apple', architecture: 'metal-3', device: '', description: '', isFallbackAdapter: false };
  assert.equal(isSoftwareAdapter(lavapipe), true);
  assert.equal(isSoftwareAdapter(swiftshader), true);
  assert.equal(isSoftwareAdapter({ ...lavapipe, isFallbackAdapter: false, architecture: '' }), true, 'llvmpipe by name');
  assert.equal(isSoftwareAdapter(nvidia), false);
  assert.equal(isSoftwareAdapter(apple), false);
  assert.equal(describeAdapter(nvidia), 'nvidia ada: NVIDIA GeForce RTX 4090');
  assert.equal(describeAdapter(apple), 'apple metal-3');
  assert.equal(describeAdapter({ ...apple, vendor: '', architecture: '' }), 'unknown vendor');
});

describe('with a software adapter', { skip: WEBGPU_SKIP }, () => {
  test("'auto' passes a software adapter by and says why", () => {
    const r = selectInChild('auto');
    assert.ok(r.ok, r.error);
    assert.notEqual(r.info!.name, 'webgpu');
    assert.match(r.info!.reason, /webgpu skipped: its adapter is a software renderer \(.+\)/);
  });

  test('--backend webgpu takes it, as a software adapter (not a GPU), and stores the adapter', () => {
    const r = selectInChild('webgpu');
    assert.ok(r.ok, r.error);
    const info = r.info!;
    assert.equal(info.name, 'webgpu');
    assert.equal(info.gpu, false);
    assert.match(info.device, /^software adapter \(/);
    assert.ok(info.adapter && isSoftwareAdapter(info.adapter), JSON.stringify(info.adapter));
    assert.match(info.reason, /^WebGPU through .+ on .+ — a software renderer on the CPU/);
  });
});

describe('without any adapter', { skip: WEBGPU_SKIP && !WEBGPU_SKIP.startsWith('webgpu: no adapter') ? WEBGPU_SKIP : false }, () => {
  test("'auto' falls back to the next backend and says there is no adapter", () => {
    const r = selectInChild('auto', NO_DRIVER);
    assert.ok(r.ok, r.error);
    assert.notEqual(r.info!.name, 'webgpu');
    assert.match(r.info!.reason, /webgpu: no adapter from Dawn/);
  });

  test('pwb train --backend webgpu without an adapter: bad input, exit status 2, one line, no run stored', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'pwb-webgpu-none-')), 'runs.sqlite');
    const r = await runPwb(['--db', db, 'train', '--arch', 'vgg_mini', '--dataset', 'fashion-mnist-mini', '--epochs', '1', '--backend', 'webgpu'], { env: NO_DRIVER });
    assert.equal(r.code, 2, r.stderr);
    assert.deepEqual(lines(r.stderr).length, 1, r.stderr);
    assert.match(lines(r.stderr)[0]!, /^pwb: error: backend 'webgpu' cannot run here: webgpu: no adapter from Dawn/);
    assert.equal(existsSync(db) ? countRows(db)?.runs ?? 0 : 0, 0);
  });

  test('--backend webgpu fails with one line saying why', () => {
    const r = selectInChild('webgpu', NO_DRIVER);
    assert.equal(r.ok, false);
    assert.match(r.error!, /^backend 'webgpu' cannot run here: webgpu: no adapter from Dawn .*\(no Vulkan, Metal or D3D12 driver/);
    assert.ok(!r.error!.includes('\n'));
  });
});
