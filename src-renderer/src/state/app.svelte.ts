// What the header shows: the workbench version and the transport the page talks over.
import type { VersionInfo } from '../../../src-shared/workbench-api.ts';
import type { Client } from '../lib/client.ts';
import { errorMessage } from '../lib/format.ts';

export class AppState {
  version = $state<VersionInfo | null>(null);
  error = $state<string | null>(null);
  readonly transport: Client['transport'];
  #client: Client;

  constructor(client: Client) {
    this.#client = client;
    this.transport = client.transport;
  }

  async load(): Promise<void> {
    try {
      this.version = await this.#client.call('version');
    } catch (e) {
      this.error = errorMessage(e);
    }
  }
}
