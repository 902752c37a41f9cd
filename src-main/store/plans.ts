// Pruning plans: one per experiment, seed and learning-rate chain (spec.learningRates; null where the
// experiment has one rate), the JSON a pruning method produced (PruningPlan). Kept in the database so that
// a copied database carries them; the experiment runner writes each once.
import type { Db } from './db.ts';
import { nowIso, writeTransaction } from './tx.ts';

/** Stores the chain's plan; a plan, once written, is never replaced (a second write must be identical). */
export function putPlan(db: Db, experimentId: number, seed: number, planJson: string, chainLr: number | null = null): void {
  writeTransaction(db, () => {
    const existing = getPlanJson(db, experimentId, seed, chainLr);
    if (existing === null) {
      db.prepare('INSERT INTO plans (experiment_id, seed, chain_lr, plan_json, created_at) VALUES (?, ?, ?, ?, ?)').run(experimentId, seed, chainLr, planJson, nowIso());
    } else if (existing !== planJson) {
      throw new Error(`experiment ${experimentId} seed ${seed}${chainLr === null ? '' : ` lr ${chainLr}`} already has a different plan`);
    }
  });
}

export function getPlanJson(db: Db, experimentId: number, seed: number, chainLr: number | null = null): string | null {
  return (db.prepare('SELECT plan_json FROM plans WHERE experiment_id = ? AND seed = ? AND IFNULL(chain_lr, 0) = ?').pluck().get(experimentId, seed, chainLr ?? 0) as string | undefined) ?? null;
}

/** Every plan of an experiment, by seed (and learning rate, in the spec's chains). */
export function listPlans(db: Db, experimentId: number): Array<{ seed: number; chainLr: number | null; planJson: string; createdAt: string }> {
  return (db.prepare('SELECT seed, chain_lr, plan_json, created_at FROM plans WHERE experiment_id = ? ORDER BY seed, rowid').all(experimentId) as Array<{ seed: number; chain_lr: number | null; plan_json: string; created_at: string }>)
    .map((r) => ({ seed: r.seed, chainLr: r.chain_lr, planJson: r.plan_json, createdAt: r.created_at }));
}
