// Where a database's jobs keep their files, beside it: <db>.runs/<run id>/ (checkpoints, the run lock)
// and <db>.experiments/<experiment id>/ (pruning plans, the experiment lock).
import { join } from 'node:path';

export function checkpointDirFor(dbPath: string, runId: number): string {
  return join(`${dbPath}.runs`, String(runId));
}

export function experimentDir(dbPath: string, experimentId: number): string {
  return join(`${dbPath}.experiments`, String(experimentId));
}
