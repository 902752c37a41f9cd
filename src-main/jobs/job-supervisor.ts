// Runs experiments in job processes, one at a time per database (the rest wait in a queue), and
// relays what they report (src-main/jobs/job-messages.ts) to subscribers. The way a process is
// started is injectable: a Node child process here and under `pwb serve`, an Electron utility
// process in the app; both speak the same protocol — JSON lines on the child's stdout.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventName, EventPayloads } from '../../src-shared/workbench-api.ts';
import { decodeJobMessage, type JobMessage } from './job-messages.ts';

/** A started job process, whatever started it. */
export interface JobHandle {
  /** The child's stdout (protocol lines). */
  stdout: NodeJS.ReadableStream;
  /** Its stderr, kept for the failure message; optional. */
  stderr?: NodeJS.ReadableStream | null;
  /** Asks the job to stop after the current batch (SIGINT, or a message on a parent port). */
  interrupt(): void;
  /** Ends it now (SIGKILL). */
  kill(): void;
  /** Called once when the process has exited. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
}

export interface JobRequest {
  experimentId: number;
  dbPath: string;
  /** The job's script, relative to the project root (default JOB_ENTRY: its runs train here). */
  entry: string;
  /** Extra arguments for the job process (--backend, --threads). */
  args: string[];
  /** Variables set for it besides the supervisor's own environment (secrets stay off its command line). */
  env?: Record<string, string>;
}

/** What to run for an experiment: another script (its runs trained elsewhere) and its own arguments. */
export interface JobPlan {
  entry?: string;
  /** After the supervisor's own job arguments. */
  args?: string[];
  env?: Record<string, string>;
}

/** The job whose runs train in the job process itself. */
export const JOB_ENTRY = 'src-main/jobs/job-process.ts';

export type SpawnJob = (req: JobRequest) => JobHandle;

/**
 * A job script's path, run by Node directly (type stripping): from the app's root (PWB_APP_ROOT, set by the
 * desktop app's main process), else two folders up from this module. Not `new URL(…, import.meta.url)`:
 * bundlers would copy it as an asset.
 */
