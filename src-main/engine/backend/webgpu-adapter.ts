// Finding a WebGPU adapter, without TensorFlow.js: Dawn's in Node (the `webgpu` package, put on
// navigator.gpu), or the browser's own. In Node a child process asks first (node webgpu-adapter.ts
// prints one JSON line), so a machine with no adapter (or, under auto, only a software one) never loads
// Dawn — nor prints the Vulkan loader's warnings — in the process that trains.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

import type { AdapterProbe, GpuAdapterSummary } from '../../../src-shared/gpu-engine-messages.ts';

export type { AdapterProbe, GpuAdapterSummary } from '../../../src-shared/gpu-engine-messages.ts';

interface GpuLike {
  requestAdapter(opts?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<{ info: Partial<GpuAdapterSummary> } | null>;
}

/** Whether navigator.gpu is Dawn's, put there by us (not a browser's). */
let dawnInstalled = false;

/** Whether an adapter is a software rasteriser rather than a GPU. */
export function isSoftwareAdapter(a: GpuAdapterSummary): boolean {
  return a.isFallbackAdapter || ['software', 'swiftshader', 'cpu'].includes(a.architecture.toLowerCase()) ||
    /llvmpipe|lavapipe|swiftshader|softpipe|warp|microsoft basic render/i.test(`${a.device} ${a.description}`);
}

/** "mesa software: llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)": vendor, architecture, then the description (or device). */
export function describeAdapter(a: GpuAdapterSummary): string {
  const head = [a.vendor, a.architecture].filter((s) => s !== '').join(' ') || 'unknown vendor';
  const body = a.description || a.device;
  return body ? `${head}: ${body}` : head;
}

/** "GPU (nvidia hopper: NVIDIA H200)" or "software adapter (…)": a started adapter as a backend's device. */
export function describeDevice(probe: { adapter: GpuAdapterSummary; software: boolean }): string {
  return `${probe.software ? 'software adapter' : 'GPU'} (${describeAdapter(probe.adapter)})`;
}

/** The adapter WebGPU offers in this process (Dawn's in Node, put on navigator.gpu first). */
export async function probeAdapter(): Promise<AdapterProbe> {
  const nav = globalThis.navigator as (Navigator & { gpu?: GpuLike }) | undefined;
  let host = 'the browser\'s WebGPU';
  if (!nav?.gpu) {
    const dawn = await loadDawn();
    if (!dawn.ok) return dawn;
    host = dawn.host;
  }
  const gpu = (globalThis.navigator as Navigator & { gpu: GpuLike }).gpu;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) {
    return {
      ok: false,
      why: `webgpu: no adapter from ${host} (no Vulkan, Metal or D3D12 driver that WebGPU accepts; ` +
        'on Linux without a GPU, Mesa ≥ 25 lavapipe gives a software one)',
    };
  }
  const info = adapter.info;
  const summary: GpuAdapterSummary = {
    vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '',
    description: info.description ?? '', isFallbackAdapter: info.isFallbackAdapter === true,
  };
  return { ok: true, adapter: summary, software: isSoftwareAdapter(summary), host };
}

/** The adapter a fresh Node process finds (what `auto` asks before loading Dawn here). */
export function probeAdapterInChild(): Promise<AdapterProbe> {
  const entry = fileURLToPath(import.meta.url);
  return new Promise((resolve) => {
    execFile(process.execPath, [entry], { timeout: 60_000, maxBuffer: 1 << 20 }, (err, stdout) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (last.startsWith('{')) return resolve(JSON.parse(last) as AdapterProbe);
      resolve({ ok: false, why: `webgpu: the adapter probe failed (${err ? firstLine(err) : 'no answer'})` });
    });
  });
}

/** Puts Dawn's WebGPU on globalThis.navigator (Node has no WebGPU of its own). */
async function loadDawn(): Promise<{ ok: true; host: string } | { ok: false; why: string }> {
  let dawn: { create(flags: string[]): GpuLike; globals: Record<string, unknown> };
  try {
    dawn = (await import('webgpu')) as unknown as typeof dawn;
  } catch (e) {
    const missing = e instanceof Error && 'code' in e && e.code === 'ERR_MODULE_NOT_FOUND';
    return { ok: false, why: missing ? 'webgpu: the webgpu package (Dawn) is not installed' : `webgpu: Dawn failed to load: ${firstLine(e)}` };
  }
  // Vulkan drivers want a runtime directory; a job started without a login session has none.
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  Object.assign(globalThis, dawn.globals);
  const g = globalThis as { navigator?: object };
  g.navigator ??= {};
  Object.defineProperty(g.navigator, 'gpu', { value: dawn.create([]), configurable: true, writable: true });
  dawnInstalled = true;
  return { ok: true, host: `Dawn ${dawnVersion()}` };
}

function dawnVersion(): string {
  try {
    return `(webgpu ${(createRequire(import.meta.url)('webgpu/package.json') as { version: string }).version})`;
  } catch {
    return '(webgpu)';
  }
}

/** Takes Dawn off navigator.gpu again (never a browser's WebGPU): its instance can keep Node's event loop alive. */
export function releaseDawn(): void {
  if (!dawnInstalled) return;
  delete (globalThis.navigator as { gpu?: unknown }).gpu;
  dawnInstalled = false;
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.slice(0, 160);
}

if (typeof process !== 'undefined' && import.meta.url === `file://${process.argv[1]}`) {
  const probe = await probeAdapter();
  releaseDawn();
  process.stdout.write(`${JSON.stringify(probe)}\n`, () => process.exit(0));
}
