// `pwb serve`: the workbench in a browser. Serves the renderer build and the WorkbenchApi over HTTP
// + server-sent events on this machine, behind a per-launch token, and prints exactly one line on
// stdout: `listening on http://127.0.0.1:P/?token=T`. Experiments run in job processes; Ctrl-C
// cancels the running one after its batch (`pwb resume <id>` continues it) and stops the server.
// With --queue, an experiment started "on workers" sends its runs to that queue's `pwb worker`s.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ValidationError } from '../../../src-shared/errors.ts';
import { parseBackendChoice, type BackendChoice } from '../../engine/backend/backend-choice.ts';
import { parsePositiveInt } from '../args.ts';
import { databasePath } from '../db.ts';

interface ServeOpts {
  port: number;
  host: string;
  allowRemote?: boolean;
  renderer?: string;
  backend: BackendChoice;
  threads?: number;
  parallelRuns?: number;
  queue?: string;
  listen?: string;
}

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ValidationError(`--port: expected an integer from 0 to 65535, got '${value}'`);
  return n;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the workbench UI and API to a browser on this machine (prints the URL to open)')
    .option('--port <n>', 'port to listen on; 0 picks a free one', parsePort, 0)
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--allow-remote', 'accept connections from other machines (and a non-loopback --host)')
    .option('--renderer <dir>', 'the renderer build folder (default: out/renderer of this checkout)')
    .option('--backend <name>', 'backend of the job processes: auto | webgpu | tensorflow | wasm | cpu', parseBackendChoice, 'auto')
    .option('--threads <n>', 'threads per job: TensorFlow intra-op threads, or data-parallel workers on wasm/cpu (default: every core, but no shard under 32 images)', parsePositiveInt('--threads'))
    .option('--parallel-runs <n>', 'runs training at once on webgpu (1–8; default: 1, or on a real GPU as many as the model\'s size leaves room for, up to 4)', parsePositiveInt('--parallel-runs'))
    .option('--queue <url>', 'a Redis queue (redis://HOST:PORT, rediss:// for TLS) whose `pwb worker`s train the experiments started "on workers"')
    .option('--listen <host:port>', 'with --queue: where the workers reach the running experiment (default 127.0.0.1, any free port; another host needs --allow-remote)')
    .action(async (opts: ServeOpts, cmd: Command) => {
      const { checkQueueOptions } = await import('../run-queue.ts');
      await checkQueueOptions(opts);
      const { isLoopbackHost, startHttpServer } = await import('../../api/http-server.ts');
      if (!isLoopbackHost(opts.host) && !opts.allowRemote) {
        throw new ValidationError(`--host ${opts.host} is not a loopback address; add --allow-remote to accept connections from other machines`);
      }
      const rendererDir = path.resolve(opts.renderer ?? path.join(REPO_ROOT, 'out', 'renderer'));
      if (!existsSync(path.join(rendererDir, 'index.html'))) {
        throw new ValidationError(`no renderer build at ${rendererDir} (index.html is missing); run \`npm run build\` first, or pass --renderer DIR`);
      }
      const { createWorkbench } = await import('../../api/workbench.ts');
      const jobArgs = ['--backend', opts.backend, ...(opts.threads ? ['--threads', String(opts.threads)] : []), ...(opts.parallelRuns ? ['--parallel-runs', String(opts.parallelRuns)] : [])];
      const queue = opts.queue ? { url: opts.queue, listen: opts.listen, token: process.env.PWB_WORKER_TOKEN || randomBytes(32).toString('hex') } : undefined;
      const workbench = createWorkbench({ dbPath: databasePath(cmd), jobArgs, threads: opts.threads, queue });
      let server;
      try {
        server = await startHttpServer({
          api: workbench.api, subscribe: workbench.subscribe, rendererDir, host: opts.host, port: opts.port, allowRemote: opts.allowRemote ?? false,
        });
      } catch (e) {
        await workbench.close();
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new ValidationError(`--port ${opts.port} is in use; pick another or use --port 0`);
        if (code === 'EADDRNOTAVAIL') throw new ValidationError(`--host ${opts.host} is not an address of this machine`);
        throw e;
      }
      process.stdout.write(`listening on ${server.url}\n`);
      if (queue) {
        const { redactedUrl } = await import('../../queue/redis-connection.ts');
        process.stderr.write(`queue ${redactedUrl(queue.url)}: experiments started "on workers" train on \`${process.env.PWB_WORKER_TOKEN ? '' : `PWB_WORKER_TOKEN=${queue.token} `}pwb worker --queue URL\`\n`);
      }
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      process.stderr.write(`pwb: ${signal}: stopping (a running experiment is cancelled after its batch)\n`);
      await server.close();
      await workbench.close();
    });
}
