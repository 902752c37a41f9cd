// A Redis connection from the URL the user gives (--queue): redis://[user:password@]host:port[/db], or
// rediss:// for TLS. BullMQ needs maxRetriesPerRequest null (a worker's blocking commands wait for as
// long as Redis is away; ioredis reconnects by itself when it returns).
import { Redis } from 'ioredis';
import { ValidationError } from '../../src-shared/errors.ts';

export function parseQueueUrl(value: string, option = '--queue'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`${option}: '${value}' is not a URL; give redis://HOST:PORT (or rediss:// for TLS, redis://:PASSWORD@HOST:PORT with a password)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ValidationError(`${option}: '${url.protocol}' is not a Redis URL; give redis://HOST:PORT or rediss://HOST:PORT`);
  }
  return value;
}

export function redisConnection(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
  // Connection errors (Redis restarting) are retried by ioredis itself; without a listener each would be printed.
  redis.on('error', () => {});
  return redis;
}

/** Fails in one line, within a few seconds, where Redis cannot be reached (or refuses the password). */
export async function checkRedisReachable(url: string, option = '--queue'): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000, enableOfflineQueue: false });
  // The connection's own error (ECONNREFUSED, a refused password) says more than the command's "Connection is closed".
  let connectionError: (Error & { code?: string }) | null = null;
  probe.on('error', (e: Error) => {
    connectionError ??= e;
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    const err = connectionError ?? (e as Error & { code?: string });
    const why = err.code ?? err.message;
    throw new ValidationError(`${option} ${redactedUrl(url)}: cannot reach Redis (${why}); start redis-server there (Debian: apt-get install redis-server) or correct the address and password`);
  } finally {
    probe.disconnect();
  }
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
