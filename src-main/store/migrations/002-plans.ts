// Pruning plans move into the database, so a copied or backed-up database keeps them (the width charts
// and the pruned architectures of every seed; an unstructured plan's masks are inside its JSON).
// Plans written as files beside the database by earlier versions (`<db>.experiments/<id>/plan-seed-<s>.json`,
// recorded as 'plan' artifacts of the seed's baseline run) are read in here; a file that is gone stays
// unrecorded and its experiment simply has no plan for that seed.
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Migration } from './index.ts';

const SQL = `
CREATE TABLE plans (
  experiment_id  INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  seed           INTEGER NOT NULL,
  plan_json      TEXT NOT NULL CHECK (json_valid(plan_json)),
  created_at     TEXT NOT NULL,
  PRIMARY KEY (experiment_id, seed)
) STRICT;
`;

export const plans: Migration = {
  version: 2,
  name: 'plans',
  up(db) {
    db.exec(SQL);
    const files = db.prepare(
      `SELECT a.id, a.path, a.created_at, r.experiment_id FROM artifacts a JOIN runs r ON r.id = a.run_id
       WHERE a.kind = 'plan' AND r.experiment_id IS NOT NULL`,
    ).all() as Array<{ id: number; path: string; created_at: string; experiment_id: number }>;
    const insert = db.prepare('INSERT OR IGNORE INTO plans (experiment_id, seed, plan_json, created_at) VALUES (?, ?, ?, ?)');
    const forget = db.prepare('DELETE FROM artifacts WHERE id = ?');
    for (const f of files) {
      const seed = /^plan-seed-(\d+)\.json$/.exec(basename(f.path))?.[1];
      if (seed === undefined || !existsSync(f.path)) continue;
      const text = readFileSync(f.path, 'utf8');
      try {
        JSON.parse(text);
      } catch {
        continue; // a damaged file is left where it is, for the user to look at
      }
      insert.run(f.experiment_id, Number(seed), text.trim(), f.created_at);
      forget.run(f.id);
    }
  },
};
