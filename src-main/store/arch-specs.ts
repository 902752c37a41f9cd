// Architectures, stored once each: runs that train the same ArchSpec share one row, found by the
// sha256 of the spec's canonical JSON.
import { createHash } from 'node:crypto';
import { type ArchSpec, ArchSpecSchema } from '../../src-shared/arch-spec.ts';
import { NotFoundError } from '../../src-shared/errors.ts';
import { type ArchSpecRecord, ArchSpecRecordSchema } from '../../src-shared/store-schemas.ts';
import { parseOrThrow } from '../../src-shared/validate.ts';
import type { Db } from './db.ts';
import { parseRow, type SqlRow } from './row.ts';
import { nowIso, writeTransaction } from './tx.ts';

export interface ArchCost {
  params: number;
  flops: number;
}

/**
 * Stores `spec` unless an identical one is stored, and returns its id. A spec already stored keeps
 * the params and FLOPs it was first stored with (they are functions of the spec).
 */
export function putArchSpec(db: Db, spec: ArchSpec, cost: ArchCost): number {
  const parsed = parseOrThrow(ArchSpecSchema, spec, 'arch spec');
  const { params, flops } = parseOrThrow(ArchSpecRecordSchema.pick({ params: true, flops: true }), cost, 'arch spec cost');
  const json = canonicalJson(parsed);
  const hash = sha256(json);
  return writeTransaction(db, () => {
    db.prepare(
      `INSERT INTO arch_specs (hash, family, spec_json, params, flops, created_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
    ).run(hash, parsed.family, json, params, flops, nowIso());
    return db.prepare('SELECT id FROM arch_specs WHERE hash = ?').pluck().get(hash) as number;
  });
}

export function getArchSpec(db: Db, id: number): ArchSpecRecord {
  const row = db.prepare('SELECT id, hash, spec_json, params, flops, created_at FROM arch_specs WHERE id = ?').get(id) as
    | SqlRow
    | undefined;
  if (row === undefined) throw new NotFoundError(`arch spec ${id} not found`);
  return parseRow(ArchSpecRecordSchema, row, `arch_specs ${id}`);
}

/** The spec's identity: sha256 (hex) of its canonical JSON. */
export function archSpecHash(spec: ArchSpec): string {
  return sha256(canonicalJson(parseOrThrow(ArchSpecSchema, spec, 'arch spec')));
}

/** JSON with object keys sorted at every depth, so equal specs serialise to equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
