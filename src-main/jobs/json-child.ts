// A Node child process that prints one JSON line as its result (the backend and latency probes): run it,
// hand it `input` on stdin, and get the parsed last line of its stdout, or an error whose message is the
// last line it wrote to stderr (the child's own one-line reason).
import { execFile } from 'node:child_process';

export interface JsonChildOptions {
  /** Killed after this long (ms). */
  timeout: number;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
}

export function runJsonChild<T>(entry: string, args: readonly string[], opts: JsonChildOptions): Promise<T> {
  return new Promise((resolve, reject) => {
    // Inside Electron's main process the executable is Electron's: told to act as Node, it runs the script.
    const env = process.versions.electron ? { ...process.env, ELECTRON_RUN_AS_NODE: '1' } : process.env;
    const child = execFile(process.execPath, [entry, ...args], { timeout: opts.timeout, maxBuffer: 1 << 24, env }, (err, stdout, stderr) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (!err && last.startsWith('{')) return resolve(JSON.parse(last) as T);
      reject(new Error(stderr.trim().split('\n').at(-1) || (err ? err.message.split('\n')[0] : 'no result')));
    });
    child.stdin!.end(opts.input ?? '');
  });
}
