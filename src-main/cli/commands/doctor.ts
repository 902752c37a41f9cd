// `pwb doctor`: which compute backends can run here and why not — for each native package whether it is
// installed and loads (the missing CUDA libraries by name, the versions needed), the device, TensorFlow's
// threads and oneDNN, and a 3-second training-throughput probe (bench_cnn, batch 64) — so a researcher
// whose GPU is not used learns why in one command. Each backend is probed in a child process of its own
// (one native package per process; libtensorflow reads its settings once). `--json` for one object.
import { execFile, execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { parsePositiveInt } from '../args.ts';
import { printJson } from '../format.ts';

const CHILD_ENV = 'PWB_DOCTOR_PROBE';
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const PROBE_SECONDS = 3;
const CANDIDATES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'wasm', 'cpu'] as const;
type Candidate = (typeof CANDIDATES)[number];

export interface BackendReport {
  candidate: Candidate;
  installed: boolean;
  loads: boolean;
  /** Why it does not load (or was skipped); null when it loads. */
  why: string | null;
  backend: string | null;
  device: string | null;
  gpu: boolean;
  threads: number | null;
  reason: string | null;
  /** Training images/s of bench_cnn at batch 64 over about 3 s; null when not probed. */
  probeImagesPerSec: number | null;
  probeNote: string | null;
}

export interface DoctorReport {
  machine: { cpu: string; cores: number; platform: string; node: string };
  /** What `--backend auto` picks here. */
  auto: string | null;
  cuda: { needs: string; libraries: Array<{ name: string; path: string | null }> | null; gpus: string[] };
  webgpu: string;
  backends: BackendReport[];
}

interface DoctorOpts {
  json?: boolean;
  probe: boolean;
  threads?: number;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('which compute backends run here, on what device, how fast, and why not')
    .option('--threads <n>', 'threads for native TensorFlow (default: every core)', parsePositiveInt('--threads'))
    .option('--no-probe', 'skip the 3-second throughput probes')
    .option('--json', 'print one JSON object')
    .action(async (opts: DoctorOpts) => {
      const probe = process.env[CHILD_ENV];
      if (probe) {
        printJson(await probeHere(probe as Candidate, opts));
        return;
      }
      const report = await diagnose(opts);
      if (opts.json) printJson(report);
      else console.log(formatReport(report));
    });
}

/** Every candidate probed in its own child process, and the machine's CUDA libraries. */
export async function diagnose(opts: DoctorOpts): Promise<DoctorReport> {
  const { findCudaLibraries, TENSORFLOW_GPU_NEEDS } = await import('../../engine/backend/cuda-libraries.ts');
  const found = findCudaLibraries();
  const backends: BackendReport[] = [];
  for (const c of CANDIDATES) backends.push(await probeInChild(c, opts));
  // 'auto' takes the first that loads, except a GPU package that computes on the CPU when tfjs-node also loads.
  const usable = backends.filter((b) => b.loads);
  const auto = usable.find((b) => b.gpu) ?? usable.find((b) => b.candidate !== '@tensorflow/tfjs-node-gpu') ?? usable[0];
  return {
    machine: { cpu: os.cpus()[0]?.model.trim() ?? 'unknown', cores: os.availableParallelism(), platform: `${process.platform}-${process.arch}`, node: process.versions.node },
    auto: auto ? `${auto.backend} via ${auto.candidate === 'wasm' || auto.candidate === 'cpu' ? `@tensorflow/tfjs-backend-${auto.candidate}` : auto.candidate}` : null,
    cuda: {
      needs: `${TENSORFLOW_GPU_NEEDS} for @tensorflow/tfjs-node-gpu`,
      libraries: found ? [...found].map(([name, path]) => ({ name, path })) : null,
      gpus: nvidiaGpus(),
    },
    webgpu: 'no WebGPU backend in this version: GPUs without CUDA 11.2 (AMD, Apple, CUDA 12) train on the CPU',
    backends,
  };
}

