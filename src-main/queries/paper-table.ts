// The paper's table over many experiments: one row per experiment (dataset, architecture, method,
// pruned ratio; and learning rate, for an experiment of several), columns unpruned / fine-tuned / Scratch-E / Scratch-B as mean ± std of the final test
// accuracy over seeds, the two verdicts against fine-tuning, and the published numbers beside ours
// where a shipped table (published-results.ts) has the row.
import { PAPER_COLUMNS, type PaperCell, type PaperColumn, type PaperTableRow, type SummaryLine } from '../../src-shared/workbench-api.ts';
import type { Db } from '../store/db.ts';
import { listExperiments } from '../store/experiments.ts';
import { experimentResults } from './experiment-results.ts';
import { publishedFor } from './published-results.ts';

/** Rows for `ids` (in that order), or every visible experiment, oldest first. */
export type { PaperTableRow };

const REGIME_OF: Record<PaperColumn, SummaryLine['regime']> = { unpruned: 'baseline', finetune: 'finetune', scratchE: 'scratch-e', scratchB: 'scratch-b' };

export function paperTable(db: Db, ids?: readonly number[]): PaperTableRow[] {
  const experiments = ids?.length ? ids.map((id) => ({ id })) : listExperiments(db).slice().reverse();
  return experiments.flatMap(({ id }) => rowsOf(db, id));
}

/** The experiment's row, or one per learning rate where it has several (spec.learningRates). */
function rowsOf(db: Db, id: number): PaperTableRow[] {
  const results = experimentResults(db, id);
  const rates = results.byRate?.rates ?? [undefined];
  return rates.map((lr) => rowOf({ ...results, summary: results.summary.filter((s) => s.lr === lr), runs: results.runs.filter((r) => (r.chainLr ?? undefined) === lr) }, id, lr));
}

function rowOf(results: ReturnType<typeof experimentResults>, id: number, lr: number | undefined): PaperTableRow {
  const spec = results.experiment.spec as { dataset?: unknown; arch?: unknown; method?: { id?: unknown; params?: unknown } };
  const dataset = typeof spec.dataset === 'string' ? spec.dataset : '?';
  const arch = typeof spec.arch === 'string' ? spec.arch : (results.summary.find((s) => s.regime === 'baseline')?.arch ?? 'custom');
  const method = typeof spec.method?.id === 'string' ? spec.method.id : '?';
  const params = spec.method?.params !== null && typeof spec.method?.params === 'object' ? (spec.method.params as Record<string, unknown>) : {};
  const published = publishedFor({ dataset, arch, method, params });
  const line = (c: PaperColumn): SummaryLine | undefined => results.summary.find((s) => s.regime === REGIME_OF[c]);
  const cells = Object.fromEntries(PAPER_COLUMNS.map((c) => {
    const s = line(c);
    const mean = s?.accMean == null ? null : s.accMean * 100;
    const p = published?.[c] ?? null;
    return [c, {
      mean, std: s?.accStd == null ? null : s.accStd * 100, completed: s?.completed ?? 0, seeds: s?.seeds ?? 0,
      published: p, difference: mean !== null && p ? mean - p[0] : null,
    }];
  })) as Record<PaperColumn, PaperCell>;
  return {
    experimentId: id, ...(lr === undefined ? {} : { lr }), name: results.experiment.name, status: results.experiment.status, dataset, arch, method,
    pruned: `${prunedLabel(params)}${lr === undefined ? '' : ` · lr ${lr}`}`, scale: results.scale, cells,
    scratchE: line('scratchE')?.vsFinetune ?? null, scratchB: line('scratchB')?.vsFinetune ?? null,
    published: published ? { label: published.label, paper: published.paper, source: published.source } : null,
    points: results.runs
      .filter((r) => r.status === 'completed' && r.testAcc !== null)
      .map((r) => ({ regime: r.regime, seed: r.seed, params: r.params, flops: r.flops, acc: r.testAcc! })),
  };
}

/** "A" for target resnet56_a, "40%" for percent 0.4, the ratios list, else the parameters as JSON. */
function prunedLabel(params: Record<string, unknown>): string {
  if (typeof params.target === 'string') return params.target.split('_').at(-1)!.toUpperCase();
  if (typeof params.percent === 'number') return `${+(params.percent * 100).toFixed(2)}%`;
  if (Array.isArray(params.ratios)) return `ratios ${params.ratios.join('/')}`;
  return Object.keys(params).length ? JSON.stringify(params) : '-';
}
