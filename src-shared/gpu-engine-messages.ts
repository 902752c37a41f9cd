// The names and messages that hand a job process a line to the desktop app's GPU engine (the hidden
// window of src-gpu-host): the job asks its parent (Electron's main process) on the utility process's
// parent port; main opens a MessageChannelMain, keeps one end for the job and sends the other to the
// hidden window, whose preload passes it to the page, whose engine Worker serves it.

/** The IPC channel on which main sends the hidden window one end of a new engine channel. */
export const GPU_ENGINE_PORT_CHANNEL = 'pwb:gpu-engine-port';

/** The window message (type) by which the hidden window's preload hands that port to its page. */
export const GPU_ENGINE_PORT_MESSAGE = 'pwb-gpu-engine-port';

/** The job process asks main for an engine channel. */
export interface WantGpuEngine {
  type: 'want-gpu-engine';
}

/** Main's answer: the channel's end as the message's only port, or why there is none. */
export interface GpuEngineOffer {
  type: 'gpu-engine';
  error?: string;
}

export function isWantGpuEngine(data: unknown): data is WantGpuEngine {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'want-gpu-engine';
}

export function isGpuEngineOffer(data: unknown): data is GpuEngineOffer {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'gpu-engine';
}

/** What a WebGPU adapter says about itself (GPUAdapterInfo), as stored with a run. */
export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

/** Whether WebGPU started, on which adapter (a software one, or a GPU) and through what; or why not. */
export type AdapterProbe =
  | { ok: true; adapter: GpuAdapterSummary; software: boolean; host: string }
  | { ok: false; why: string };

/**
 * The first message on a new channel to the GPU engine, before any reply: whether its WebGPU started, and
 * on which adapter (a software one included: whoever asked decides).
 */
export interface EngineHello {
  hello: AdapterProbe;
}

export function isEngineHello(message: unknown): message is EngineHello {
  return typeof message === 'object' && message !== null && typeof (message as { hello?: unknown }).hello === 'object';
}
