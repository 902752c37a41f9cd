// What every fault test checks afterwards, from outside the process that failed: the database is sound
// (PRAGMA integrity_check), no run is "running" (nobody is left to train it), and each run's epochs are
// 1..n with none lost or stored twice.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';

export interface StoreState {
  status: Map<number, string>;
  epochs: Map<number, number[]>;
}

export function assertSoundStore(file: string): StoreState {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok', `${file}: integrity_check`);
    const status = new Map((db.prepare('SELECT id, status FROM runs ORDER BY id').all() as Array<{ id: number; status: string }>).map((r) => [r.id, r.status]));
    const epochs = new Map<number, number[]>();
    for (const r of db.prepare('SELECT run_id, epoch FROM epoch_metrics ORDER BY run_id, epoch').all() as Array<{ run_id: number; epoch: number }>) {
      epochs.set(r.run_id, [...(epochs.get(r.run_id) ?? []), r.epoch]);
    }
    for (const [id, list] of epochs) assert.deepEqual(list, list.map((_, i) => i + 1), `run ${id}: epochs lost or duplicated`);
    for (const [id, s] of status) assert.notEqual(s, 'running', `run ${id} left running with no live owner`);
    return { status, epochs };
  } finally {
    db.close();
  }
}
