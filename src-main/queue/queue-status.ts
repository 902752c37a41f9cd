// What a queue looks like now — its connected workers and how many runs wait or train — for `pwb workers`
// and the Workers view. One connection for every read; a read fails within seconds, in one line, while
// Redis is away (the connection keeps trying and the next read succeeds once it is back).
import { Redis } from 'ioredis';
import { queueCounts } from './queue-counts.ts';
import { redactedUrl } from './redis-connection.ts';
import { listWorkers, type WorkerStatus } from './worker-registry.ts';

/** How long a read waits for Redis before it says so. */
const READ_TIMEOUT_MS = 4000;

export interface QueueSnapshot {
  workers: WorkerStatus[];
  waiting: number;
  active: number;
}

export interface QueueStatus {
  read(): Promise<QueueSnapshot>;
  close(): void;
}

export function openQueueStatus(url: string): QueueStatus {
  // Not BullMQ's blocking settings: a read must fail, not wait, while Redis is away.
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: READ_TIMEOUT_MS, lazyConnect: true });
  let lastError: (Error & { code?: string }) | null = null;
  redis.on('error', (e: Error) => void (lastError = e));
  redis.on('ready', () => void (lastError = null));
  return {
    async read() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${READ_TIMEOUT_MS / 1000} s`)), READ_TIMEOUT_MS);
      });
      try {
        if (redis.status === 'wait') await Promise.race([redis.connect(), timeout]);
        const [workers, counts] = await Promise.race([Promise.all([listWorkers(redis), queueCounts(redis)]), timeout]);
        return { workers, ...counts };
      } catch (e) {
        const err = lastError ?? (e as Error & { code?: string });
        throw new Error(`cannot read the queue ${redactedUrl(url)} (${err.code ?? err.message}); is redis-server running there?`);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => redis.disconnect(),
  };
}
