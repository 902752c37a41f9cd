// The 'lottery' regime (the pruned network from the baseline's own initial values of the kept weights:
// Frankle & Carbin's winning ticket, as Liu et al. §6 test it) and the 'reduced' one (the base narrowed
// uniformly to the pruned network's parameter count, trained from scratch: Crowley et al.). SQLite cannot change a CHECK constraint in
// place, so `runs` is rebuilt as SQLite documents (sqlite.org/lang_altertable.html, "other kinds of table
// schema changes"): the new table from the current definition with the wider CHECK, the rows copied, the
// old table dropped, the new one renamed, its indexes made again. It runs with foreign-key enforcement off
// (`rebuildsTables`), so dropping the old table deletes no child rows; the check after the migration
// proves every reference still resolves.
import type { Migration } from './index.ts';

const OLD_CHECK = "CHECK (regime IN ('baseline', 'finetune', 'scratch-e', 'scratch-b', 'train'))";
const NEW_CHECK = "CHECK (regime IN ('baseline', 'finetune', 'scratch-e', 'scratch-b', 'train', 'lottery', 'reduced'))";

export const lotteryRegime: Migration = {
  version: 4,
  name: 'lottery_regime',
  rebuildsTables: true,
  up(db) {
    const sql = db.prepare(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'runs'`).pluck().get() as string;
    if (!sql.startsWith('CREATE TABLE runs (') || !sql.includes(OLD_CHECK)) {
      throw new Error("table 'runs' is not as migration 001 created it; refusing to rebuild it");
    }
    const indexes = db.prepare(`SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'runs' AND sql IS NOT NULL`).pluck().all() as string[];
    db.exec(sql.replace('CREATE TABLE runs (', 'CREATE TABLE runs_rebuilt (').replace(OLD_CHECK, NEW_CHECK));
    db.exec('INSERT INTO runs_rebuilt SELECT * FROM runs');
    db.exec('DROP TABLE runs');
    db.exec('ALTER TABLE runs_rebuilt RENAME TO runs');
    for (const index of indexes) db.exec(index);
  },
};
