// Measured latencies of stored architectures (table arch_latency): written by the latency job, read by
// the study query. One row per (architecture, backend, batch size); a new measurement replaces the old.
import { z } from 'zod';
import { parseOrThrow } from '../../src-shared/validate.ts';
import type { Db } from './db.ts';
import { nowIso, writeTransaction } from './tx.ts';

export const LatencyMeasurementSchema = z.strictObject({
  archSpecId: z.number().int().positive(),
  backend: z.string().min(1),
  device: z.string(),
  batchSize: z.number().int().min(1),
  medianMs: z.number().positive().finite(),
  repeats: z.number().int().min(1),
});
export type LatencyMeasurement = z.infer<typeof LatencyMeasurementSchema>;
export type StoredLatency = LatencyMeasurement & { measuredAt: string };

/** Stores the measurements in one transaction (all or none), replacing earlier ones of the same key. */
export function putLatencies(db: Db, rows: readonly LatencyMeasurement[]): void {
  const parsed = rows.map((r, i) => parseOrThrow(LatencyMeasurementSchema, r, `latency measurement ${i}`));
  const at = nowIso();
  const insert = db.prepare(
    `INSERT INTO arch_latency (arch_spec_id, backend, device, batch_size, median_ms, repeats, measured_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (arch_spec_id, backend, batch_size) DO UPDATE SET
       device = excluded.device, median_ms = excluded.median_ms, repeats = excluded.repeats, measured_at = excluded.measured_at`,
  );
  writeTransaction(db, () => {
    for (const r of parsed) insert.run(r.archSpecId, r.backend, r.device, r.batchSize, r.medianMs, r.repeats, at);
  });
}

/** Every stored measurement of these architectures, newest first. */
export function latenciesOf(db: Db, archSpecIds: readonly number[]): StoredLatency[] {
  if (archSpecIds.length === 0) return [];
  const rows = db.prepare(
    `SELECT arch_spec_id, backend, device, batch_size, median_ms, repeats, measured_at FROM arch_latency
     WHERE arch_spec_id IN (${archSpecIds.map(() => '?').join(', ')}) ORDER BY measured_at DESC, arch_spec_id, batch_size`,
  ).all(...archSpecIds) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    archSpecId: r.arch_spec_id as number, backend: r.backend as string, device: r.device as string, batchSize: r.batch_size as number,
    medianMs: r.median_ms as number, repeats: r.repeats as number, measuredAt: r.measured_at as string,
  }));
}
