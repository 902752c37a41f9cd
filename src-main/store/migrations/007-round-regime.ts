// The 'round' regime: iterative pruning's intermediate rounds (Frankle & Carbin; Liu et al. §6, iterative):
// round i of k trains the network under the i-th mask from the baseline's own initial values, and the
// next round's mask is chosen from its trained weights. `runs` is rebuilt for the wider CHECK, as
// migration 004 did (sqlite.org/lang_altertable.html, "other kinds of table schema changes").
import type { Migration } from './index.ts';

const OLD_CHECK = "CHECK (regime IN ('baseline', 'finetune', 'scratch-e', 'scratch-b', 'train', 'lottery', 'reduced'))";
const NEW_CHECK = "CHECK (regime IN ('baseline', 'finetune', 'scratch-e', 'scratch-b', 'train', 'lottery', 'reduced', 'round'))";

export const roundRegime: Migration = {
  version: 7,
  name: 'round_regime',
  rebuildsTables: true,
  up(db) {
    const sql = db.prepare(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'runs'`).pluck().get() as string;
    // After migration 004's rename SQLite keeps the definition as `CREATE TABLE "runs" (`.
    const head = /^CREATE TABLE "?runs"? \(/;
    if (!head.test(sql) || !sql.includes(OLD_CHECK)) throw new Error("table 'runs' is not as migration 004 left it; refusing to rebuild it");
    const indexes = db.prepare(`SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'runs' AND sql IS NOT NULL`).pluck().all() as string[];
    const create = sql.replace(head, 'CREATE TABLE runs_next (').replace(OLD_CHECK, NEW_CHECK);
    db.exec(create);
    db.exec('INSERT INTO runs_next SELECT * FROM runs');
    db.exec('DROP TABLE runs');
    db.exec('ALTER TABLE runs_next RENAME TO runs');
    for (const index of indexes) db.exec(index);
  },
};
