// `pwb table [experiment-ids...]`: the paper's table over many experiments (queries/paper-table.ts).
import type { Command } from 'commander';
import { NotFoundError, ValidationError } from '../../../src-shared/errors.ts';
import { parsePositiveInt } from '../args.ts';
import { databaseExists, withDatabase } from '../db.ts';
import { printJson } from '../format.ts';

export function registerTable(program: Command): void {
  program
    .command('table')
    .description('the paper-style table over experiments: unpruned, fine-tuned, Scratch-E, Scratch-B (mean ± std), verdicts, published numbers beside ours')
    .argument('[experiment-ids...]', 'experiments, in row order (default: every visible experiment, oldest first)')
    .option('--markdown', 'print Markdown')
    .option('--latex', 'print a LaTeX (booktabs) tabular')
    .option('--csv', 'print CSV')
    .option('--json', 'print the rows as JSON')
    .action(async (raw: string[], opts: { markdown?: boolean; latex?: boolean; csv?: boolean; json?: boolean }, cmd: Command) => {
      const chosen = (['markdown', 'latex', 'csv', 'json'] as const).filter((f) => opts[f]);
      if (chosen.length > 1) throw new ValidationError(`choose one output format, not ${chosen.map((f) => `--${f}`).join(' and ')}`);
      const ids = raw.map((v) => parsePositiveInt('<experiment-ids...>')(v));
      const { paperTable } = await import('../../queries/paper-table.ts');
      const { formatPaperTable } = await import('../paper-table-format.ts');
      // A listing never creates the database; named experiments must exist.
      const rows = databaseExists(cmd) || ids.length
        ? withDatabase(cmd, (db) => paperTable(db, ids), { ifMissing: (path) => new NotFoundError(`experiment ${ids[0]} not found (no database at ${path} yet)`) })
        : [];
      if (opts.json) return printJson(rows);
      if (rows.length === 0) return console.log('no experiments yet: try `pwb run quickstart`');
      const format = opts.markdown ? 'markdown' : opts.latex ? 'latex' : opts.csv ? 'csv' : 'text';
      process.stdout.write(`${formatPaperTable(rows, format)}\n`);
    });
}
