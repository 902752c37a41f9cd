// The Compute view: the machine's backend report (the same as `pwb doctor`), loaded on demand because
// its throughput probes take a few seconds per backend.
import type { ComputeReport } from '../../../src-shared/compute-report.ts';
import type { Client } from '../lib/client.ts';
import { errorMessage } from '../lib/format.ts';

export class ComputeState {
  report = $state<ComputeReport | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);
  #client: Client;

  constructor(client: Client) {
    this.#client = client;
  }

  async load(probe = true): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      this.report = await this.#client.call('diagnoseCompute', { probe });
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.busy = false;
    }
  }
}
