// Probes one backend candidate in a process of its own (one native package per process; libtensorflow
// reads its settings once): loads it as selection would and, unless told not to, times bench_cnn training
// for about 3 s. Prints one BackendReport as JSON.
//   node src-main/jobs/backend-probe.ts <candidate> [--threads n] [--no-probe]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { BACKEND_CANDIDATES, type BackendCandidate, type BackendReport } from '../../src-shared/compute-report.ts';
import { ValidationError } from '../../src-shared/errors.ts';

const PROBE_SECONDS = 3;

export function emptyReport(candidate: BackendCandidate): BackendReport {
  return { candidate, installed: false, loads: false, why: null, backend: null, device: null, gpu: false, threads: null, reason: null, probeImagesPerSec: null, probeNote: null };
}

export async function probeBackend(candidate: BackendCandidate, opts: { threads?: number; probe: boolean }): Promise<BackendReport> {
  const { attemptBackend, isInstalled } = await import('../engine/backend/select-backend.ts');
  const report = emptyReport(candidate);
  report.installed = candidate === 'wasm' || candidate === 'cpu' || isInstalled(candidate);
  if (!report.installed) return { ...report, why: `${candidate} not installed` };
  const attempt = await attemptBackend(candidate, { threads: opts.threads });
  if (!attempt.ok) return { ...report, why: attempt.why };
  const { info } = attempt;
  Object.assign(report, { loads: true, backend: info.name, device: info.device, gpu: info.gpu, threads: info.nativeThreads, reason: info.reason });
  if (!opts.probe) return { ...report, probeNote: 'not probed (--no-probe)' };
  if (candidate === 'cpu') return { ...report, probeNote: 'not probed: pure JavaScript, ≈ 100× slower than wasm (a last resort)' };
  const { probeTraining } = await import('../engine/bench/measure.ts');
  const { benchModel } = await import('../engine/bench/bench-models.ts');
  const workers = info.nativeThreads !== null || info.name === 'webgpu' ? 1 : (opts.threads ?? os.availableParallelism());
  const p = await probeTraining(benchModel('bench_cnn').spec, { seconds: PROBE_SECONDS, threads: workers });
  const how = info.nativeThreads === null && info.name !== 'webgpu' ? `, ${workers} data-parallel thread${workers > 1 ? 's' : ''}` : '';
  return { ...report, probeImagesPerSec: p.imagesPerSec, probeNote: `bench_cnn training, batch 64, ${p.steps} steps in ${p.seconds.toFixed(1)} s${how}` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { threads: { type: 'string' }, 'no-probe': { type: 'boolean' } } });
  const candidate = positionals[0] as BackendCandidate;
  if (!BACKEND_CANDIDATES.includes(candidate)) throw new ValidationError(`backend-probe: candidate must be one of ${BACKEND_CANDIDATES.join(', ')}`);
  const report = await probeBackend(candidate, { threads: values.threads === undefined ? undefined : Number(values.threads), probe: !values['no-probe'] });
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
}
