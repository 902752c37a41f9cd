// `pwb workers --queue redis://…`: the workers connected to a queue — each one's backend and device,
// the run in hand and its speed, how many runs it finished — and how many runs wait.
import type { Command } from 'commander';
import { printJson, table } from '../format.ts';

interface WorkersOpts {
  queue: string;
  json?: boolean;
}

export function registerWorkers(program: Command): void {
  program
    .command('workers')
    .description('the workers connected to a queue: backend and device, the run in hand, its speed')
    .requiredOption('--queue <url>', 'the Redis queue: redis://HOST:PORT (rediss:// for TLS)')
    .option('--json', 'print {workers, waiting, active} on stdout')
    .action(async (opts: WorkersOpts) => {
      const { checkRedisReachable, parseQueueUrl } = await import('../../queue/redis-connection.ts');
      const { openQueueStatus } = await import('../../queue/queue-status.ts');
      const url = parseQueueUrl(opts.queue);
      await checkRedisReachable(url);
      const status = openQueueStatus(url);
      try {
        const { workers, ...counts } = await status.read();
        if (opts.json) return printJson({ workers, ...counts });
        console.log(workers.length === 0
          ? 'no workers connected'
          : table(
            ['worker', 'backend', 'run', 'img/s', 'runs done', 'seen'],
            workers.map((w) => [w.name, w.backend, w.run ?? 'idle', w.imagesPerSec === null ? '' : w.imagesPerSec.toFixed(0), w.runsDone, w.seenAt]),
            ['l', 'l', 'l', 'r', 'r', 'l'],
          ));
        console.log(`runs waiting: ${counts.waiting}, training: ${counts.active}`);
      } finally {
        status.close();
      }
    });
}
