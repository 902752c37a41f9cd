// Shared fixtures of the API tests: a temp database, the tiny real experiment (vgg_mini on the
// embedded fashion-mnist-mini, 1 seed, 1 epoch per run, a few hundred images) and waiting for events.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExperimentSpecInput } from '../../src-shared/experiment-spec.ts';
import type { EventName, EventPayloads } from '../../src-shared/workbench-api.ts';
import type { Workbench } from '../../src-main/api/workbench.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

export function tinySpec(overrides: Partial<ExperimentSpecInput> = {}): ExperimentSpecInput {
  return {
    version: 1,
    name: 'tiny vgg_mini',
    dataset: 'fashion-mnist-mini',
    arch: 'vgg_mini',
    method: { id: 'l1_norm', params: { ratios: [0, 0.5, 0.5] } },
    regimes: ['finetune', 'scratch-e'],
    seeds: [1],
    baseline: { epochs: 1, trainLimit: 256, testLimit: 200 },
    finetune: { epochs: 1, trainLimit: 256 },
    ...overrides,
  };
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface Recorded {
  name: EventName;
  payload: EventPayloads[EventName];
  at: number;
}

/** Records every event of a workbench. */
export function record(workbench: Pick<Workbench, 'subscribe'>): Recorded[] {
  const events: Recorded[] = [];
  workbench.subscribe((name, payload) => events.push({ name, payload, at: performance.now() }));
  return events;
}

/** Resolves with the first event that `match` accepts (searching those already recorded first). */
export function waitFor(
  workbench: Pick<Workbench, 'subscribe'>,
  match: (name: EventName, payload: any) => boolean,
  timeoutMs = 90_000,
): Promise<{ name: EventName; payload: any }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = workbench.subscribe((name, payload) => {
      if (!match(name, payload)) return;
      clearTimeout(timer);
      off();
      resolve({ name, payload });
    });
  });
}

/** The experiment's final status event (completed, failed or cancelled). */
export function finished(workbench: Pick<Workbench, 'subscribe'>, experimentId: number, timeoutMs?: number): Promise<{ status: string; message: string | null }> {
  return waitFor(
    workbench,
    (name, p) => name === 'experiment-status' && p.experimentId === experimentId && ['completed', 'failed', 'cancelled'].includes(p.status),
    timeoutMs,
  ).then((e) => e.payload);
}
