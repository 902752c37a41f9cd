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
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
