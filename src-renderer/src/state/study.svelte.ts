// The Study view: which experiments are in the study, the study the server computes for them
// (accuracy against params / FLOPs / latency, queries/study.ts), and measuring latency on demand.
import type { ExperimentRow, StudyGroup, StudyPoint, StudyResult } from '../../../src-shared/workbench-api.ts';
import type { Client } from '../lib/client.ts';
import { errorMessage } from '../lib/format.ts';

export type StudyAxis = 'params' | 'flops' | 'latency1' | 'latencyBatch';

export const STUDY_AXES: Record<StudyAxis, { label: (batch: number | null) => string; log: boolean; point: (p: StudyPoint | StudyGroup) => number | null }> = {
  params: { label: () => 'parameters (log scale)', log: true, point: (p) => p.params },
  flops: { label: () => 'FLOPs (log scale)', log: true, point: (p) => p.flops },
  latency1: { label: () => 'latency at batch 1 (ms)', log: false, point: (p) => p.latency1Ms },
  latencyBatch: { label: (b) => `latency at batch ${b ?? 'N'} (ms)`, log: false, point: (p) => p.latencyBatchMs },
};

export class StudyState {
  /** Experiments that have completed runs, newest first: what can be studied. */
  candidates = $state<ExperimentRow[] | null>(null);
  selected = $state<number[]>([]);
  result = $state<StudyResult | null>(null);
  axis = $state<StudyAxis>('params');
  measuring = $state(false);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  #client: Client;

  constructor(client: Client, initial: number[]) {
    this.#client = client;
    this.selected = initial;
  }

  async load(): Promise<void> {
    try {
      const rows = await this.#client.call('listExperiments', {});
      this.candidates = rows.filter((r) => r.runsCompleted > 0);
      if (this.selected.length === 0) this.selected = this.candidates.map((r) => r.id).reverse();
      await this.refresh();
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  async toggle(id: number): Promise<void> {
    this.selected = this.selected.includes(id) ? this.selected.filter((x) => x !== id) : [...this.selected, id].sort((a, b) => a - b);
    await this.refresh();
  }

  async refresh(): Promise<void> {
    if (this.selected.length === 0) {
      this.result = null;
      return;
    }
    try {
      this.result = await this.#client.call('study', { ids: this.selected });
      this.error = null;
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  async measureLatency(batchSize: number): Promise<void> {
    this.measuring = true;
    this.notice = null;
    try {
      const r = await this.#client.call('measureLatency', { ids: this.selected, batchSize });
      this.notice = `Measured ${r.architectures} architecture${r.architectures === 1 ? '' : 's'} on ${r.backend} (${r.device}), batch ${r.batchSizes.join(' and ')}, median of ${r.repeats} passes.`;
      if (this.axis === 'params') this.axis = 'latency1';
      await this.refresh();
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.measuring = false;
    }
  }
}
