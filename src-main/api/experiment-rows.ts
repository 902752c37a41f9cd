// The rows of the Experiments view: each stored experiment with what its spec names (dataset,
// architecture, method) and its runs counted (store/runs.ts: one aggregate query for the whole list).
import type { Experiment } from '../../src-shared/store-schemas.ts';
import type { ExperimentRow } from '../../src-shared/workbench-api.ts';
import type { Db } from '../store/db.ts';
import { runCountsByExperiment } from '../store/runs.ts';

/** What the stored spec names; tolerant of specs written by older code (they are history). */
function specFacts(spec: Record<string, unknown>): { dataset: string; arch: string; method: string } {
  const arch = spec.arch;
  const archName =
    typeof arch === 'string' ? arch
    : typeof arch === 'object' && arch !== null ? String((arch as { id?: unknown; family?: unknown }).id ?? (arch as { family?: unknown }).family ?? '?')
    : '?';
  const method = spec.method as { id?: unknown } | undefined;
  return {
    dataset: typeof spec.dataset === 'string' ? spec.dataset : '?',
    arch: archName,
    method: typeof method?.id === 'string' ? method.id : '?',
  };
}

export function experimentRows(db: Db, experiments: Experiment[], opts: { all?: boolean } = {}): ExperimentRow[] {
  const counts = runCountsByExperiment(db, opts.all ? null : experiments.map((e) => e.id));
  return experiments.map((e) => {
    const c = counts.get(e.id);
    return {
      id: e.id,
      name: e.name,
      ...specFacts(e.spec),
      status: e.status,
      tags: e.tags,
      notes: e.notes,
      hidden: e.hidden,
      bestAcc: c?.bestAcc ?? null,
      runs: c?.runs ?? 0,
      runsCompleted: c?.completed ?? 0,
      createdAt: e.createdAt,
    };
  });
}

/** Case-insensitive substring match on name, dataset, architecture, method and tags. */
export function matchesSearch(row: ExperimentRow, search: string): boolean {
  const needle = search.trim().toLowerCase();
  if (needle === '') return true;
  return [row.name, row.dataset, row.arch, row.method, ...row.tags].some((s) => s.toLowerCase().includes(needle));
}
