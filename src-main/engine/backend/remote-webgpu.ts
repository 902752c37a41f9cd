// The webgpu backend of the desktop app: Chromium's WebGPU in the app's hidden GPU window (src-gpu-host),
// reached over an engine channel the job process was handed before selection. The network trains there;
// this process keeps a local backend for everything else (the loop's copies of the weights, pruning,
// method hooks, and any run whose method cannot cross: select-backend.ts picks it).
import type { AdapterProbe } from './webgpu-adapter.ts';
import type { EnginePort } from '../remote/engine-protocol.ts';

/** What the job was handed: a channel whose engine said hello (with its adapter, or why WebGPU did not start), or why there is none. */
export type RemoteWebGpu = { port: EnginePort; probe: AdapterProbe } | { why: string };

let offered: RemoteWebGpu | null = null;
let inUse = false;

/** Makes `remote` the webgpu backend selection tries (null: back to this process's own WebGPU). */
export function offerRemoteWebGpu(remote: RemoteWebGpu | null): void {
  offered = remote;
  inUse = false;
}

export function remoteWebGpuOffer(): RemoteWebGpu | null {
  return offered;
}

/**
 * The engine channel, for one run at a time (the engine holds one network per channel); `release` hands
 * it back when the run ends, however it ends.
 */
export function takeRemoteEngine(): { port: EnginePort; release(): void } {
  if (!offered || !('port' in offered)) throw new Error("no channel to the app's GPU window: the webgpu backend was not selected through it");
  if (inUse) throw new Error("the app's GPU window trains one run at a time per job, and one is training");
  inUse = true;
  let released = false;
  return {
    port: offered.port,
    release: () => {
      if (!released) inUse = false;
      released = true;
    },
  };
}
