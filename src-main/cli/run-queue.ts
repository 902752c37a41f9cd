// `--queue` of `pwb run`: the experiment's runs go to a Redis queue's workers. The worker endpoint
// listens on loopback unless --listen names another host (then --allow-remote is needed too); the
// token workers present is PWB_WORKER_TOKEN where set, else a fresh one, printed with the command a
// worker machine runs.
import { ValidationError } from '../../src-shared/errors.ts';
import { isLoopbackHost } from '../api/http-server.ts';
import type { Execution } from '../jobs/experiment-runner.ts';
import type { Db } from '../store/db.ts';
import { DEFAULT_LISTEN, parseListen, type ListenAddress } from '../queue/listen-address.ts';

export interface QueueOpts {
  queue?: string;
  listen?: string;
  allowRemote?: boolean;
}

/**
 * Checks the queue options — the URL, where to listen, that Redis answers — before anything is written,
 * so bad ones end in one line with the database untouched.
 */
export async function checkQueueOptions(opts: QueueOpts): Promise<void> {
  if (!opts.queue) {
    if (opts.listen) throw new ValidationError('--listen: only with --queue (where the workers reach this process)');
    return;
  }
  const { checkRedisReachable, parseQueueUrl } = await import('../queue/redis-connection.ts');
  listenAddress(opts);
  await checkRedisReachable(parseQueueUrl(opts.queue));
}

export async function withRunQueue<T>(db: Db, dbPath: string, exec: Execution, opts: QueueOpts, body: (exec: Execution) => Promise<T>): Promise<T> {
  if (!opts.queue) return body(exec);
  const { parseQueueUrl, redactedUrl } = await import('../queue/redis-connection.ts');
  const { withQueueExecution } = await import('../queue/queue-execution.ts');
  const url = parseQueueUrl(opts.queue);
  const token = process.env.PWB_WORKER_TOKEN || undefined;
  return withQueueExecution(db, dbPath, exec, {
    url, ...listenAddress(opts), token,
    announce: (executor) => void process.stderr.write(
      `queue ${redactedUrl(url)}: runs wait for workers; worker endpoint ${executor.endpoint}\n` +
        (token ? '  workers: pwb worker --queue URL (with the same PWB_WORKER_TOKEN)\n' : `  workers: PWB_WORKER_TOKEN=${executor.token} pwb worker --queue URL\n`),
    ),
  }, body);
}

/** Where the worker endpoint listens: --listen, loopback unless --allow-remote. */
function listenAddress(opts: QueueOpts): ListenAddress {
  const { host, port } = parseListen(opts.listen ?? DEFAULT_LISTEN);
  if (!isLoopbackHost(host) && !opts.allowRemote) throw new ValidationError(`--listen ${opts.listen}: ${host} is not a loopback address; add --allow-remote to let workers on other machines in`);
  return { host, port };
}
