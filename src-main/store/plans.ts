// Pruning plans: one per experiment and seed, the JSON a pruning method produced (PruningPlan). Kept in
// the database so that a copied database carries them; the experiment runner writes each once.
import type { Db } from './db.ts';
import { nowIso, writeTransaction } from './tx.ts';

/** Stores the seed's plan; a plan, once written, is never replaced (a second write must be identical). */
export function putPlan(db: Db, experimentId: number, seed: number, planJson: string): void {
  writeTransaction(db, () => {
    const existing = getPlanJson(db, experimentId, seed);
    if (existing === null) {
      db.prepare('INSERT INTO plans (experiment_id, seed, plan_json, created_at) VALUES (?, ?, ?, ?)').run(experimentId, seed, planJson, nowIso());
    } else if (existing !== planJson) {
      throw new Error(`experiment ${experimentId} seed ${seed} already has a different plan`);
    }
  });
}

export function getPlanJson(db: Db, experimentId: number, seed: number): string | null {
  return (db.prepare('SELECT plan_json FROM plans WHERE experiment_id = ? AND seed = ?').pluck().get(experimentId, seed) as string | undefined) ?? null;
}

/** Every plan of an experiment, by seed. */
export function listPlans(db: Db, experimentId: number): Array<{ seed: number; planJson: string; createdAt: string }> {
  return (db.prepare('SELECT seed, plan_json, created_at FROM plans WHERE experiment_id = ? ORDER BY seed').all(experimentId) as Array<{ seed: number; plan_json: string; created_at: string }>)
    .map((r) => ({ seed: r.seed, planJson: r.plan_json, createdAt: r.created_at }));
}
