// Files a run leaves behind (checkpoints, plans, exports). One row per (run, path): writing a
// checkpoint again at the same path updates its row rather than adding one.
import {
  type Artifact,
  type ArtifactKind,
  ArtifactSchema,
  type NewArtifact,
  NewArtifactSchema,
} from '../../src-shared/store-schemas.ts';
import { NotFoundError } from '../../src-shared/errors.ts';
import { parseOrThrow } from '../../src-shared/validate.ts';
import type { Db } from './db.ts';
import { parseRow, type SqlRow } from './row.ts';
import { getRun } from './runs.ts';
import { nowIso, writeTransaction } from './tx.ts';

export function addArtifact(db: Db, fields: NewArtifact): Artifact {
  const a = parseOrThrow(NewArtifactSchema, fields, 'new artifact');
  return writeTransaction(db, () => {
    getRun(db, a.runId);
    db.prepare(
      `INSERT INTO artifacts (run_id, kind, path, bytes, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, path) DO UPDATE SET
         kind = excluded.kind, bytes = excluded.bytes, sha256 = excluded.sha256, created_at = excluded.created_at`,
    ).run(a.runId, a.kind, a.path, a.bytes, a.sha256, nowIso());
    const row = db.prepare('SELECT * FROM artifacts WHERE run_id = ? AND path = ?').get(a.runId, a.path) as SqlRow;
    return parseRow(ArtifactSchema, row, `artifacts ${row.id}`);
  });
}

/** A run's artifacts, oldest first, optionally of one kind. */
export function listArtifacts(db: Db, runId: number, query: { kind?: ArtifactKind } = {}): Artifact[] {
  const rows = (
    query.kind === undefined
      ? db.prepare('SELECT * FROM artifacts WHERE run_id = ? ORDER BY id').all(runId)
      : db.prepare('SELECT * FROM artifacts WHERE run_id = ? AND kind = ? ORDER BY id').all(runId, query.kind)
  ) as SqlRow[];
  return rows.map((row) => parseRow(ArtifactSchema, row, `artifacts ${row.id}`));
}

export function getArtifact(db: Db, id: number): Artifact {
  const row = db.prepare('SELECT * FROM artifacts WHERE id = ?').get(id) as SqlRow | undefined;
  if (row === undefined) throw new NotFoundError(`artifact ${id} not found`);
  return parseRow(ArtifactSchema, row, `artifacts ${id}`);
}
