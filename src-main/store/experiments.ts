// Experiments: the submitted ExperimentSpec plus what the user adds (name, tags, notes, hidden).
import { NotFoundError, ValidationError } from '../../src-shared/errors.ts';
import {
  type Experiment,
  type ExperimentPatch,
  ExperimentPatchSchema,
  ExperimentSchema,
  type ExperimentStatus,
  type NewExperiment,
  NewExperimentSchema,
} from '../../src-shared/store-schemas.ts';
import { parseOrThrow } from '../../src-shared/validate.ts';
import type { Db } from './db.ts';
import { parseRow, type SqlRow } from './row.ts';
import { nowIso, writeTransaction } from './tx.ts';

export function createExperiment(db: Db, fields: NewExperiment): Experiment {
  const e = parseOrThrow(NewExperimentSchema, fields, 'new experiment');
  return writeTransaction(db, () => {
    const now = nowIso();
    const { lastInsertRowid } = db
      .prepare(
        `INSERT INTO experiments (name, spec_json, status, tags_json, notes, hidden, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
      )
      .run(e.name, JSON.stringify(e.spec), e.status, JSON.stringify(e.tags), e.notes, now, now);
    return getExperiment(db, Number(lastInsertRowid));
  });
}

export function getExperiment(db: Db, id: number): Experiment {
  const row = db.prepare('SELECT * FROM experiments WHERE id = ?').get(id) as SqlRow | undefined;
  if (row === undefined) throw new NotFoundError(`experiment ${id} not found`);
  return fromRow(row);
}

export interface ExperimentQuery {
  /** Hidden experiments are left out unless asked for. */
  includeHidden?: boolean;
  status?: ExperimentStatus;
  limit?: number;
}

/** Newest first. */
export function listExperiments(db: Db, query: ExperimentQuery = {}): Experiment[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (!query.includeHidden) where.push('hidden = 0');
  if (query.status !== undefined) {
    where.push('status = ?');
    args.push(query.status);
  }
  const sql = `SELECT * FROM experiments ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...args, query.limit ?? -1) as SqlRow[];
  return rows.map(fromRow);
}

/** Changes the given fields, bumps updated_at, and returns the experiment as stored. */
export function updateExperiment(db: Db, id: number, patch: ExperimentPatch): Experiment {
  const p = parseOrThrow(ExperimentPatchSchema, patch, 'experiment update');
  const columns: Record<string, unknown> = {
    name: p.name,
    spec_json: p.spec === undefined ? undefined : JSON.stringify(p.spec),
    status: p.status,
    tags_json: p.tags === undefined ? undefined : JSON.stringify(p.tags),
    notes: p.notes,
    hidden: p.hidden === undefined ? undefined : Number(p.hidden),
    updated_at: nowIso(),
  };
  const set = Object.entries(columns).filter(([, v]) => v !== undefined);
  return writeTransaction(db, () => {
    const { changes } = db
      .prepare(`UPDATE experiments SET ${set.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`)
      .run(...set.map(([, v]) => v), id);
    if (changes === 0) throw new NotFoundError(`experiment ${id} not found`);
    return getExperiment(db, id);
  });
}

/** Deletes an experiment that has no runs; one with runs is history: hide it instead. */
export function deleteExperiment(db: Db, id: number): void {
  writeTransaction(db, () => {
    getExperiment(db, id);
    const runs = db.prepare('SELECT count(*) FROM runs WHERE experiment_id = ?').pluck().get(id) as number;
    if (runs > 0) throw new ValidationError(`experiment ${id} has ${runs} runs and cannot be deleted; hide it instead`);
    db.prepare('DELETE FROM experiments WHERE id = ?').run(id);
  });
}

function fromRow(row: SqlRow): Experiment {
  return parseRow(ExperimentSchema, { ...row, hidden: row.hidden === 1 }, `experiments ${row.id}`);
}
