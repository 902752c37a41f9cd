// The PyTorch side of the benchmark: finds a Python that can `import torch` (`python3` on PATH, then
// /usr/bin/python3, where Debian's python3-torch installs) and runs torch_bench.py, beside this file,
// for one model and thread count. Nothing here is needed to train; without torch the bench says why.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface TorchPython {
  python: string;
  version: string;
}

export interface TorchResult {
  trainImagesPerSec: number;
  inferImagesPerSec: number;
  trainWindows: number[];
  inferWindows: number[];
  torchVersion: string;
  threads: number;
}

export interface TorchBenchOptions {
  model: string;
  batchSize: number;
  inferBatchSize: number;
  threads: number;
  warmupSteps: number;
  timedSteps: number;
  windows: number;
  seed: number;
  /** Kill the script after this long; default 10 minutes. */
  timeoutMs?: number;
}

export const PYTHON_CANDIDATES = ['python3', '/usr/bin/python3'];
const SCRIPT = fileURLToPath(new URL('./torch_bench.py', import.meta.url));

/** The first candidate that imports torch, or null and why each failed. */
export async function findTorch(candidates: readonly string[] = PYTHON_CANDIDATES): Promise<{ found: TorchPython | null; reason: string }> {
  const failures: string[] = [];
  for (const python of candidates) {
    try {
      const out = await run(python, ['-c', 'import torch; print(torch.__version__)'], 60_000);
      return { found: { python, version: out.trim() }, reason: '' };
    } catch (e) {
      failures.push(`${python}: ${(e as Error).message}`);
    }
  }
  return { found: null, reason: `no Python with torch (${failures.join('; ')}); install it with 'sudo apt-get install python3-torch'` };
}

/** Runs torch_bench.py once; throws with the script's last stderr line when it fails. */
export async function runTorchBench(python: string, o: TorchBenchOptions): Promise<TorchResult> {
  const args = [
    SCRIPT, o.model,
    '--batch-size', String(o.batchSize), '--infer-batch-size', String(o.inferBatchSize),
    '--threads', String(o.threads), '--warmup', String(o.warmupSteps), '--steps', String(o.timedSteps),
    '--windows', String(o.windows), '--seed', String(o.seed),
  ];
  const out = await run(python, args, o.timeoutMs ?? 600_000, { OMP_NUM_THREADS: String(o.threads) });
  const line = out.trim().split('\n').at(-1) ?? '';
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`torch_bench.py printed no JSON: '${line.slice(0, 200)}'`);
  }
  const num = (k: string): number => {
    const v = r[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`torch_bench.py: '${k}' is not a number`);
    return v;
  };
  return {
    trainImagesPerSec: num('train_images_per_sec'),
    inferImagesPerSec: num('infer_images_per_sec'),
    trainWindows: (r.train_windows as number[]) ?? [],
    inferWindows: (r.infer_windows as number[]) ?? [],
    torchVersion: String(r.torch_version),
    threads: num('threads'),
  };
}

/** stdout of `cmd args`, or an Error whose message is the last line of stderr (or the exit reason). */
function run(cmd: string, args: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, env: { ...process.env, ...env }, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException).code;
      const last = stderr.trim().split('\n').at(-1);
      const why = code === 'ENOENT' ? 'not found' : err.killed ? `timed out after ${timeoutMs / 1000} s` : (last || err.message.split('\n')[0]);
      reject(new Error(why));
    });
  });
}
