// A real redis-server on loopback for the queue tests (Debian's; .ci/run installs it), and a free port for it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export const REDIS = spawnSync('redis-server', ['--version']).status === 0 ? 'redis-server' : null;
/** A describe's `skip` where redis-server is missing: the reason and the command that installs it. */
export const redisSkip: string | false = REDIS ? false : 'redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A redis-server on loopback whose data survives a restart (append-only file in `dir`); `cleanup` is told how to stop it. */
export async function startRedis(dir: string, port: number, cleanup: (stop: () => void) => void): Promise<ChildProcess> {
  const child = spawn(REDIS!, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
  cleanup(() => child.kill('SIGKILL'));
  for (let i = 0; i < 100; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().trim() === 'PONG') return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('redis-server did not start');
}
