// Serves engine channels on this realm's WebGPU (the engine Worker's, or the page's own where a Worker
// cannot start): each new port gets a hello — whether WebGPU started, on which adapter — and then, if
// it did, the engine protocol (src-main/engine/remote), one network per port.
import { describeDevice, type AdapterProbe } from '../src-main/engine/backend/webgpu-adapter.ts';
import { startWebGpu } from '../src-main/engine/backend/webgpu-backend.ts';
import { messagePort, type EngineHello } from '../src-main/engine/remote/engine-protocol.ts';
import { serveEngine } from '../src-main/engine/remote/engine-host.ts';

let webGpu: Promise<AdapterProbe> | null = null;

export function hostEngine(port: MessagePort): void {
  // Once per realm; a software adapter is taken here and named in the hello (auto passes it by there).
  webGpu ??= startWebGpu(true).catch((e: unknown) => ({ ok: false, why: `webgpu failed to start: ${(e as Error).message}` }) as const);
  void webGpu.then((probe) => {
    port.postMessage({ hello: probe } satisfies EngineHello);
    if (!probe.ok) return port.close();
    const stop = serveEngine(messagePort(port), describeDevice(probe));
    // A job that dies mid-run sends no dispose: its network goes when its end of the channel does
    // (MessagePort's close event, Chromium ≥ 127; elsewhere it stays until the window goes).
    port.addEventListener('close', stop);
  });
}
