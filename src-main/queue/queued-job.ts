// How a supervisor (the desktop app, `pwb serve`) starts an experiment whose runs train on a queue's
// workers: the job script queued-job-process.ts, told the queue and where its worker endpoint listens, the
// workers' token in its environment (never on a command line).
import type { JobPlan } from '../jobs/job-supervisor.ts';

export interface QueueSettings {
  /** redis:// or rediss:// URL (checked). */
  url: string;
  /** Where each job's worker endpoint listens, HOST:PORT (default loopback, any free port). */
  listen?: string;
  /** The token workers present. */
  token: string;
}

export const QUEUED_JOB_ENTRY = 'src-main/queue/queued-job-process.ts';

export function queuedJobPlan(queue: QueueSettings): JobPlan {
  return {
    entry: QUEUED_JOB_ENTRY,
    args: ['--queue', queue.url, ...(queue.listen ? ['--listen', queue.listen] : [])],
    env: { PWB_WORKER_TOKEN: queue.token },
  };
}
