// Measures and stores the inference latency of every architecture a set of experiments trained (their
// completed runs'), in a child process on the backend the jobs use (latency-probe.ts): batch 1 and one
// larger batch, median of `repeats` forward passes each. Nothing is stored unless every architecture was
// measured.
import { BackendError, ValidationError } from '../../src-shared/errors.ts';
import type { LatencyReport } from '../../src-shared/workbench-api.ts';
import { getArchSpec } from '../store/arch-specs.ts';
import type { Db } from '../store/db.ts';
import { putLatencies } from '../store/latency.ts';
import { completedRuns } from '../store/runs.ts';
import { jobEntry } from './job-supervisor.ts';
import { runJsonChild } from './json-child.ts';
import type { LatencyProbeResult } from './latency-probe.ts';

// From the app's root, as job entries are (inside the desktop app's bundle a path next to this module does not exist).
const PROBE_ENTRY = jobEntry('src-main/jobs/latency-probe.ts');

export interface LatencyOptions {
  /** The second batch size (default 64). */
  batchSize?: number;
  /** Timed passes per batch size (default 20). */
  repeats?: number;
  /** The jobs' backend arguments, e.g. ['--backend', 'wasm', '--threads', '2'] (default auto). */
  jobArgs?: readonly string[];
}

export async function measureStudyLatency(db: Db, ids: readonly number[], opts: LatencyOptions = {}): Promise<LatencyReport> {
  const archIds = [...new Set(completedRuns(db, ids).map((r) => r.archSpecId))];
  if (archIds.length === 0) throw new ValidationError(`experiments ${ids.join(', ')}: no completed run yet, so no architecture to time; wait for a run to finish`);
  const items = archIds.map((id) => ({ archSpecId: id, spec: getArchSpec(db, id).spec }));
  const batchSizes = [...new Set([1, opts.batchSize ?? 64])];
  const repeats = opts.repeats ?? 20;
  const args = [...backendArgs(opts.jobArgs ?? []), '--batch-sizes', batchSizes.join(','), '--repeats', String(repeats)];
  const result = await runJsonChild<LatencyProbeResult>(PROBE_ENTRY, args, { timeout: 600_000, input: JSON.stringify(items) }).catch((e: Error) => {
    throw new BackendError(`latency measurement failed: ${e.message}`);
  });
  putLatencies(db, result.rows);
  return { backend: result.backend, device: result.device, architectures: archIds.length, batchSizes, repeats };
}

/** --backend and --threads of the jobs' arguments. */
function backendArgs(jobArgs: readonly string[]): string[] {
  const out: string[] = [];
  for (const flag of ['--backend', '--threads']) {
    const i = jobArgs.indexOf(flag);
    if (i >= 0 && jobArgs[i + 1] !== undefined) out.push(flag, jobArgs[i + 1]!);
  }
  return out;
}
