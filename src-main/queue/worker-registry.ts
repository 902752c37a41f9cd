// Which workers are connected, and what each is doing: every worker refreshes its entry in Redis every
// few seconds (a key that expires when the worker stops refreshing it, so a dead worker drops out by
// itself); `pwb workers` reads them.
import type { Redis } from 'ioredis';
import { z } from 'zod';

const PREFIX = 'pwb:workers:';
export const REFRESH_MS = 5000;
const TTL_S = 15;

export const WorkerStatusSchema = z.object({
  name: z.string(),
  /** The backend and device, as the backend reason says them. */
  backend: z.string(),
  device: z.string(),
  /** The run in hand ("baseline seed 1 (experiment 3, run 7)"), or null when idle. */
  run: z.string().nullable(),
  /** Training images/s of the run in hand (its last batches), or null. */
  imagesPerSec: z.number().nullable(),
  runsDone: z.number().int(),
  startedAt: z.string(),
  seenAt: z.string(),
});

export type WorkerStatus = z.infer<typeof WorkerStatusSchema>;

export async function publishWorker(redis: Redis, status: Omit<WorkerStatus, 'seenAt'>): Promise<void> {
  await redis.set(`${PREFIX}${status.name}`, JSON.stringify({ ...status, seenAt: new Date().toISOString() }), 'EX', TTL_S);
}

export async function withdrawWorker(redis: Redis, name: string): Promise<void> {
  await redis.del(`${PREFIX}${name}`);
}

/** The connected workers, by name. */
export async function listWorkers(redis: Redis): Promise<WorkerStatus[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 100);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(keys);
  const workers: WorkerStatus[] = [];
  for (const v of values) {
    if (v === null) continue;
    const parsed = WorkerStatusSchema.safeParse(JSON.parse(v));
    if (parsed.success) workers.push(parsed.data);
  }
  return workers.sort((a, b) => a.name.localeCompare(b.name));
}