export function jobEntry(entry = JOB_ENTRY): string {
  return path.join(process.env.PWB_APP_ROOT ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..'), entry);
}

/** The default: `node src-main/jobs/job-process.ts <id> --db <file>` as a child process. */
export const spawnNodeJob: SpawnJob = ({ experimentId, dbPath, entry, args, env }) => {
  const child = spawn(process.execPath, [jobEntry(entry), String(experimentId), '--db', dbPath, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return {
    stdout: child.stdout,
    stderr: child.stderr,
    interrupt: () => void child.kill('SIGINT'),
    kill: () => void child.kill('SIGKILL'),
    onExit: (listener) => {
      child.once('error', (e) => listener(null, `spawn failed: ${e.message}`));
      child.once('exit', (code, signal) => listener(code, signal));
    },
  };
};

const FINAL = new Set(['completed', 'failed', 'cancelled']);

export type EventListener = <E extends EventName>(name: E, payload: EventPayloads[E]) => void;

export interface SupervisorOptions {
  dbPath: string;
  spawnJob?: SpawnJob;
  jobArgs?: string[];
  /** How long a cancelled job gets to finish its batch before it is killed. */
  graceMs?: number;
  /** Every message of every job, in order. */
  onEvent: EventListener;
  /**
   * A job that ended without saying so (crash, kill): the supervisor's chance to store a final
   * status. Returns the status message to publish.
   */
  onLost: (experimentId: number, cancelled: boolean, detail: string) => void;
}

interface ActiveJob {
  experimentId: number;
  handle: JobHandle;
  cancelRequested: boolean;
  /** The job's own final experiment-status, held back until it has exited. */
  final: EventPayloads['experiment-status'] | null;
  killTimer: NodeJS.Timeout | null;
  exited: Promise<void>;
}

export class JobSupervisor {
  private readonly options: Required<Omit<SupervisorOptions, 'jobArgs'>> & { jobArgs: string[] };
  private readonly queue: Array<{ experimentId: number; plan: JobPlan }> = [];
  private active: ActiveJob | null = null;
  private closed = false;

  constructor(options: SupervisorOptions) {
    this.options = {
      ...options,
      spawnJob: options.spawnJob ?? spawnNodeJob,
      graceMs: options.graceMs ?? 10_000,
      jobArgs: options.jobArgs ?? [],
    };
  }

  /** The experiment being worked on now, if any. */
  get activeId(): number | null {
    return this.active?.experimentId ?? null;
  }

  isQueued(experimentId: number): boolean {
    return this.queue.some((q) => q.experimentId === experimentId);
  }

  /** Active or waiting. */
  isBusy(experimentId: number): boolean {
    return this.activeId === experimentId || this.isQueued(experimentId);
  }

  enqueue(experimentId: number, plan: JobPlan = {}): void {
    if (this.closed) throw new Error('the job supervisor is closed');
    if (this.isBusy(experimentId)) return;
    this.queue.push({ experimentId, plan });
    this.pump();
  }

  /**
   * Cancels a waiting experiment at once (true), or asks the active one to stop after its batch
   * and kills it after the grace period (true); false when it is neither.
   */
  cancel(experimentId: number): 'dequeued' | 'interrupted' | false {
    const at = this.queue.findIndex((q) => q.experimentId === experimentId);
    if (at >= 0) {
      this.queue.splice(at, 1);
      return 'dequeued';
    }
    const job = this.active;
    if (job?.experimentId !== experimentId) return false;
    if (!job.cancelRequested) {
      job.cancelRequested = true;
      job.handle.interrupt();
      job.killTimer = setTimeout(() => job.handle.kill(), this.options.graceMs);
      job.killTimer.unref();
    }
    return 'interrupted';
  }

  /** Resolves when the active job (if any) has exited. */
  async idle(): Promise<void> {
    while (this.active) await this.active.exited;
  }

  /** Drops the queue and cancels the active job, waiting for it to exit (killed after the grace period). */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    if (this.active) this.cancel(this.active.experimentId);
    await this.idle();
  }

  private pump(): void {
    if (this.active || this.closed) return;
    const next = this.queue.shift();
    if (next === undefined) return;
    const { experimentId, plan } = next;
    const handle = this.options.spawnJob({
      experimentId, dbPath: this.options.dbPath, entry: plan.entry ?? JOB_ENTRY, args: [...this.options.jobArgs, ...(plan.args ?? [])],
      ...(plan.env ? { env: plan.env } : {}),
    });
    let exited!: () => void;
    const job: ActiveJob = { experimentId, handle, cancelRequested: false, final: null, killTimer: null, exited: new Promise((r) => (exited = r)) };
    this.active = job;

    const stderrTail: string[] = [];
    handle.stderr?.setEncoding('utf8');
    if (handle.stderr) {
      createInterface({ input: handle.stderr }).on('line', (line) => {
        stderrTail.push(line);
        if (stderrTail.length > 20) stderrTail.shift();
      });
    }
    const lines = createInterface({ input: handle.stdout });
    lines.on('line', (line) => {
      const message = decodeJobMessage(line);
      if (message) this.relay(job, message);
    });
    const stdoutClosed = new Promise<void>((r) => lines.once('close', r));

    handle.onExit((code, signal) => {
      // Every line the child wrote is handled before its exit is.
      void stdoutClosed.then(() => {
        if (job.killTimer) clearTimeout(job.killTimer);
        this.active = null;
        if (job.final) this.options.onEvent('experiment-status', job.final);
        else {
          const how = signal ? `signal ${signal}` : `code ${code}`;
          const last = stderrTail.filter((l) => l.trim() !== '').at(-1);
          this.options.onLost(experimentId, job.cancelRequested, `the job process ended (${how})${last ? `: ${last}` : ''}`);
        }
        exited();
        this.pump();
      });
    });
  }

  private relay(job: ActiveJob, message: JobMessage): void {
    if (message.type === 'done') return;
    if (message.name === 'experiment-status') {
      const payload = message.payload as EventPayloads['experiment-status'];
      // The final status is published once the process is gone, so whoever reacts to it (resume,
      // delete) finds the experiment no longer active.
      if (FINAL.has(payload.status)) {
        job.final = payload;
        return;
      }
    }
    this.options.onEvent(message.name, message.payload);
  }
}
