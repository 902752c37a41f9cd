// The one front door to running an experiment, for the CLI (`pwb run`, `pwb resume`) and the job process
// alike: the spec prepared and checked (experiment-prepare.ts), the backend chosen, and the thread count
// resolved against the experiment's smallest training batch, and how many runs train at once — everything
// runExperiment needs.
import type { BackendChoice } from '../engine/backend/backend-choice.ts';
import { selectBackend } from '../engine/backend/select-backend.ts';
import { prepareExperiment, smallestBatch, type PreparedExperiment } from './experiment-prepare.ts';
import type { Execution } from './experiment-runner.ts';
import { resolveParallelRuns } from './parallel-runs.ts';
import { resolveThreads } from './train-run.ts';

export async function setUpExperiment(
  raw: unknown, where: string, opts: { backend: BackendChoice; threads?: number; parallelRuns?: number },
): Promise<{ prepared: PreparedExperiment; exec: Execution }> {
  const prepared = await prepareExperiment(raw, where);
  const backend = await selectBackend(opts.backend, { threads: opts.threads });
  return {
    prepared,
    exec: { backend, threads: resolveThreads(opts.threads, backend, smallestBatch(prepared)), parallelRuns: resolveParallelRuns(opts.parallelRuns, backend, prepared) },
  };
}
