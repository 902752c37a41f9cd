// `pwb worker --queue redis://…`: trains queued runs on this machine, one at a time, until Ctrl-C.
// The token (PWB_WORKER_TOKEN, or --token) is the one the coordinator printed.
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ValidationError } from '../../../src-shared/errors.ts';
import { parseBackendChoice, type BackendChoice } from '../../engine/backend/backend-choice.ts';
import { parsePositiveInt } from '../args.ts';

interface WorkerOpts {
  queue: string;
  token?: string;
  backend: BackendChoice;
  threads?: number;
  workDir?: string;
  lockSeconds?: number;
  name?: string;
  gpus?: string[];
  parallel?: number;
}

function parseGpus(value: string): string[] {
  const ids = value.split(',').map((s) => s.trim());
  if (ids.some((id) => !/^\d+$/.test(id)) || new Set(ids).size !== ids.length) {
    throw new ValidationError(`--gpus: expected distinct CUDA device numbers separated by commas (e.g. 0,1), got '${value}'`);
  }
  return ids;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('train the runs of `pwb run --queue` experiments on this machine, one at a time (Ctrl-C stops; a run it had goes to another worker)')
    .requiredOption('--queue <url>', 'the Redis queue: redis://HOST:PORT, rediss://HOST:PORT for TLS, redis://:PASSWORD@HOST:PORT')
    .option('--token <token>', 'the token the coordinator printed (default: $PWB_WORKER_TOKEN)')
    .option('--backend <name>', 'auto | webgpu | tensorflow | wasm | cpu', parseBackendChoice, 'auto')
    .option('--threads <n>', 'threads: TensorFlow intra-op threads, or data-parallel workers on wasm/cpu', parsePositiveInt('--threads'))
    .option('--work-dir <dir>', 'where runs train (default: a folder in the system temp dir)')
    .option('--name <name>', 'how runs record where they trained (default: HOST:PID)')
    .option('--gpus <list>', 'one worker per CUDA device (e.g. 0,1): each trains one run at a time on its own GPU (CUDA_VISIBLE_DEVICES)', parseGpus)
    .option('--parallel <n>', 'runs at once per device (with --gpus) or on this machine: one worker process each (a large GPU, or --threads to share the cores)', parsePositiveInt('--parallel'))
    .option('--lock-seconds <n>', 'how long a run stays this worker\'s without word from it before another worker takes it (default 30)', parsePositiveInt('--lock-seconds'))
    .action(async (opts: WorkerOpts) => {
      const token = opts.token ?? process.env.PWB_WORKER_TOKEN;
      if (!token) throw new ValidationError('pwb worker: no token; pass --token or set PWB_WORKER_TOKEN to what `pwb run --queue` printed');
      const slots = workerSlots(opts.gpus ?? null, opts.parallel ?? 1, opts.name ?? `${hostname()}:${process.pid}`);
      if (slots.length > 1 || opts.gpus) return workerProcesses(slots);
      const { checkRedisReachable, parseQueueUrl, redactedUrl } = await import('../../queue/redis-connection.ts');
      const { startWorker } = await import('../../queue/worker.ts');
      const { selectBackend } = await import('../../engine/backend/select-backend.ts');
      const url = parseQueueUrl(opts.queue);
      await checkRedisReachable(url);
      const backend = await selectBackend(opts.backend, { threads: opts.threads });
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      const workDir = opts.workDir ?? join(tmpdir(), `pwb-worker-${process.pid}`);
      const name = opts.name ?? `${hostname()}:${process.pid}`;
      const worker = await startWorker({ url, token, backend, threads: opts.threads, workDir, lockSeconds: opts.lockSeconds, log, name });
      log(`worker ${name} on ${redactedUrl(url)}: ${backend.name} (${backend.reason}); waiting for runs`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          log('worker: stopping');
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      // Closing waits for the run in hand; a second Ctrl-C ends the process, and the run goes to another worker once its lock lapses.
      process.once('SIGINT', () => process.exit(130));
      await worker.close();
    });
}

/** One worker process of `--gpus` / `--parallel`: its name and the device it alone sees (null: every device). */
export interface WorkerSlot {
  name: string;
  gpu: string | null;
}

/**
 * The worker processes to start: `parallel` per GPU of `gpus` (named NAME:gpuID, or NAME:gpuID.K with
 * several per device), or `parallel` on this machine without --gpus (NAME:K); one slot is this process.
 */
export function workerSlots(gpus: string[] | null, parallel: number, name: string): WorkerSlot[] {
  const ks = Array.from({ length: parallel }, (_, i) => i + 1);
  if (gpus === null) return parallel === 1 ? [{ name, gpu: null }] : ks.map((k) => ({ name: `${name}:${k}`, gpu: null }));
  return gpus.flatMap((id) => ks.map((k) => ({ name: parallel === 1 ? `${name}:gpu${id}` : `${name}:gpu${id}.${k}`, gpu: id })));
}

/**
 * This command once per slot, each child named after it and seeing only its GPU (CUDA_VISIBLE_DEVICES);
 * a stop signal goes to every child, and this process ends when they all have.
 */
async function workerProcesses(slots: WorkerSlot[]): Promise<void> {
  const { spawn } = await import('node:child_process');
  // The same command without --gpus, --parallel and --name (each child gets its own name).
  const dropped = new Set(['--gpus', '--parallel', '--name']);
  const args = process.argv.slice(1).filter((a, i, all) => !dropped.has(a) && !dropped.has(all[i - 1]!) && ![...dropped].some((d) => a.startsWith(`${d}=`)));
  const children = slots.map((slot) =>
    spawn(process.execPath, [...process.execArgv, ...args, '--name', slot.name], {
      env: { ...process.env, ...(slot.gpu === null ? {} : { CUDA_VISIBLE_DEVICES: slot.gpu }) }, stdio: ['ignore', 'inherit', 'inherit'],
    }));
  const forward = (signal: NodeJS.Signals): void => {
    for (const c of children) c.kill(signal);
  };
  process.on('SIGINT', () => forward('SIGINT'));
  process.on('SIGTERM', () => forward('SIGTERM'));
  const codes = await Promise.all(children.map((c) => new Promise<number | null>((resolve) => c.on('exit', (code) => resolve(code)))));
  const failed = codes.find((c) => c !== 0 && c !== null);
  if (failed !== undefined) process.exitCode = failed;
}
