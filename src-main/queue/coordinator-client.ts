// A worker's side of the coordinator's endpoint (coordinator-server.ts): file transfers, and a
// RunRecorder whose reports queue up in order and are sent in the background, retried while the
// coordinator cannot be reached — training goes on meanwhile, and `finished` waits until everything
// before it has arrived. A checkpoint is always sent before the epoch it holds is reported, so the
// coordinator never records an epoch whose weights it cannot resume from.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecorder } from '../jobs/run-recorder.ts';
import type { RunFile } from './run-task.ts';

export interface CoordinatorClient {
  /** Downloads run file `name` into `dir`; false where the coordinator has none. */
  download(runId: number, name: RunFile, dir: string): Promise<boolean>;
  upload(runId: number, name: RunFile, dir: string): Promise<void>;
  /** Epochs the coordinator's store holds for the run, and the run's status there. */
  recorded(runId: number): Promise<{ epochs: number; status: string }>;
  /** The recorder of run `runId`, training into `dir`; `recorded` is the coordinator's epoch count. */
  recorder(runId: number, dir: string, recorded: number): RunRecorder;
}

export interface ClientOptions {
  /**
   * Where the coordinator is now, asked again while it cannot be reached: a coordinator restarted
   * (`pwb resume --queue`) listens elsewhere and writes its new address into the job.
   */
  currentBase?: () => Promise<string>;
  /** Waits between retries while the coordinator is unreachable, growing to at most this (default 5 s: a request a few seconds is no load, and the coordinator is found soon after it returns). */
  maxRetryMs?: number;
  log?: (line: string) => void;
}

export function coordinatorClient(initialBase: string, token: string, opts: ClientOptions = {}): CoordinatorClient {
  let base = initialBase;
  const headers = { authorization: `Bearer ${token}` };
  const maxRetryMs = opts.maxRetryMs ?? 5000;

  /** One request; retried on network errors and 5xx (the coordinator away or restarting), not on refusals. */
  async function request(method: string, path: string, body?: Buffer | string): Promise<Response> {
    let wait = 250;
    let told = false;
    for (;;) {
      let res: Response | null = null;
      let why = '';
      try {
        res = await fetch(`${base}${path}`, { method, headers: { ...headers, ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}) }, body });
      } catch (e) {
        why = (e as Error & { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      }
      if (res && res.status < 500) {
        if (told) opts.log?.(`coordinator ${base} reachable again`);
        return res;
      }
      if (res) why = `HTTP ${res.status} ${await res.text()}`;
      if (!told) opts.log?.(`coordinator ${base} unreachable (${why}); retrying, training goes on`);
      told = true;
      await new Promise((r) => setTimeout(r, wait));
      if (opts.currentBase) base = await opts.currentBase().catch(() => base);
      wait = Math.min(maxRetryMs, wait * 2);
    }
  }

  async function ok(res: Response, what: string): Promise<Response> {
    if (!res.ok) throw new Error(`coordinator refused ${what}: HTTP ${res.status} ${await res.text()}`);
    return res;
  }

  const client: CoordinatorClient = {
    async download(runId, name, dir) {
      const res = await request('GET', `/runs/${runId}/files/${name}`);
      if (res.status === 404) return false;
      await ok(res, `run ${runId} ${name}`);
      writeFileSync(join(dir, name), Buffer.from(await res.arrayBuffer()));
      return true;
    },
    async upload(runId, name, dir) {
      await ok(await request('PUT', `/runs/${runId}/files/${name}`, readFileSync(join(dir, name))), `run ${runId} ${name} upload`);
    },
    async recorded(runId) {
      const res = await ok(await request('GET', `/runs/${runId}/recorded`), `run ${runId} recorded epochs`);
      return (await res.json()) as { epochs: number; status: string };
    },
    recorder(runId, dir, recorded) {
      let chain: Promise<void> = Promise.resolve();
      let failure: Error | null = null;
      /** Sent after everything queued before it. */
      const enqueue = (send: () => Promise<void>): Promise<void> => {
        chain = chain.then(() => (failure ? undefined : send())).catch((e: unknown) => {
          failure ??= e as Error;
        });
        return chain;
      };
      const post = (action: string, body: unknown = {}): Promise<void> =>
        enqueue(async () => void (await ok(await request('POST', `/runs/${runId}/${action}`, JSON.stringify(body)), `run ${runId} ${action}`)));
      // Files sent when they changed since they were last sent (or fetched).
      const sent = new Map<RunFile, number>();
      for (const name of ['last.ckpt', 'best.ckpt'] as const) if (existsSync(join(dir, name))) sent.set(name, statSync(join(dir, name)).mtimeMs);
      const sendFiles = (): Promise<void> =>
        enqueue(async () => {
          for (const name of ['best.ckpt', 'last.ckpt'] as const) {
            const path = join(dir, name);
            if (!existsSync(path)) continue;
            const mtime = statSync(path).mtimeMs;
            if (sent.get(name) === mtime) continue;
            await client.upload(runId, name, dir);
            sent.set(name, mtime);
          }
        });
      return {
        recordedEpochs: () => recorded,
        started: (start) => {
          void post('started', start);
          return Promise.resolve();
        },
        epoch: (m) => {
          void sendFiles();
          void post('epoch', m);
          return Promise.resolve();
        },
        evaluation: async (e) => {
          await sendFiles();
          await post('evaluation', e);
        },
        heartbeat: () => void post('heartbeat'),
        finished: async (status, error) => {
          await sendFiles();
          await post('finished', error === undefined ? { status } : { status, error });
          if (failure) throw failure;
        },
      };
    },
  };
  return client;
}
