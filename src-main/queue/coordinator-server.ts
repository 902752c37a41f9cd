// The coordinator's endpoint for queue workers: a worker reports its run's progress here and moves
// the run's files (starting weights, checkpoints) through it, so the store stays on the coordinator's
// machine and a run can continue on any worker. Every request needs `Authorization: Bearer <token>`
// (401 otherwise, compared in constant time) and names a run the coordinator has enqueued (404
// otherwise). It listens on 127.0.0.1 unless another host is asked for.
//   POST /runs/<id>/started      {backend, backendReason}
//   POST /runs/<id>/epoch        an EpochResult
//   POST /runs/<id>/evaluation   {testLoss, testAcc, testTop5?, valAcc?}
//   POST /runs/<id>/heartbeat
//   POST /runs/<id>/finished     {status, error?}
//   GET  /runs/<id>/recorded     {epochs, status}: epochs the store holds, the run's status
//   GET  /runs/<id>/files/<name> a run file (initial.ckpt, last.ckpt, best.ckpt), 404 when there is none
//   PUT  /runs/<id>/files/<name> replaces it (written beside, then renamed: never half a file)
import { timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { FinalRunStatusSchema } from '../../src-shared/store-schemas.ts';
import { parseOrThrow } from '../../src-shared/validate.ts';
import { EpochResultSchema, type EpochResult } from '../engine/training/checkpoint.ts';
import { storeRecorder } from '../jobs/run-recorder.ts';
import type { Db } from '../store/db.ts';
import { getRun } from '../store/runs.ts';
import { RUN_FILES, type RunFile } from './run-task.ts';

const MAX_JSON_BYTES = 1024 * 1024;

const StartedSchema = z.strictObject({ backend: z.string(), backendReason: z.string() });
const EvaluationSchema = z.strictObject({ testLoss: z.number(), testAcc: z.number(), testTop5: z.number().optional(), valAcc: z.number().optional() });
const FinishedSchema = z.strictObject({ status: FinalRunStatusSchema, error: z.string().optional() });

export interface CoordinatorServer {
  url: string;
  /** Lets workers in for run `runId` (until forgotten); `onEpoch` hears each epoch once it is stored (live charts, progress). */
  allow(runId: number, onEpoch?: (m: EpochResult) => void): void;
  forget(runId: number): void;
  close(): Promise<void>;
}

export async function startCoordinatorServer(db: Db, opts: { token: string; host?: string; port?: number }): Promise<CoordinatorServer> {
  /** The runs workers may report for, each with whoever wants its stored epochs. */
  const allowed = new Map<number, ((m: EpochResult) => void) | null>();
  const expected = Buffer.from(`Bearer ${opts.token}`);
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => reply(res, 500, { error: (e as Error).message }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = Buffer.from(req.headers.authorization ?? '');
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) return reply(res, 401, { error: 'missing or wrong token (pwb worker --token)' });
    const m = /^\/runs\/(\d+)\/(started|epoch|evaluation|heartbeat|finished|recorded|files\/([a-z.]+))$/.exec(req.url ?? '');
    if (!m) return reply(res, 404, { error: `no such endpoint: ${req.method} ${req.url}` });
    const runId = Number(m[1]);
    if (!allowed.has(runId)) return reply(res, 404, { error: `run ${runId} is not queued by this coordinator` });
    const action = m[2]!;
    const recorder = storeRecorder(db, runId);
    if (action.startsWith('files/')) return file(req, res, runId, m[3]!);
    if (action === 'recorded' && req.method === 'GET') return reply(res, 200, { epochs: recorder.recordedEpochs(), status: getRun(db, runId).status });
    if (req.method !== 'POST') return reply(res, 405, { error: `${req.method} ${req.url}: use POST` });
    const body = await readJson(req);
    const where = `run ${runId} ${action}`;
    try {
      if (action === 'started') await recorder.started(parseOrThrow(StartedSchema, body, where));
      else if (action === 'epoch') {
        const epoch = parseOrThrow(EpochResultSchema, body, where);
        await recorder.epoch(epoch);
        allowed.get(runId)?.(epoch);
      }
      else if (action === 'evaluation') await recorder.evaluation(parseOrThrow(EvaluationSchema, body, where));
      else if (action === 'heartbeat') recorder.heartbeat();
      else if (action === 'finished') {
        const f = parseOrThrow(FinishedSchema, body, where);
        await recorder.finished(f.status, f.error);
      }
    } catch (e) {
      return reply(res, 400, { error: (e as Error).message });
    }
    reply(res, 200, { ok: true });
  }

  async function file(req: IncomingMessage, res: ServerResponse, runId: number, name: string): Promise<void> {
    if (!(RUN_FILES as readonly string[]).includes(name)) return reply(res, 404, { error: `no run file '${name}'; valid: ${RUN_FILES.join(', ')}` });
    const dir = getRun(db, runId).checkpointDir;
    if (!dir) return reply(res, 404, { error: `run ${runId} has no folder` });
    const path = join(dir, name as RunFile);
    if (req.method === 'GET') {
      if (!existsSync(path)) return reply(res, 404, { error: `run ${runId} has no ${name} yet` });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': statSync(path).size });
      await pipeline(createReadStream(path), res);
      return;
    }
    if (req.method !== 'PUT') return reply(res, 405, { error: `${req.method} ${req.url}: use GET or PUT` });
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `.${name}.upload-${process.pid}-${Date.now()}`);
    try {
      await pipeline(req, createWriteStream(tmp));
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    reply(res, 200, { ok: true });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = advertisedHost(address);
  return {
    url: `http://${host}:${port}`,
    allow: (id, onEpoch) => void allowed.set(id, onEpoch ?? null),
    forget: (id) => void allowed.delete(id),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES) throw new Error('request body over 1 MB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : JSON.parse(text);
}

/**
 * How workers are told to reach an endpoint bound to `address`: that address, except that a wildcard one
 * (0.0.0.0, ::) is every interface and reachable as nothing, so this machine's host name stands for it.
 */
export function advertisedHost(address: string): string {
  if (address === '0.0.0.0' || address === '::') return hostname();
  return address.includes(':') ? `[${address}]` : address;
}
