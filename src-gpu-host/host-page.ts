// The hidden window's page: starts the engine Worker and relays the engine protocol between it and
// whoever drives it, through `window.pwbGpuHost` (the desktop app's preload, or a test driving the page).
export interface GpuHostPage {
  /** Resolves when the Worker's WebGPU has started (or failed: ready false, and why). */
  ready: Promise<{ ready: true; adapter: string } | { ready: false; why: string }>;
  /** A request to the engine; replies go to the `onReply` handler. */
  post(message: unknown): void;
  onReply(handler: (message: unknown) => void): void;
}

const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module' });
let replyHandler: (message: unknown) => void = () => {};
const ready = new Promise<{ ready: true; adapter: string } | { ready: false; why: string }>((resolve) => {
  worker.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as { ready?: boolean };
    if (typeof data === 'object' && data !== null && 'ready' in data) resolve(data as never);
    else replyHandler(event.data);
  });
  worker.addEventListener('error', (event: ErrorEvent) => resolve({ ready: false, why: `the engine worker failed: ${event.message}` }));
});

const host: GpuHostPage = {
  ready,
  post: (message) => worker.postMessage(message),
  onReply(handler) {
    replyHandler = handler;
  },
};
(window as unknown as { pwbGpuHost: GpuHostPage }).pwbGpuHost = host;
