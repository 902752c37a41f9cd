// `pwb pattern <experiment>`: the width pattern of an experiment's plans — the kept fraction per stage
// and per layer, mean over seeds — for guided and transferred-guided pruning (`--method guided`).
import type { Command } from 'commander';
import { NotFoundError } from '../../../src-shared/errors.ts';
import { parsePositiveInt } from '../args.ts';
import { withDatabase } from '../db.ts';
import { printJson, table } from '../format.ts';

export function registerPattern(program: Command): void {
  program
    .command('pattern')
    .description("the width pattern of an experiment's pruning plans (kept fraction per stage and layer, mean over seeds): the guided method's input")
    .argument('<experiment>', 'experiment id', parsePositiveInt('<experiment>'))
    .option('--json', 'print the pattern as JSON (use it as the guided method\'s params.pattern)')
    .action(async (id: number, opts: { json?: boolean }, cmd: Command) => {
      const { experimentPattern } = await import('../../queries/experiment-pattern.ts');
      // Reading a pattern never creates the database.
      const pattern = withDatabase(cmd, (db) => experimentPattern(db, id), { ifMissing: (path) => new NotFoundError(`experiment ${id} not found (no database at ${path} yet)`) });
      if (opts.json) return printJson(pattern);
      const src = pattern.source;
      console.log(`experiment ${id}: ${src?.method ?? '?'} on ${src?.arch ?? '?'}, seeds ${src?.seeds.join(', ') ?? '?'}`);
      console.log(table(['stage', 'resolution', 'kept'], pattern.stages.map((s, i) => [i + 1, s.resolution ? `${s.resolution[0]}×${s.resolution[1]}` : '-', `${(s.fraction * 100).toFixed(1)}%`]), ['r', 'l', 'r']));
      console.log(table(['layer', 'kept'], Object.entries(pattern.layers ?? {}).map(([l, f]) => [l, `${(f * 100).toFixed(1)}%`]), ['l', 'r']));
    });
}
