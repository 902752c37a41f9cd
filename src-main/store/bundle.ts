// Moving experiments between databases (and machines): a bundle is one JSON document holding, per
// experiment, its row, its runs with every epoch, the architecture specs they use and its pruning plans.
// Checkpoints stay behind (they are files of the source machine): an imported run that had not finished
// cannot be resumed, and says so. Importing gives every row a new id in the target database (the
// experiment, its runs and their parent links), reuses an identical architecture spec already there,
// and writes everything in one transaction: a bundle that does not fit leaves the database as it was.
import { z } from 'zod';
import { DataError } from '../../src-shared/errors.ts';
import { parseOrThrow } from '../../src-shared/validate.ts';
import type { Db } from './db.ts';
import { getExperiment } from './experiments.ts';
import { writeTransaction } from './tx.ts';

export const BUNDLE_FORMAT = 'pruning-workbench-bundle';
export const BUNDLE_VERSION = 1;

type Row = Record<string, unknown>;
const row = z.record(z.string(), z.unknown());

const BundleSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  version: z.literal(BUNDLE_VERSION),
  exportedAt: z.string(),
  experiments: z.array(z.strictObject({
    experiment: row,
    archSpecs: z.array(row),
    runs: z.array(row),
    epochs: z.array(row),
    plans: z.array(row),
  })).min(1),
});

export type Bundle = z.infer<typeof BundleSchema>;

/** The experiments (in the given order) as a bundle. */
export function exportBundle(db: Db, experimentIds: readonly number[]): Bundle {
  const all = (sql: string, ...args: unknown[]): Row[] => db.prepare(sql).all(...args) as Row[];
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    exportedAt: new Date().toISOString(),
    experiments: experimentIds.map((id) => {
      getExperiment(db, id); // NotFoundError names a missing one
      return {
        experiment: all('SELECT * FROM experiments WHERE id = ?', id)[0]!,
        archSpecs: all('SELECT * FROM arch_specs WHERE id IN (SELECT arch_spec_id FROM runs WHERE experiment_id = ?) ORDER BY id', id),
        runs: all('SELECT * FROM runs WHERE experiment_id = ? ORDER BY id', id),
        epochs: all('SELECT m.* FROM epoch_metrics m JOIN runs r ON r.id = m.run_id WHERE r.experiment_id = ? ORDER BY m.run_id, m.epoch', id),
        plans: all('SELECT * FROM plans WHERE experiment_id = ? ORDER BY seed', id),
      };
    }),
  };
}

/** Checks a parsed JSON document as a bundle; `where` names it in the error. */
export function parseBundle(value: unknown, where: string): Bundle {
  if (typeof value === 'object' && value !== null && (value as Row).format !== BUNDLE_FORMAT) {
    throw new DataError(`${where}: not a Pruning Workbench bundle (format ${JSON.stringify((value as Row).format ?? null)}); write one with \`pwb export <id> --bundle FILE\``);
  }
  if (typeof value === 'object' && value !== null && typeof (value as Row).version === 'number' && (value as Row).version !== BUNDLE_VERSION) {
    throw new DataError(`${where}: bundle version ${(value as Row).version}, this Pruning Workbench reads version ${BUNDLE_VERSION}; update the app`);
  }
  return parseOrThrow(BundleSchema, value, where);
}

/** Imports every experiment of the bundle; returns their new ids, in the bundle's order. */
export function importBundle(db: Db, bundle: Bundle, where: string): number[] {
  return writeTransaction(db, () => bundle.experiments.map((e, i) => importExperiment(db, e, `${where}: experiment ${i + 1}`)));
}

function importExperiment(db: Db, e: Bundle['experiments'][number], where: string): number {
  const insert = (table: string, values: Row, skip: readonly string[] = []): number => {
    const cols = columnsOf(db, table).filter((c) => !skip.includes(c) && c in values);
    try {
      const info = db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => values[c] as never));
      return Number(info.lastInsertRowid);
    } catch (err) {
      throw new DataError(`${where}: a row of ${table} does not fit this database (${(err as Error).message}); the bundle is damaged or from another program`);
    }
  };
  const ref = (values: Row, key: string): number => {
    const v = values[key];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new DataError(`${where}: ${key} must be an integer id, got ${JSON.stringify(v)}`);
    return v;
  };

  const experimentId = insert('experiments', e.experiment, ['id']);
  const archIds = new Map<number, number>();
  for (const a of e.archSpecs) {
    const existing = db.prepare('SELECT id FROM arch_specs WHERE hash = ?').pluck().get(a.hash) as number | undefined;
    archIds.set(ref(a, 'id'), existing ?? insert('arch_specs', a, ['id']));
  }
  const runIds = new Map<number, number>();
  for (const r of e.runs) {
    const arch = archIds.get(ref(r, 'arch_spec_id'));
    if (arch === undefined) throw new DataError(`${where}: run ${String(r.id)} uses arch spec ${String(r.arch_spec_id)}, which the bundle does not hold`);
    const parent = r.parent_run_id === null || r.parent_run_id === undefined ? null : runIds.get(ref(r, 'parent_run_id'));
    if (parent === undefined) throw new DataError(`${where}: run ${String(r.id)} comes before its parent run ${String(r.parent_run_id)}`);
    // Its checkpoints stayed on the machine it trained on.
    const unfinished = r.status === 'running' || r.status === 'queued';
    runIds.set(ref(r, 'id'), insert('runs', {
      ...r, experiment_id: experimentId, parent_run_id: parent, arch_spec_id: arch, checkpoint_dir: null,
      ...(unfinished ? { status: 'failed', error: 'imported from a bundle before it finished; its checkpoints stayed on the machine it trained on' } : {}),
    }, ['id']));
  }
  for (const m of e.epochs) {
    const run = runIds.get(ref(m, 'run_id'));
    if (run === undefined) throw new DataError(`${where}: an epoch of run ${String(m.run_id)}, which the bundle does not hold`);
    insert('epoch_metrics', { ...m, run_id: run });
  }
  for (const p of e.plans) insert('plans', { ...p, experiment_id: experimentId });
  if (e.experiment.status === 'running' || e.experiment.status === 'queued') {
    db.prepare("UPDATE experiments SET status = 'failed' WHERE id = ?").run(experimentId);
  }
  return experimentId;
}

function columnsOf(db: Db, table: string): string[] {
  return (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);
}
