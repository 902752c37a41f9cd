// The first schema: experiments, deduplicated arch specs, runs, per-epoch metrics, artifacts.
// STRICT tables reject values of the wrong type; CHECKs hold the enums the rows are parsed with
// (src-shared/store-schemas.ts) so that another writer cannot store what the code cannot read.
import type { Migration } from './index.ts';

const SQL = `
CREATE TABLE experiments (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL CHECK (length(name) > 0),
  spec_json   TEXT NOT NULL CHECK (json_valid(spec_json)),
  status      TEXT NOT NULL CHECK (status IN ('draft', 'queued', 'running', 'completed', 'failed', 'cancelled')),
  tags_json   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags_json)),
  notes       TEXT NOT NULL DEFAULT '',
  hidden      INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE arch_specs (
  id          INTEGER PRIMARY KEY,
  hash        TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
  family      TEXT NOT NULL,
  spec_json   TEXT NOT NULL CHECK (json_valid(spec_json)),
  params      INTEGER NOT NULL CHECK (params >= 0),
  flops       INTEGER NOT NULL CHECK (flops >= 0),
  created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE runs (
  id              INTEGER PRIMARY KEY,
  experiment_id   INTEGER REFERENCES experiments (id),
  parent_run_id   INTEGER REFERENCES runs (id),
  regime          TEXT NOT NULL CHECK (regime IN ('baseline', 'finetune', 'scratch-e', 'scratch-b', 'train')),
  seed            INTEGER NOT NULL,
  arch_spec_id    INTEGER NOT NULL REFERENCES arch_specs (id),
  arch_id         TEXT,
  dataset_id      TEXT NOT NULL,
  dataset_source  TEXT,
  config_json     TEXT NOT NULL CHECK (json_valid(config_json)),
  status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
  backend         TEXT,
  backend_reason  TEXT,
  epochs_planned  INTEGER NOT NULL CHECK (epochs_planned >= 0),
  epochs_done     INTEGER NOT NULL DEFAULT 0 CHECK (epochs_done >= 0),
  train_loss      REAL,
  train_acc       REAL,
  test_loss       REAL,
  test_acc        REAL,
  best_test_acc   REAL,
  best_epoch      INTEGER,
  params          INTEGER,
  flops           INTEGER,
  images_per_sec  REAL,
  checkpoint_dir  TEXT,
  error           TEXT,
  created_at      TEXT NOT NULL,
  started_at      TEXT,
  finished_at     TEXT,
  heartbeat_at    TEXT
) STRICT;
CREATE INDEX runs_by_experiment ON runs (experiment_id);
CREATE INDEX runs_by_parent ON runs (parent_run_id);
CREATE INDEX runs_by_arch_spec ON runs (arch_spec_id);
CREATE INDEX runs_by_status ON runs (status);

-- One row per (run, epoch): a resumed run rewrites the epochs it repeats.
CREATE TABLE epoch_metrics (
  run_id          INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch           INTEGER NOT NULL CHECK (epoch >= 1),
  train_loss      REAL,
  train_acc       REAL NOT NULL,
  test_loss       REAL,
  test_acc        REAL,
  lr              REAL NOT NULL,
  images_per_sec  REAL,
  wall_s          REAL NOT NULL,
  PRIMARY KEY (run_id, epoch)
) STRICT, WITHOUT ROWID;

CREATE TABLE artifacts (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,
  path        TEXT NOT NULL,
  bytes       INTEGER CHECK (bytes >= 0),
  sha256      TEXT CHECK (length(sha256) = 64),
  created_at  TEXT NOT NULL,
  UNIQUE (run_id, path)
) STRICT;
`;

export const initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(SQL);
  },
};
