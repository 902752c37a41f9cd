// An experiment's execution with its runs sent to a queue's workers: the queue executor (and its worker
// endpoint) open for as long as the body runs, closed after it whatever its end.
import type { Execution } from '../jobs/experiment-runner.ts';
import type { Db } from '../store/db.ts';
import { openQueueExecutor, type QueueExecutor } from './queue-executor.ts';
import type { ListenAddress } from './listen-address.ts';

export interface QueueExecutionOptions extends ListenAddress {
  /** redis:// or rediss:// URL (already checked). */
  url: string;
  /** The token workers present (default: a fresh one). */
  token?: string;
  /** Told the endpoint and token once they exist, before any run is queued. */
  announce?: (executor: QueueExecutor) => void;
}

export async function withQueueExecution<T>(db: Db, dbPath: string, exec: Execution, opts: QueueExecutionOptions, body: (exec: Execution) => Promise<T>): Promise<T> {
  const executor = await openQueueExecutor(db, dbPath, { url: opts.url, host: opts.host, port: opts.port, token: opts.token });
  opts.announce?.(executor);
  try {
    return await body({ ...exec, queue: executor });
  } finally {
    await executor.close();
  }
}
