// A typed client of the WorkbenchApi over either transport: Electron IPC when the preload has set
// `window.workbench`, else HTTP against `pwb serve` (POST /api/call/<name>, server-sent events on
// /api/events; the page's HttpOnly cookie authorises both). Failed calls throw WorkbenchError
// with the server's code, so views can tell bad input (VALIDATION) from a bug (INTERNAL).
import {
  unwrapReply,
  type ArgsTuple,
  type CallName,
  type CallResults,
  type EventName,
  type EventPayloads,
  type Reply,
  type WorkbenchBridge,
} from '../../../src-shared/workbench-api.ts';

export interface Client {
  readonly transport: 'ipc' | 'http';
  call<N extends CallName>(name: N, ...args: ArgsTuple<N>): Promise<CallResults[N]>;
  /** Subscribes to a pushed event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}

export function ipcClient(bridge: WorkbenchBridge): Client {
  return {
    transport: 'ipc',
    async call(name, ...args) {
      return unwrapReply(await bridge.invoke(name, ...args));
    },
    on: (event, listener) => bridge.on(event, listener),
  };
}

export function httpClient(base = ''): Client {
  let source: EventSource | null = null;
  let listeners = 0;
  return {
    transport: 'http',
    async call(name, ...args) {
      const response = await fetch(`${base}/api/call/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(args[0] ?? null),
        credentials: 'same-origin',
      });
      let reply: Reply<unknown>;
      try {
        reply = (await response.json()) as Reply<unknown>;
      } catch {
        reply = {
          ok: false,
          error: { code: 'INTERNAL', name: 'Error', message: `${name}: the server answered HTTP ${response.status} without a reply` },
        };
      }
      return unwrapReply(reply) as never;
    },
    on(event, listener) {
      // One EventSource for every subscription; it reconnects by itself after a dropped connection.
      source ??= new EventSource(`${base}/api/events`, { withCredentials: true });
      const es = source;
      const handler = (e: MessageEvent<string>): void => {
        let payload: unknown;
        try {
          payload = JSON.parse(e.data);
        } catch {
          return; // a malformed event is dropped, never thrown into the page
        }
        listener(payload as never);
      };
      es.addEventListener(event, handler as EventListener);
      listeners++;
      return () => {
        es.removeEventListener(event, handler as EventListener);
        if (--listeners === 0 && source === es) {
          es.close();
          source = null;
        }
      };
    },
  };
}

/** The client for this page: IPC inside Electron, HTTP in a browser. */
export function defaultClient(): Client {
  return window.workbench !== undefined ? ipcClient(window.workbench) : httpClient();
}
