// Several learning rates in one experiment (spec.learningRates; Liu et al. §6 compare the lottery ticket at
// 0.1 and 0.01): each seed's chain runs once per rate, so a run records the rate of its chain and a plan is
// one per experiment, seed and rate. Existing rows get null: their experiments have one rate. `plans` is
// rebuilt for its wider key (sqlite.org/lang_altertable.html, "other kinds of table schema changes"); null
// cannot sit in a primary key, so the key is a unique index over the rate with null as 0 (rates are > 0).
import type { Migration } from './index.ts';

const SQL = `
ALTER TABLE runs ADD COLUMN chain_lr REAL CHECK (chain_lr IS NULL OR chain_lr > 0);
CREATE TABLE plans_next (
  experiment_id  INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  seed           INTEGER NOT NULL,
  chain_lr       REAL CHECK (chain_lr IS NULL OR chain_lr > 0),
  plan_json      TEXT NOT NULL CHECK (json_valid(plan_json)),
  created_at     TEXT NOT NULL
) STRICT;
INSERT INTO plans_next (experiment_id, seed, chain_lr, plan_json, created_at) SELECT experiment_id, seed, NULL, plan_json, created_at FROM plans;
DROP TABLE plans;
ALTER TABLE plans_next RENAME TO plans;
CREATE UNIQUE INDEX plans_key ON plans (experiment_id, seed, IFNULL(chain_lr, 0));
`;

export const learningRateChains: Migration = {
  version: 8,
  name: 'learning_rate_chains',
  rebuildsTables: true,
  up(db) {
    db.exec(SQL);
  },
};
