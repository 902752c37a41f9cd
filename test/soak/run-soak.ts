// `npm run soak`: the long checks no test suite should wait for, with their figures.
//  1. Training: a tiny model for SOAK_EPOCHS epochs (default 1000), checkpointed every epoch; tensors,
//     resident memory and open file handles sampled each epoch must stay flat.
//  2. `pwb serve`: SOAK_CLIENTS event-stream clients (default 200) stay connected while a burst of API
//     calls (SOAK_CONCURRENCY in flight, default 16) runs for SOAK_MINUTES (default 10); latency p50/p99,
//     errors, and the server's memory and file handles before and after.
// Prints one JSON report on stdout; exits 1 if a check did not hold.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PWB_BIN, REPO_ROOT } from '../cli/helpers.ts';
import { createTrainRun, executeRun, prepareTrainRun } from '../../src-main/jobs/train-run.ts';
import { openDatabase } from '../../src-main/store/db.ts';

const EPOCHS = Number(process.env.SOAK_EPOCHS ?? 1000);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 200);
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16);
/** Resident memory may grow this much between the first tenth of the epochs and the end (allocator slack). */
const RSS_SLACK_MB = 48;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pwb-soak-'));
const log = (line: string): void => void process.stderr.write(`soak: ${line}\n`);
const failures: string[] = [];
const check = (ok: boolean, what: string): void => {
  if (!ok) failures.push(what);
  log(`${ok ? 'ok' : 'FAILED'}: ${what}`);
};

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
const openFiles = (pid: number | 'self'): number => fs.readdirSync(`/proc/${pid}/fd`).length;
const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;

interface Sample { epoch: number; tensors: number; rssMb: number; files: number }

async function trainingSoak(): Promise<Record<string, unknown>> {
  const dbPath = path.join(dir, 'soak.db');
  const db = openDatabase(dbPath);
  const request = { arch: 'vgg_mini', dataset: 'fashion-mnist-mini', backend: 'wasm' as const, threads: 1, config: { epochs: EPOCHS, seed: 1, trainLimit: 64, testLimit: 32, batchSize: 32 } };
  const prepared = await prepareTrainRun(request);
  const run = createTrainRun(db, dbPath, request, prepared);
  const samples: Sample[] = [];
  const started = performance.now();
  await executeRun(db, run.id, prepared, {
    onEpoch: (m, info) => {
      samples.push({ epoch: m.epoch, tensors: info.numTensors, rssMb: mb(process.memoryUsage().rss), files: openFiles('self') });
      if (m.epoch % 100 === 0) log(`epoch ${m.epoch}/${EPOCHS}: ${info.numTensors} tensors, ${mb(process.memoryUsage().rss)} MB resident, ${openFiles('self')} open files`);
    },
  });
  db.close();
  const settled = samples.slice(Math.max(1, Math.floor(EPOCHS / 10)));
  const first = settled[0]!;
  const last = samples.at(-1)!;
  const tensors = new Set(settled.map((s) => s.tensors));
  const files = settled.map((s) => s.files);
  check(samples.length === EPOCHS, `${samples.length} of ${EPOCHS} epochs trained`);
  check(tensors.size === 1, `tensors flat from epoch ${first.epoch} to ${last.epoch}: ${[...tensors].join(', ')}`);
  check(Math.max(...files) - Math.min(...files) <= 1, `open files flat: ${Math.min(...files)}–${Math.max(...files)}`);
  check(last.rssMb - first.rssMb <= RSS_SLACK_MB, `resident memory ${first.rssMb} MB at epoch ${first.epoch}, ${last.rssMb} MB at epoch ${last.epoch} (≤ ${RSS_SLACK_MB} MB growth)`);
  const rssPeak = Math.max(...settled.map((s) => s.rssMb));
  return {
    epochs: samples.length, seconds: Math.round((performance.now() - started) / 1000),
    tensors: [...tensors], rssMb: { [`epoch ${first.epoch}`]: first.rssMb, [`epoch ${last.epoch}`]: last.rssMb, peak: rssPeak },
    openFiles: { min: Math.min(...files), max: Math.max(...files) },
  };
}

function startServe(dbPath: string): Promise<{ url: URL; pid: number; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PWB_BIN, '--db', dbPath, 'serve', '--backend', 'wasm'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ url: new URL(m[1]!), pid: child.pid!, stop: () => new Promise((r) => { child.once('close', () => r()); child.kill('SIGINT'); }) });
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`pwb serve ended (${code}) before listening: ${out}`)));
  });
}

