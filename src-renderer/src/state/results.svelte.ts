// The Results view: the paper's table over every visible experiment (the `pwb table` rows).
import type { PaperTableRow } from '../../../src-shared/workbench-api.ts';
import type { Client } from '../lib/client.ts';
import { errorMessage } from '../lib/format.ts';

export class ResultsState {
  rows = $state<PaperTableRow[] | null>(null);
  error = $state<string | null>(null);
  #client: Client;

  constructor(client: Client) {
    this.#client = client;
  }

  async load(): Promise<void> {
    this.error = null;
    try {
      this.rows = await this.#client.call('paperTable', {});
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  /** The papers whose numbers appear, with their sources. */
  get sources(): Array<{ paper: string; source: string }> {
    const seen = new Map<string, string>();
    for (const r of this.rows ?? []) if (r.published) seen.set(r.published.paper, r.published.source);
    return [...seen].map(([paper, source]) => ({ paper, source }));
  }
}
