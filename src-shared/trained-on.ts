// Where a run trained: a queue worker starts the run's backend reason with its name (`worker NAME: …`),
// a run trained by the process holding the database does not. One place writes and reads that form.

const WORKER_REASON = /^worker (\S+): /;

/** The backend reason a worker stores: its name first, then the backend's own reason. */
export function workerBackendReason(worker: string, reason: string): string {
  return `worker ${worker}: ${reason}`;
}

/** The worker that trained a run, or null where it trained (or will train) on the database's machine. */
export function trainedOnWorker(backendReason: string | null): string | null {
  return backendReason === null ? null : (WORKER_REASON.exec(backendReason)?.[1] ?? null);
}
