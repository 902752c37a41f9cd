// The Experiments list: rows from listExperiments, sorted and filtered here, edits of tags and
// notes, hide/unhide, and delete behind a confirmation. Refreshes when an experiment's status changes.
import type { ExperimentRow } from '../../../src-shared/workbench-api.ts';
import type { Client } from '../lib/client.ts';
import { debounce } from '../lib/debounce.ts';
import { parseTags, visibleRows, type SortDir, type SortKey } from '../lib/experiment-table.ts';
import { errorMessage } from '../lib/format.ts';

export class ExperimentsState {
  rows = $state<ExperimentRow[]>([]);
  loading = $state(true);
  error = $state<string | null>(null);
  /** A failed edit, shown beside the table (the list itself is still good). */
  actionError = $state<string | null>(null);
  search = $state('');
  sortKey = $state<SortKey>('createdAt');
  sortDir = $state<SortDir>('desc');
  showHidden = $state(false);
  /** The row waiting for the user to confirm its deletion. */
  confirmDelete = $state<ExperimentRow | null>(null);
  /** The row whose tags/notes are open for editing, and the draft texts. */
  editing = $state<{ id: number; tags: string; notes: string } | null>(null);

  visible = $derived(visibleRows(this.rows, { search: this.search, key: this.sortKey, dir: this.sortDir, showHidden: this.showHidden }));

  #client: Client;

  constructor(client: Client) {
    this.#client = client;
  }

  async load(): Promise<void> {
    try {
      this.rows = await this.#client.call('listExperiments', { includeHidden: true });
      this.error = null;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.loading = false;
    }
  }

  /** Loads, then reloads on status events until the returned function is called. */
  start(): () => void {
    void this.load();
    const reload = debounce(() => void this.load(), 300);
    const off = this.#client.on('experiment-status', reload);
    return () => {
      off();
      reload.cancel();
    };
  }

  sortBy(key: SortKey): void {
    if (this.sortKey === key) this.sortDir = this.sortDir === 'asc' ? 'desc' : 'asc';
    else {
      this.sortKey = key;
      this.sortDir = key === 'bestAcc' || key === 'createdAt' ? 'desc' : 'asc';
    }
  }

  edit(row: ExperimentRow): void {
    this.editing = { id: row.id, tags: row.tags.join(', '), notes: row.notes };
  }

  async saveEdit(): Promise<void> {
    const e = this.editing;
    if (e === null) return;
    if (await this.#update({ id: e.id, tags: parseTags(e.tags), notes: e.notes })) this.editing = null;
  }

  async setHidden(row: ExperimentRow, hidden: boolean): Promise<void> {
    await this.#update({ id: row.id, hidden });
  }

  async confirmAndDelete(): Promise<void> {
    const row = this.confirmDelete;
    this.confirmDelete = null;
    if (row === null) return;
    try {
      await this.#client.call('deleteExperiment', { id: row.id });
      this.rows = this.rows.filter((r) => r.id !== row.id);
      this.actionError = null;
    } catch (e) {
      this.actionError = `could not delete '${row.name}': ${errorMessage(e)}`;
    }
  }

  async #update(patch: { id: number; tags?: string[]; notes?: string; hidden?: boolean }): Promise<boolean> {
    try {
      const row = await this.#client.call('updateExperiment', patch);
      this.rows = this.rows.map((r) => (r.id === row.id ? row : r));
      this.actionError = null;
      return true;
    } catch (e) {
      this.actionError = errorMessage(e);
      return false;
    }
  }
}
