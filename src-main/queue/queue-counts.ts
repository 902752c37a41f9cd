// How many queued runs wait for a worker and how many are being trained.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { RUN_QUEUE } from './run-task.ts';

export async function queueCounts(redis: Redis): Promise<{ waiting: number; active: number }> {
  const queue = new Queue(RUN_QUEUE, { connection: redis });
  try {
    const counts = await queue.getJobCounts('waiting', 'delayed', 'active');
    return { waiting: (counts.waiting ?? 0) + (counts.delayed ?? 0), active: counts.active ?? 0 };
  } finally {
    await queue.close();
  }
}
