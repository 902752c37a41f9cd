// Measured inference latency of stored architectures (the Study view's third axis): per architecture,
// backend and batch size, the median wall time of repeated eval-mode forward passes. Latency is a
// function of the architecture and the compute it runs on, not of trained weights, so every run of an
// architecture shares its row; a new measurement on the same backend and batch size replaces the old.
import type { Migration } from './index.ts';

const SQL = `
CREATE TABLE arch_latency (
  arch_spec_id  INTEGER NOT NULL REFERENCES arch_specs (id),
  backend       TEXT    NOT NULL CHECK (length(backend) > 0),
  device        TEXT    NOT NULL,
  batch_size    INTEGER NOT NULL CHECK (batch_size >= 1),
  median_ms     REAL    NOT NULL CHECK (median_ms > 0),
  repeats       INTEGER NOT NULL CHECK (repeats >= 1),
  measured_at   TEXT    NOT NULL,
  PRIMARY KEY (arch_spec_id, backend, batch_size)
);
`;

export const archLatency: Migration = {
  version: 6,
  name: 'arch_latency',
  up(db) {
    db.exec(SQL);
  },
};
