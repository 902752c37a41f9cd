// The hidden window's page: receives engine channels (a window message of type GPU_ENGINE_PORT_MESSAGE
// from this window itself, carrying one MessagePort: the desktop app's preload posts it) and hands each
// to the engine Worker. Where a Worker cannot start (a file:// page may not be allowed one), the engine
// runs on this page's own thread instead.
import { GPU_ENGINE_PORT_MESSAGE } from '../src-shared/gpu-engine-messages.ts';

type Engine = { kind: 'starting'; queued: MessagePort[] } | { kind: 'worker'; worker: Worker } | { kind: 'page' };

let engine: Engine = { kind: 'starting', queued: [] };

function onThisPage(ports: MessagePort[]): void {
  engine = { kind: 'page' };
  void import('./host-engine.ts').then(({ hostEngine }) => ports.forEach(hostEngine));
}

function connect(port: MessagePort): void {
  if (engine.kind === 'starting') engine.queued.push(port);
  else if (engine.kind === 'worker') engine.worker.postMessage({ connect: true }, [port]);
  else void import('./host-engine.ts').then(({ hostEngine }) => hostEngine(port));
}

function startWorker(): void {
  let worker: Worker;
  try {
    worker = new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module' });
  } catch (e) {
    console.warn(`the engine Worker cannot start (${(e as Error).message}): the engine runs on the page`);
    return onThisPage([]);
  }
  worker.addEventListener('message', (event: MessageEvent) => {
    if ((event.data as { loaded?: unknown } | null)?.loaded !== true || engine.kind !== 'starting') return;
    const { queued } = engine;
    engine = { kind: 'worker', worker };
    for (const port of queued) worker.postMessage({ connect: true }, [port]);
  });
  worker.addEventListener('error', (event: ErrorEvent) => {
    if (engine.kind !== 'starting') return;
    console.warn(`the engine Worker failed to load (${event.message || 'no message'}): the engine runs on the page`);
    onThisPage(engine.queued);
  });
}

window.addEventListener('message', (event: MessageEvent) => {
  const port = event.ports[0];
  if (event.source === window && (event.data as { type?: unknown } | null)?.type === GPU_ENGINE_PORT_MESSAGE && port) connect(port);
});

startWorker();
