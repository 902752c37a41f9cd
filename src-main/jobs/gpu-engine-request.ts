// A desktop-app job (an Electron utility process started with PWB_GPU_HOST=1) asks main, on its parent
// port, for a channel to the app's GPU engine, and waits for the engine's hello: whether Chromium's WebGPU
// started there, and on which adapter. What it gets (or why nothing) is offered to backend selection.
import { isGpuEngineOffer, type WantGpuEngine } from '../../src-shared/gpu-engine-messages.ts';
import type { RemoteWebGpu } from '../engine/backend/remote-webgpu.ts';
import { isEngineHello, mainPort, type MainPortLike } from '../engine/remote/engine-protocol.ts';

/** What a utility process's `process.parentPort` offers. */
export interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown; ports: MainPortLike[] }) => void): unknown;
  removeListener(event: 'message', listener: (event: { data: unknown; ports: MainPortLike[] }) => void): unknown;
}

/** The first start of the window's WebGPU (loading tfjs, finding the adapter) can take seconds on a slow disk. */
export const GPU_ENGINE_TIMEOUT_MS = 60_000;

const WHERE = "the app's GPU window";
/** Chromium offers WebGPU on Linux only behind switches, which main sets when asked (main.ts). */
const LINUX_HINT = process.platform === 'linux' ? '; on Linux, Chromium offers WebGPU only when the app is started with PWB_ENABLE_UNSAFE_WEBGPU=1 (and a Vulkan driver)' : '';

export async function requestGpuEngine(parent: ParentPortLike, timeoutMs = GPU_ENGINE_TIMEOUT_MS): Promise<RemoteWebGpu> {
  const deadline = Date.now() + timeoutMs;
  const offer = await new Promise<{ data: { error?: string }; ports: MainPortLike[] } | null>((resolve) => {
    const timer = setTimeout(() => done(null), timeoutMs);
    const listener = (event: { data: unknown; ports: MainPortLike[] }): void => {
      if (isGpuEngineOffer(event.data)) done(event as never);
    };
    function done(value: { data: { error?: string }; ports: MainPortLike[] } | null): void {
      clearTimeout(timer);
      parent.removeListener('message', listener);
      resolve(value);
    }
    parent.on('message', listener);
    parent.postMessage({ type: 'want-gpu-engine' } satisfies WantGpuEngine);
  });
  if (!offer) return { why: `webgpu: ${WHERE} did not answer within ${timeoutMs / 1000} s` };
  if (offer.data.error) return { why: `webgpu: ${WHERE}: ${offer.data.error}` };
  const end = offer.ports[0];
  if (!end) return { why: `webgpu: ${WHERE} answered without a channel` };
  const port = mainPort(end, `the channel to ${WHERE}`);
  const hello = await new Promise<RemoteWebGpu>((resolve) => {
    let settled = false;
    const timer = setTimeout(() => finish({ why: `webgpu: ${WHERE} opened but its engine did not say whether WebGPU started within ${timeoutMs / 1000} s` }), Math.max(0, deadline - Date.now()));
    const stop = port.listen((message) => {
      if (!isEngineHello(message)) return;
      finish(message.hello.ok ? { port, probe: message.hello } : { why: `webgpu in ${WHERE}: ${message.hello.why}${LINUX_HINT}` });
    });
    void port.closed?.then((why) => finish({ why: `webgpu: ${why} before its engine said hello` }));
    function finish(value: RemoteWebGpu): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop();
      resolve(value);
    }
  });
  return hello;
}
