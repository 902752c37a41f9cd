// The hash routes of the app, parsed and written in one place (pure: no window).
export type Route =
  | { view: 'experiments' }
  | { view: 'new'; preset: string | null }
  | { view: 'experiment'; id: number }
  | { view: 'compare'; id: number }
  | { view: 'export'; id: number }
  | { view: 'compute' }
  | { view: 'workers' }
  | { view: 'results' }
  | { view: 'study'; ids: number[] }
  | { view: 'not-found'; hash: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const [p, query = ''] = path.split('?');
  const parts = p!.split('/').filter((s) => s.length > 0);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'experiments')) return { view: 'experiments' };
  if (parts.length === 1 && parts[0] === 'compute') return { view: 'compute' };
  if (parts.length === 1 && parts[0] === 'workers') return { view: 'workers' };
  if (parts.length === 1 && parts[0] === 'results') return { view: 'results' };
  if (parts.length === 1 && parts[0] === 'study') {
    const ids = (new URLSearchParams(query).get('ids') ?? '').split(',').filter((v) => /^\d+$/.test(v)).map(Number);
    return { view: 'study', ids };
  }
  if (parts.length === 1 && parts[0] === 'new') return { view: 'new', preset: new URLSearchParams(query).get('preset') };
  if (parts[0] === 'experiments' && parts.length >= 2 && /^\d+$/.test(parts[1]!)) {
    const id = Number(parts[1]);
    if (parts.length === 2) return { view: 'experiment', id };
    if (parts.length === 3 && parts[2] === 'compare') return { view: 'compare', id };
    if (parts.length === 3 && parts[2] === 'export') return { view: 'export', id };
  }
  return { view: 'not-found', hash };
}

export const href = {
  experiments: (): string => '#/',
  new: (preset?: string): string => (preset ? `#/new?preset=${encodeURIComponent(preset)}` : '#/new'),
  experiment: (id: number): string => `#/experiments/${id}`,
  compare: (id: number): string => `#/experiments/${id}/compare`,
  export: (id: number): string => `#/experiments/${id}/export`,
  compute: (): string => '#/compute',
  workers: (): string => '#/workers',
  results: (): string => '#/results',
  study: (ids?: number[]): string => (ids?.length ? `#/study?ids=${ids.join(',')}` : '#/study'),
};
