// Export of one experiment: its runs and summary as CSV (from the server's exportCsv, RFC 4180),
// saved by the browser as files; charts are saved as PNG by the views that draw them.
import type { Client } from '../lib/client.ts';
import { errorMessage } from '../lib/format.ts';

/** Saves text or a data URL as a file through a temporary link (works in Electron and browsers). */
export function saveFile(name: string, content: Blob | string): void {
  const url = typeof content === 'string' ? content : URL.createObjectURL(content);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  if (typeof content !== 'string') setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The file name of a path the server suggests (it may name a folder on its side). */
function baseName(file: string): string {
  return file.split(/[\\/]/).pop() || 'export.csv';
}

export class ExportState {
  readonly id: number;
  busy = $state(false);
  error = $state<string | null>(null);
  /** Names of the files saved by the last export. */
  saved = $state<string[]>([]);

  #client: Client;

  constructor(client: Client, id: number) {
    this.#client = client;
    this.id = id;
  }

  async downloadCsv(): Promise<void> {
    this.busy = true;
    try {
      const csv = await this.#client.call('exportCsv', { id: this.id });
      saveFile(baseName(csv.runsFile), new Blob([csv.runsCsv], { type: 'text/csv;charset=utf-8' }));
      saveFile(baseName(csv.summaryFile), new Blob([csv.summaryCsv], { type: 'text/csv;charset=utf-8' }));
      this.saved = [baseName(csv.runsFile), baseName(csv.summaryFile)];
      this.error = null;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.busy = false;
    }
  }

  savePng(name: string, dataUrl: string | null): void {
    if (dataUrl === null) {
      this.error = 'the chart is not drawn yet';
      return;
    }
    saveFile(name, dataUrl);
  }
}
