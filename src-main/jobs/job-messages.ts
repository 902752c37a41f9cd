// What a job process (job-process.ts) reports to its supervisor (job-supervisor.ts):
// one JSON object per line on its stdout. The events carry the contract's payloads unchanged, so the
// supervisor relays them without knowing their shape; `done` is the last line of a job that ended
// on its own terms (a process that exits without one crashed or was killed).
import type { EventName, EventPayloads } from '../../src-shared/workbench-api.ts';

export type JobMessage =
  | { type: 'event'; name: EventName; payload: EventPayloads[EventName] }
  | { type: 'done'; status: 'completed' | 'cancelled' | 'failed'; message: string | null };

/** What a supervisor sends on a job's parent port where signals are not available (Electron utility processes). */
export type JobCommand = { type: 'cancel' };

/** The one-line wire form of a message. */
export function encodeJobMessage(message: JobMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/** A line of a job's stdout as a message, or null for anything else (a library printing to stdout). */
export function decodeJobMessage(line: string): JobMessage | null {
  if (!line.startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const type = (value as { type?: unknown }).type;
  return type === 'event' || type === 'done' ? (value as JobMessage) : null;
}
