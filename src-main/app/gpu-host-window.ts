// The desktop app's GPU engine: a hidden window (out/gpu-host, src-gpu-host) whose Worker trains on
// Chromium's WebGPU. Opened the first time a job asks for it, kept for the next, and opened again if its
// page goes away. Each job gets its own channel: a MessageChannelMain whose one end goes to the window
// (its preload hands the port to the page) and whose other end goes back to the job.
import { BrowserWindow, MessageChannelMain, type MessagePortMain } from 'electron';
import { GPU_ENGINE_PORT_CHANNEL, isEngineHello, type AdapterProbe } from '../../src-shared/gpu-engine-messages.ts';
import { gpuHostWindowOptions } from './window-options.ts';

export interface GpuHostWindow {
  /** A new engine channel: the job's end. Rejects, in one line, where the window's page did not load. */
  connect(): Promise<MessagePortMain>;
  /** What the window's WebGPU offers (its engine's hello on a channel of its own, then closed): for the compute report. */
  probe(timeoutMs?: number): Promise<AdapterProbe>;
  /** Whether `win` is the engine's window. */
  owns(win: BrowserWindow): boolean;
  /** Closes the window (the app is quitting). */
  close(): void;
}

export function gpuHostWindow(pagePath: string, preloadPath: string): GpuHostWindow {
  let opened: { win: BrowserWindow; loaded: Promise<void> } | null = null;

  function open(): { win: BrowserWindow; loaded: Promise<void> } {
    if (opened && !opened.win.isDestroyed()) return opened;
    const win = new BrowserWindow(gpuHostWindowOptions(preloadPath));
    const forget = (): void => {
      if (opened?.win === win) opened = null;
    };
    win.on('closed', forget);
    win.webContents.on('render-process-gone', (_event, details) => {
      console.error(`the GPU engine window's page went away (${details.reason}); the next job opens it again`);
      forget();
      if (!win.isDestroyed()) win.destroy();
    });
    const loaded = win.loadFile(pagePath).catch((e: unknown) => {
      forget();
      if (!win.isDestroyed()) win.destroy();
      throw new Error(`the GPU engine page ${pagePath} did not load: ${(e as Error).message}`);
    });
    opened = { win, loaded };
    return opened;
  }

  return {
    async connect() {
      const { win, loaded } = open();
      await loaded;
      const { port1, port2 } = new MessageChannelMain();
      win.webContents.postMessage(GPU_ENGINE_PORT_CHANNEL, null, [port1]);
      return port2;
    },
    async probe(timeoutMs = 60_000) {
      const port = await this.connect();
      return new Promise<AdapterProbe>((resolve) => {
        const timer = setTimeout(() => done({ ok: false, why: `its engine did not say whether WebGPU started within ${timeoutMs / 1000} s` }), timeoutMs);
        port.on('message', (event) => {
          if (isEngineHello(event.data)) done(event.data.hello);
        });
        port.start();
        function done(probe: AdapterProbe): void {
          clearTimeout(timer);
          port.close();
          resolve(probe);
        }
      });
    },
    owns: (win) => opened?.win === win,
    close() {
      if (opened && !opened.win.isDestroyed()) opened.win.destroy();
      opened = null;
    },
  };
}
