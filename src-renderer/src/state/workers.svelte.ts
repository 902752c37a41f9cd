// The Workers view: the workers of the workbench's queue (as `pwb workers`), read again every few seconds
// while the view is open.
import type { WorkersInfo } from '../../../src-shared/workbench-api.ts';
import type { Client } from '../lib/client.ts';
import { errorMessage } from '../lib/format.ts';

/** A worker refreshes its entry every 5 s; reading as often keeps the view as fresh as the registry. */
export const WORKERS_POLL_MS = 3000;

export class WorkersState {
  info = $state<WorkersInfo | null>(null);
  error = $state<string | null>(null);
  #client: Client;

  constructor(client: Client) {
    this.#client = client;
  }

  async load(): Promise<void> {
    try {
      this.info = await this.#client.call('listWorkers', undefined);
      this.error = null;
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  /** Loads now and every few seconds; returns the function that stops it. */
  start(): () => void {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async (): Promise<void> => {
      await this.load();
      if (!stopped) timer = setTimeout(() => void tick(), WORKERS_POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }
}
