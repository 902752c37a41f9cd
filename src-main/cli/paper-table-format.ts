// The paper-style table as text, Markdown, LaTeX (booktabs) or CSV. Cells are mean ± std of the final
// test accuracy (%) over seeds; where a published number exists it follows in brackets with our
// difference from it; the verdict columns give the outcome word of each scratch regime vs fine-tuning.
import { stringify } from 'csv-stringify/sync';
import { PAPER_COLUMNS as COLUMNS, type PaperCell as Cell, type PaperColumn as Column, type PaperTableRow, type VersusFinetune } from '../../src-shared/workbench-api.ts';
import { table } from './format.ts';

export type TableFormat = 'text' | 'markdown' | 'latex' | 'csv';

const TITLES: Record<Column, string> = { unpruned: 'unpruned', finetune: 'fine-tuned', scratchE: 'Scratch-E', scratchB: 'Scratch-B' };
const HEAD = ['dataset', 'model', 'method', 'pruned', 'scale', ...COLUMNS.map((c) => TITLES[c]), 'Scratch-E vs fine-tuned', 'Scratch-B vs fine-tuned'];

const f2 = (x: number): string => x.toFixed(2);
const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;

function ours(c: Cell): string {
  if (c.mean === null) return c.seeds ? `– (0/${c.seeds})` : '–';
  const partial = c.completed < c.seeds ? ` (${c.completed}/${c.seeds})` : '';
  return `${f2(c.mean)} ± ${f2(c.std ?? 0)}${partial}`;
}

function cellText(c: Cell, pm = '±'): string {
  const text = ours(c).replace('±', pm);
  if (!c.published) return text;
  const paper = c.published[1] === null ? f2(c.published[0]) : `${f2(c.published[0])} ${pm} ${f2(c.published[1])}`;
  return `${text} [paper ${paper}${c.difference !== null ? `, ${signed(c.difference)}` : ''}]`;
}

function outcome(v: PaperTableRow['scratchE']): string {
  if (!v) return '–';
  if (!('outcome' in v)) return v.verdict;
  const x = v as VersusFinetune;
  const margin = `±${+(x.equivalence.margin * 100).toFixed(2)} pp`;
  const diff = `${signed(x.difference * 100)} pp`;
  switch (x.outcome) {
    case 'equivalent': return `equivalent within ${margin} (${diff})`;
    case 'better': return `scratch better (${diff}, p=${x.p!.toPrecision(2)})`;
    case 'worse': return `fine-tuned better (${diff}, p=${x.p!.toPrecision(2)})`;
    default: return `inconclusive (${diff}${x.seedsNeeded ? `; ≈ ${x.seedsNeeded.seeds} seeds to decide` : ''})`;
  }
}

function cells(r: PaperTableRow, pm = '±'): string[] {
  return [r.dataset, r.published?.label ?? r.arch, r.method, r.pruned, String(r.scale), ...COLUMNS.map((c) => cellText(r.cells[c], pm)), outcome(r.scratchE), outcome(r.scratchB)];
}

/** The papers whose numbers appear, one line each. */
function sources(rows: readonly PaperTableRow[]): string[] {
  return [...new Map(rows.filter((r) => r.published).map((r) => [r.published!.paper, r.published!.source])).entries()].map(([paper, source]) => `${paper} Source: ${source}`);
}

const NOTE = 'Final-epoch test accuracy (%), mean ± std over seeds; verdicts pair runs by seed (paired t, TOST equivalence, Wilcoxon).';

export function formatPaperTable(rows: readonly PaperTableRow[], format: TableFormat): string {
  switch (format) {
    case 'csv': return csv(rows);
    case 'markdown': return markdown(rows);
    case 'latex': return latex(rows);
    default: {
      const body = table(HEAD, rows.map((r) => cells(r)));
      const refs = sources(rows).map((s) => `[paper] ${s}`);
      return [body, '', NOTE, ...refs].join('\n');
    }
  }
}

function markdown(rows: readonly PaperTableRow[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const line = (xs: string[]): string => `| ${xs.map(esc).join(' | ')} |`;
  const align = HEAD.map((_, i) => (i >= 4 && i < 9 ? '---:' : '---'));
  return [line(HEAD), `|${align.join('|')}|`, ...rows.map((r) => line(cells(r))), '', NOTE, ...sources(rows).map((s) => `\n[paper] ${s}`)].join('\n');
}

const LATEX: Record<string, string> = {
  '\\': '\\textbackslash{}', '&': '\\&', '%': '\\%', $: '\\$', '#': '\\#', _: '\\_', '{': '\\{', '}': '\\}',
  '~': '\\textasciitilde{}', '−': '$-$', '≈': '$\\approx$',
};

function latex(rows: readonly PaperTableRow[]): string {
  const esc = (s: string): string => s.replace(/[\\&%$#_{}~−≈]/g, (c) => LATEX[c]!);
  const row = (xs: string[]): string => `${xs.map(esc).join(' & ')} \\\\`;
  const body = rows.map((r) => row(cells(r, '±')).replace(/±/g, '$\\pm$'));
  return [
    '% ' + NOTE,
    ...sources(rows).map((s) => `% [paper] ${s}`),
    `\\begin{tabular}{${'l'.repeat(5)}${'r'.repeat(4)}ll}`,
    '\\toprule',
    `${HEAD.map(esc).join(' & ')} \\\\`,
    '\\midrule',
    ...body,
    '\\bottomrule',
    '\\end{tabular}',
  ].join('\n');
}

function csv(rows: readonly PaperTableRow[]): string {
  const out = rows.map((r) => {
    const o: Record<string, string | number> = {
      experiment_id: r.experimentId, name: r.name, status: r.status, dataset: r.dataset, arch: r.arch, method: r.method, pruned: r.pruned, lr: r.lr ?? '', scale: r.scale,
    };
    for (const c of COLUMNS) {
      const cell = r.cells[c];
      o[`${c}_mean`] = cell.mean ?? '';
      o[`${c}_std`] = cell.std ?? '';
      o[`${c}_runs`] = `${cell.completed}/${cell.seeds}`;
      o[`${c}_paper_mean`] = cell.published?.[0] ?? '';
      o[`${c}_paper_std`] = cell.published?.[1] ?? '';
      o[`${c}_minus_paper`] = cell.difference ?? '';
    }
    for (const [name, v] of [['scratch_e', r.scratchE], ['scratch_b', r.scratchB]] as const) {
      const x = v && 'outcome' in v ? v : null;
      o[`${name}_outcome`] = x?.outcome ?? '';
      o[`${name}_test`] = x?.method ?? '';
      o[`${name}_p`] = x?.p ?? '';
      o[`${name}_tost_p`] = x?.equivalence.p ?? '';
      o[`${name}_verdict`] = v?.verdict ?? '';
    }
    o.paper = r.published?.paper ?? '';
    o.paper_source = r.published?.source ?? '';
    return o;
  });
  return stringify(out, { header: true, columns: Object.keys(out[0] ?? { experiment_id: '' }) });
}
