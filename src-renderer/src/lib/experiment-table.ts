// Sorting and filtering of the Experiments table, kept pure so it is tested without a browser.
import type { ExperimentRow } from '../../../src-shared/workbench-api.ts';

export const SORT_KEYS = ['name', 'dataset', 'arch', 'method', 'status', 'bestAcc', 'createdAt'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';

/**
 * Whitespace-separated terms, all of which must match (case-insensitive): `tag:x` matches a tag
 * that contains x, `status:x` the status, a plain term any of name, dataset, arch, method, tags, notes.
 */
export function matchesSearch(row: ExperimentRow, search: string): boolean {
  const terms = search.toLowerCase().split(/\s+/).filter((t) => t.length > 0);
  return terms.every((term) => {
    if (term.startsWith('tag:')) return row.tags.some((t) => t.toLowerCase().includes(term.slice(4)));
    if (term.startsWith('status:')) return row.status.includes(term.slice(7));
    const hay = [row.name, row.dataset, row.arch, row.method, row.notes, ...row.tags].join('\n').toLowerCase();
    return hay.includes(term);
  });
}

/** Nulls (no accuracy yet) sort last in either direction; ties keep newest first. */
export function sortRows(rows: readonly ExperimentRow[], key: SortKey, dir: SortDir): ExperimentRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const va = a[key];
    const vb = b[key];
    if (va === null && vb !== null) return 1;
    if (vb === null && va !== null) return -1;
    let c = 0;
    if (typeof va === 'number' && typeof vb === 'number') c = va - vb;
    else if (va !== null && vb !== null) c = String(va).localeCompare(String(vb));
    return c !== 0 ? c * sign : b.id - a.id;
  });
}

export function visibleRows(rows: readonly ExperimentRow[], opts: { search: string; key: SortKey; dir: SortDir; showHidden: boolean }): ExperimentRow[] {
  return sortRows(
    rows.filter((r) => (opts.showHidden || !r.hidden) && matchesSearch(r, opts.search)),
    opts.key,
    opts.dir,
  );
}

/** "a, b,, c " -> ['a', 'b', 'c'] (tags are trimmed, non-empty, unique). */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter((t) => t.length > 0))];
}