function call(url: URL, token: string, agent: http.Agent, name: string, body: unknown): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, path: `/api/call/${name}`, method: 'POST', agent,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function serveSoak(): Promise<Record<string, unknown>> {
  const dbPath = path.join(dir, 'soak.db'); // holds the training soak's run
  const server = await startServe(dbPath);
  const token = server.url.searchParams.get('token')!;
  // The event-stream clients: each counts what it receives and whether its stream ended.
  const streams: Array<{ bytes: number; closed: boolean; req: http.ClientRequest }> = [];
  const sseAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  await Promise.all(Array.from({ length: CLIENTS }, () => new Promise<void>((resolve, reject) => {
    const s = { bytes: 0, closed: false, req: null as unknown as http.ClientRequest };
    s.req = http.get({ host: server.url.hostname, port: server.url.port, path: '/api/events', agent: sseAgent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`event stream: HTTP ${res.statusCode}`));
      res.on('data', (d: Buffer) => (s.bytes += d.length));
      res.on('close', () => (s.closed = true));
      resolve();
    });
    s.req.on('error', (e) => (s.closed ? undefined : reject(e)));
    streams.push(s);
  })));
  const before = { rssMb: mb(rssOf(server.pid)), files: openFiles(server.pid) };
  log(`${CLIENTS} event-stream clients connected; calling the API for ${MINUTES} min, ${CONCURRENCY} in flight`);
  const calls: Array<[string, unknown]> = [
    ['version', null], ['listExperiments', {}], ['listPresets', null], ['describeOptions', null],
    ['getRunMetrics', { runId: 1 }], ['getExperiment', { id: 999 }], ['listExperiments', { search: 'x'.repeat(50) }],
  ];
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const until = performance.now() + MINUTES * 60_000;
  let next = 0;
  let errors = 0;
  // The server's resident memory through the burst: a leak grows steadily, a heap that settles does not.
  const rssTrace: number[] = [before.rssMb];
  const sampler = setInterval(() => rssTrace.push(mb(rssOf(server.pid))), Math.max(1000, (MINUTES * 60_000) / 20));
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < until) {
      const [name, body] = calls[next++ % calls.length]!;
      try {
        const r = await call(server.url, token, agent, name, body);
        latencies.push(r.ms);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      } catch {
        errors++;
      }
    }
  }));
  clearInterval(sampler);
  agent.destroy();
  const after = { rssMb: mb(rssOf(server.pid)), files: openFiles(server.pid) };
  rssTrace.push(after.rssMb);
  const open = streams.filter((s) => !s.closed).length;
  const heard = streams.filter((s) => s.bytes > 0).length;
  for (const s of streams) s.req.destroy();
  await server.stop();
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! * 10) / 10;
  const unexpected = [...statuses].filter(([s]) => s !== 200 && s !== 404).reduce((a, [, n]) => a + n, 0);
  check(open === CLIENTS, `${open} of ${CLIENTS} event streams still open after the burst`);
  if (MINUTES >= 0.3) check(heard === CLIENTS, `${heard} of ${CLIENTS} event streams received the server's heartbeat`);
  check(errors === 0 && unexpected === 0, `${latencies.length} calls: ${errors} connection errors, ${unexpected} unexpected statuses (${[...statuses].map(([s, n]) => `${n}× ${s}`).join(', ')})`);
  const settled = rssTrace.slice(Math.floor(rssTrace.length / 2));
  check(Math.max(...settled) - Math.min(...settled) <= RSS_SLACK_MB, `server memory settles: ${Math.min(...settled)}–${Math.max(...settled)} MB over the second half of the burst (${before.rssMb} MB before it)`);
  check(after.files - before.files <= CONCURRENCY + 4, `server open files: ${before.files} with the clients connected, ${after.files} after the burst`);
  return {
    clients: CLIENTS, minutes: MINUTES, concurrency: CONCURRENCY, calls: latencies.length,
    callsPerSecond: Math.round(latencies.length / (MINUTES * 60)),
    latencyMs: { p50: q(0.5), p99: q(0.99), max: q(1) }, statuses: Object.fromEntries(statuses), errors,
    server: { before, after, rssTraceMb: rssTrace },
  };
}

try {
  const training = await trainingSoak();
  const serve = await serveSoak();
  process.stdout.write(`${JSON.stringify({ training, serve, failures }, null, 2)}\n`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failures.length ? 1 : 0;
