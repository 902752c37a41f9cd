// `pwb experiments`: stored experiments; `pwb results <id>`: one experiment's comparison table.
import type { Command } from 'commander';
import { NotFoundError } from '../../../src-shared/errors.ts';
import { listExperiments } from '../../store/experiments.ts';
import { parsePositiveInt } from '../args.ts';
import { databaseExists, withDatabase } from '../db.ts';
import { printJson, table } from '../format.ts';

export function registerExperiments(program: Command): void {
  program
    .command('experiments')
    .description('list stored experiments, newest first')
    .option('--all', 'include hidden experiments')
    .option('--json', 'print a JSON array')
    .action((opts: { all?: boolean; json?: boolean }, cmd: Command) => {
      // A listing never creates the database: with none there yet, there is nothing to list.
      const rows = databaseExists(cmd) ? withDatabase(cmd, (db) => listExperiments(db, { includeHidden: opts.all ?? false })) : [];
      if (opts.json) return printJson(rows);
      if (rows.length === 0) return console.log('no experiments yet: try `pwb run quickstart`');
      console.log(table(['id', 'status', 'name', 'created'], rows.map((e) => [e.id, e.status, e.name, e.createdAt]), ['r', 'l', 'l', 'l']));
    });
  program
    .command('results')
    .description('print an experiment\'s comparison table (fine-tuned vs Scratch-E vs Scratch-B)')
    .argument('<experiment-id>', 'experiment id', parsePositiveInt('<experiment-id>'))
    .option('--json', 'print {experiment, summary, runs}')
    .action(async (id: number, opts: { json?: boolean }, cmd: Command) => {
      const { experimentResults } = await import('../../queries/experiment-results.ts');
      const { printResults } = await import('../experiment-report.ts');
      withDatabase(cmd, (db) => {
        const results = experimentResults(db, id);
        if (opts.json) printJson({ experiment: results.experiment, summary: results.summary, runs: results.runs });
        else printResults(results);
      }, { ifMissing: (path) => new NotFoundError(`experiment ${id} not found (no database at ${path} yet)`) });
    });
}
