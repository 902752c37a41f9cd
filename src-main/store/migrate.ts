// Numbered migrations, applied in order, each once. `schema_migrations` records what was applied;
// the highest version recorded is the database's schema version.
import type { Db } from './db.ts';
import type { Migration } from './migrations/index.ts';
import { nowIso, writeTransaction } from './tx.ts';

/** The highest applied migration, 0 for a database that has none (or no bookkeeping table yet). */
export function schemaVersion(db: Db): number {
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get();
  if (table === undefined) return 0;
  return (db.prepare('SELECT coalesce(max(version), 0) FROM schema_migrations').pluck().get() as number) ?? 0;
}

/**
 * Applies the migrations newer than the database's version, all in one transaction: either every
 * pending migration is applied and recorded, or none is. Returns the versions before and after.
 * Opening an up-to-date database writes nothing.
 */
export function migrate(db: Db, migrations: readonly Migration[]): { from: number; to: number } {
  checkNumbering(migrations);
  const latest = migrations.at(-1)?.version ?? 0;
  const before = schemaVersion(db);
  if (before >= latest) return { from: before, to: before };
  // Enforcement can only change outside a transaction; the check inside it still covers every migration.
  const rebuilds = migrations.some((m) => m.version > before && m.rebuildsTables);
  const enforced = db.pragma('foreign_keys', { simple: true }) === 1;
  if (rebuilds && enforced) db.pragma('foreign_keys = OFF');
  try {
    return applyPending(db, migrations, latest);
  } finally {
    if (rebuilds && enforced) db.pragma('foreign_keys = ON');
  }
}

function applyPending(db: Db, migrations: readonly Migration[], latest: number): { from: number; to: number } {
  return writeTransaction(db, () => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL
    ) STRICT`);
    // Another process may have migrated between the check above and taking the write lock.
    const from = schemaVersion(db);
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations) {
      if (m.version <= from) continue;
      m.up(db);
      record.run(m.version, m.name, nowIso());
    }
    const broken = db.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) throw new Error(`migration to version ${latest} left ${broken.length} foreign-key violations`);
    return { from, to: latest };
  });
}

// Versions are 1, 2, 3, … in array order: a gap or a swap is a programming error caught on open.
function checkNumbering(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration '${m.name}' has version ${m.version}, expected ${i + 1}`);
  });
}
