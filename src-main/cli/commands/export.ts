// `pwb export <experiment-id> --csv DIR`: the run table and the summary as CSV files.
// `pwb export <experiment-ids...> --bundle FILE`: experiments with their runs, epochs and plans, for `pwb import`.
import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { NotFoundError, ValidationError } from '../../../src-shared/errors.ts';
import { parsePositiveInt } from '../args.ts';
import { withDatabase } from '../db.ts';
import { printJson } from '../format.ts';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write an experiment\'s runs and summary as CSV (RFC 4180), or experiments as a bundle for `pwb import`')
    .argument('<experiment-ids...>', 'experiment id (see `pwb experiments`); several for --bundle')
    .option('--csv <dir>', 'folder to write experiment-<id>-runs.csv and experiment-<id>-summary.csv into')
    .option('--bundle <file>', 'JSON file to write the experiments, their runs, epochs and plans into (checkpoints stay here)')
    .option('--force', 'overwrite files already there')
    .option('--json', 'print {"runs": path, "summary": path} (--csv) or {"bundle": path, "experiments": [ids]}')
    .action(async (raw: string[], opts: { csv?: string; bundle?: string; force?: boolean; json?: boolean }, cmd: Command) => {
      const ids = raw.map((v) => parsePositiveInt('<experiment-ids...>')(v));
      if ((opts.csv === undefined) === (opts.bundle === undefined)) throw new ValidationError('give one of --csv DIR or --bundle FILE');
      const ifMissing = (path: string): Error => new NotFoundError(`experiment ${ids[0]} not found (no database at ${path} yet)`);
      if (opts.bundle !== undefined) {
        const file = opts.bundle;
        if (file.trim() === '') throw new ValidationError("--bundle: expected a file name, got ''");
        if (existsSync(file) && statSync(file).isDirectory()) throw new ValidationError(`${file} is a folder; name a file for --bundle`);
        if (existsSync(file) && !opts.force) throw new ValidationError(`${file} already exists; pass --force to overwrite it, or name another file`);
        const { exportBundle } = await import('../../store/bundle.ts');
        const bundle = withDatabase(cmd, (db) => exportBundle(db, ids), { ifMissing });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, `${JSON.stringify(bundle)}\n`);
        renameSync(tmp, file);
        if (opts.json) printJson({ bundle: file, experiments: ids });
        else console.log(`wrote ${file} (${ids.length} experiment${ids.length === 1 ? '' : 's'}, ${bundle.experiments.reduce((n, e) => n + e.runs.length, 0)} runs)`);
        return;
      }
      if (ids.length !== 1) throw new ValidationError(`--csv exports one experiment; got ${ids.length} (${ids.join(', ')})`);
      const id = ids[0]!;
      const { experimentResults } = await import('../../queries/experiment-results.ts');
      const { writeCsv } = await import('../../queries/export-csv.ts');
      const paths = withDatabase(cmd, (db) => writeCsv(experimentResults(db, id), opts.csv!, { overwrite: opts.force ?? false }), { ifMissing });
      if (opts.json) printJson(paths);
      else console.log(`wrote ${paths.runs}\nwrote ${paths.summary}`);
    });

  program
    .command('import')
    .description('add the experiments of a bundle (from `pwb export --bundle`) to this database, with new ids')
    .argument('<file>', 'bundle file')
    .option('--json', 'print {"experiments": [new ids]}')
    .action(async (file: string, opts: { json?: boolean }, cmd: Command) => {
      const { readJsonFile } = await import('../args.ts');
      const { importBundle, parseBundle } = await import('../../store/bundle.ts');
      const bundle = parseBundle(readJsonFile(file, { bytes: 512 * 1024 * 1024, what: 'a bundle' }), file);
      const ids = withDatabase(cmd, (db) => importBundle(db, bundle, file));
      if (opts.json) printJson({ experiments: ids });
      else console.log(`imported ${ids.length} experiment${ids.length === 1 ? '' : 's'} from ${file}: ${ids.join(', ')} (see \`pwb experiments\`)`);
    });
}
