// Runs and experiments whose process died (kill -9, power loss, a crash) stay "running" in the database:
// nobody is left to write their ending. A run or experiment is marked running only while its process
// holds its lock (run-lock.ts) — taken before the status changes, released after the final one is
// written — so "running" without a live owner on this host means interrupted. Each command and the
// workbench reconcile them when they open the database: they become failed ("interrupted …"), ready to
// resume, and the temp files a killed checkpoint write left behind are removed.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../store/db.ts';
import { listExperiments, updateExperiment } from '../store/experiments.ts';
import { listRuns, markRunFinished } from '../store/runs.ts';
import { experimentDir } from './job-dirs.ts';
import { lockState } from './run-lock.ts';

export interface Reconciled {
  runs: number[];
  experiments: number[];
  tempFiles: string[];
}

export function reconcileInterruptedRuns(db: Db, dbPath: string): Reconciled {
  const out: Reconciled = { runs: [], experiments: [], tempFiles: [] };
  for (const run of listRuns(db, { status: 'running' })) {
    if (!run.checkpointDir || lockState(run.checkpointDir) !== 'gone') continue;
    markRunFinished(db, run.id, 'failed', {
      error: `interrupted: the process training it ended without finishing; resume with \`pwb resume --run ${run.id}\``,
    });
    out.runs.push(run.id);
    out.tempFiles.push(...removeTempFiles(run.checkpointDir));
  }
  for (const experiment of listExperiments(db, { status: 'running', includeHidden: true })) {
    if (lockState(experimentDir(dbPath, experiment.id)) !== 'gone') continue;
    updateExperiment(db, experiment.id, { status: 'failed' });
    out.experiments.push(experiment.id);
  }
  return out;
}

/** `.<name>.<pid>.tmp` files of a checkpoint write that never reached its rename. */
function removeTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed = names.filter((n) => /^\..+\.\d+\.tmp$/.test(n)).map((n) => join(dir, n));
  for (const path of removed) rmSync(path, { force: true });
  return removed;
}