function probeInChild(candidate: Candidate, opts: DoctorOpts): Promise<BackendReport> {
  const args = [MAIN, 'doctor', '--json', ...(opts.probe ? [] : ['--no-probe']), ...(opts.threads ? ['--threads', String(opts.threads)] : [])];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env: { ...process.env, [CHILD_ENV]: candidate }, timeout: 120_000, maxBuffer: 1 << 22 }, (err, stdout, stderr) => {
      try {
        if (!err) return resolve(JSON.parse(stdout) as BackendReport);
      } catch {
        // fall through: report the failure
      }
      const why = stderr.split('\n').find((l) => l.startsWith('pwb: '))?.replace(/^pwb: (error: )?/, '') ?? (err ? firstLine(err) : 'no report');
      resolve({ ...emptyReport(candidate), why: `the probe process failed: ${why}` });
    });
  });
}

/** In the child: load one candidate as selection would, then time training for about 3 seconds. */
async function probeHere(candidate: Candidate, opts: DoctorOpts): Promise<BackendReport> {
  const { attemptBackend, isInstalled } = await import('../../engine/backend/select-backend.ts');
  const report = emptyReport(candidate);
  report.installed = candidate === 'wasm' || candidate === 'cpu' || isInstalled(candidate);
  const attempt = await attemptBackend(candidate, { threads: opts.threads });
  if (!attempt.ok) return { ...report, why: attempt.why };
  const { info } = attempt;
  Object.assign(report, { loads: true, backend: info.name, device: info.device, gpu: info.gpu, threads: info.nativeThreads, reason: info.reason });
  if (!opts.probe) return { ...report, probeNote: 'not probed (--no-probe)' };
  if (candidate === 'cpu') return { ...report, probeNote: 'not probed: pure JavaScript, ≈ 100× slower than wasm (a last resort)' };
  const { probeTraining } = await import('../../engine/bench/measure.ts');
  const { benchModel } = await import('../../engine/bench/bench-models.ts');
  const threads = info.nativeThreads !== null ? 1 : (opts.threads ?? os.availableParallelism());
  const p = await probeTraining(benchModel('bench_cnn').spec, { seconds: PROBE_SECONDS, threads });
  return { ...report, probeImagesPerSec: p.imagesPerSec, probeNote: `bench_cnn training, batch 64, ${p.steps} steps in ${p.seconds.toFixed(1)} s` + (info.nativeThreads === null ? `, ${threads} data-parallel thread${threads > 1 ? 's' : ''}` : '') };
}

function emptyReport(candidate: Candidate): BackendReport {
  return { candidate, installed: false, loads: false, why: null, backend: null, device: null, gpu: false, threads: null, reason: null, probeImagesPerSec: null, probeNote: null };
}

function nvidiaGpus(): string[] {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n').map((l) => l.trim()).filter(Boolean);
  } catch {
    return [];
  }
}

function formatReport(r: DoctorReport): string {
  const lines: string[] = [];
  lines.push(`machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.platform}, Node ${r.machine.node}`);
  lines.push(`auto picks: ${r.auto ?? 'nothing (no backend loads)'}`);
  for (const b of r.backends) {
    lines.push('');
    const status = b.loads ? 'loads' : !b.installed ? 'not installed' : b.why?.includes(' skipped: ') ? 'skipped' : 'does not load';
    lines.push(`${b.candidate}: ${status}`);
    if (b.why) lines.push(`  why: ${b.why}`);
    if (b.device) lines.push(`  device: ${b.device}`);
    if (b.reason) lines.push(`  reason stored with runs: ${b.reason}`);
    if (b.probeImagesPerSec !== null) lines.push(`  probe: ${b.probeImagesPerSec.toFixed(0)} img/s (${b.probeNote})`);
    else if (b.probeNote) lines.push(`  probe: ${b.probeNote}`);
  }
  lines.push('');
  lines.push(`CUDA: needs ${r.cuda.needs}`);
  if (r.cuda.libraries) {
    const missing = r.cuda.libraries.filter((l) => !l.path).map((l) => l.name);
    lines.push(missing.length ? `  missing: ${missing.join(', ')}` : `  all found: ${r.cuda.libraries.map((l) => l.path).join(', ')}`);
  } else {
    lines.push('  (library check is Linux-only)');
  }
  lines.push(`  NVIDIA GPUs: ${r.cuda.gpus.length ? r.cuda.gpus.join('; ') : 'none found (no nvidia-smi)'}`);
  lines.push(`WebGPU: ${r.webgpu}`);
  return lines.join('\n');
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);
}
