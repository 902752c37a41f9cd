// A job process whose runs go to a queue's workers (an experiment started "on workers" under `pwb serve`
// or the desktop app); the pruning plans are computed here, as under `pwb run --queue`:
//   node src-main/queue/queued-job-process.ts <experiment-id> --db <file> --queue <url> [--listen host:port] [--backend …] [--threads n]
// Workers present PWB_WORKER_TOKEN, inherited from the supervisor; the endpoint they report to listens on
// --listen (default loopback, any free port) for as long as the job runs.
import { ValidationError } from '../../src-shared/errors.ts';
import { runJobProcess } from '../jobs/job-main.ts';
import { DEFAULT_LISTEN, parseListen } from './listen-address.ts';
import { withQueueExecution } from './queue-execution.ts';
import { checkRedisReachable, parseQueueUrl, redactedUrl } from './redis-connection.ts';

/** `--queue` and `--listen` taken out of the job's arguments; the rest are the job's own. */
function takeQueueArgs(argv: string[]): { queue: string | null; listen: string; rest: string[] } {
  const rest: string[] = [];
  let queue: string | null = null;
  let listen = DEFAULT_LISTEN;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--queue') queue = argv[++i] ?? '';
    else if (argv[i] === '--listen') listen = argv[++i] ?? '';
    else rest.push(argv[i]!);
  }
  return { queue, listen, rest };
}

const { queue, listen, rest } = takeQueueArgs(process.argv.slice(2));
const token = process.env.PWB_WORKER_TOKEN;

await runJobProcess(rest, {
  async check() {
    if (queue === null) throw new ValidationError('queued job: no --queue URL');
    if (!token) throw new ValidationError('queued job: PWB_WORKER_TOKEN is not set (the token its workers present)');
    await checkRedisReachable(parseQueueUrl(queue));
    parseListen(listen);
  },
  describe: async () => `its runs train on the workers of ${redactedUrl(queue!)}`,
  run: (db, dbPath, exec, body) => withQueueExecution(db, dbPath, exec, { url: queue!, ...parseListen(listen), token }, body),
});
