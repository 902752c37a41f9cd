// `pwb export <experiment-id> --csv DIR`: the run table and the summary as CSV files.
import type { Command } from 'commander';
import { NotFoundError } from '../../../src-shared/errors.ts';
import { parsePositiveInt } from '../args.ts';
import { withDatabase } from '../db.ts';
import { printJson } from '../format.ts';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write an experiment\'s runs and summary as CSV (RFC 4180)')
    .argument('<experiment-id>', 'experiment id (see `pwb experiments`)', parsePositiveInt('<experiment-id>'))
    .requiredOption('--csv <dir>', 'folder to write experiment-<id>-runs.csv and experiment-<id>-summary.csv into')
    .option('--force', 'overwrite CSV files of this experiment already in the folder')
    .option('--json', 'print {"runs": path, "summary": path}')
    .action(async (id: number, opts: { csv: string; force?: boolean; json?: boolean }, cmd: Command) => {
      const { experimentResults } = await import('../../jobs/experiment-results.ts');
      const { writeCsv } = await import('../../jobs/export-csv.ts');
      const paths = withDatabase(cmd, (db) => writeCsv(experimentResults(db, id), opts.csv, { overwrite: opts.force ?? false }), {
        ifMissing: (path) => new NotFoundError(`experiment ${id} not found (no database at ${path} yet)`),
      });
      if (opts.json) printJson(paths);
      else console.log(`wrote ${paths.runs}\nwrote ${paths.summary}`);
    });
}
