// Shared fixtures for the store tests: a fresh folder per test, a small spec, a queued run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { VggSpec } from '../../src-main/engine/models/vgg.ts';
import type { Run } from '../../src-shared/store-schemas.ts';
import { putArchSpec } from '../../src-main/store/arch-specs.ts';
import { type Db, openDatabase } from '../../src-main/store/db.ts';
import { createRun } from '../../src-main/store/runs.ts';

/** A temporary folder removed when the test ends. */
export function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pwb-store-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An in-memory database, closed when the test ends. */
export function memoryDb(t: TestContext): Db {
  const db = openDatabase(':memory:');
  t.after(() => db.close());
  return db;
}

export const smallVgg: VggSpec = {
  family: 'vgg',
  input: [32, 32, 3],
  classes: 10,
  cfg: [8, 'M', 16],
  pool: 'global_avg',
  fc: [],
};

export function queuedRun(db: Db, overrides: { experimentId?: number | null; parentRunId?: number | null; regime?: Run['regime'] } = {}): Run {
  const archSpecId = putArchSpec(db, smallVgg, { params: 1234, flops: 56789 });
  return createRun(db, {
    regime: 'baseline',
    seed: 1,
    archSpecId,
    datasetId: 'fashion_mnist_small',
    config: { epochs: 3, lr: 0.1 },
    epochsPlanned: 3,
    ...overrides,
  });
}

/**
 * A queued run written as an older schema holds it (the columns of migration 001, which today's createRun
 * extends), for migration tests on a database left at an earlier version.
 */
export function legacyRun(db: Db, overrides: { experimentId?: number | null; parentRunId?: number | null; regime?: Run['regime'] } = {}): Run {
  const archSpecId = putArchSpec(db, smallVgg, { params: 1234, flops: 56789 });
  const { lastInsertRowid } = db.prepare(
    `INSERT INTO runs (experiment_id, parent_run_id, regime, seed, arch_spec_id, arch_id, dataset_id, dataset_source, config_json, status, epochs_planned, params, flops, checkpoint_dir, created_at)
     VALUES (?, ?, ?, 1, ?, NULL, 'fashion_mnist_small', NULL, '{"epochs":3,"lr":0.1}', 'queued', 3, 1234, 56789, NULL, '2026-01-01T00:00:00.000Z')`,
  ).run(overrides.experimentId ?? null, overrides.parentRunId ?? null, overrides.regime ?? 'baseline', archSpecId);
  return { id: Number(lastInsertRowid), archSpecId } as Run;
}

/** A plan row as migration 002's table holds it (before migration 008 keyed plans by learning rate too). */
export function legacyPlan(db: Db, experimentId: number, seed: number, planJson: string): void {
  db.prepare('INSERT INTO plans (experiment_id, seed, plan_json, created_at) VALUES (?, ?, ?, ?)').run(experimentId, seed, planJson, '2026-01-01T00:00:00.000Z');
}

/** Everything in the database's tables, for "nothing changed" assertions. */
export function dump(db: Db): Record<string, unknown[]> {
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[];
  return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).all()]));
}
