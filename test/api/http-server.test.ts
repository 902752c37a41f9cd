// The HTTP + SSE transport over a real workbench: the token on every path, static files confined to
// the renderer build, the call protocol and its statuses, events over SSE while a real job trains
// — with the server's event-loop lag measured meanwhile — and listExperiments over 200 experiments.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { HTTP_CONTENT_SECURITY_POLICY, isLoopbackAddress, startHttpServer, type RunningServer } from '../../src-main/api/http-server.ts';
import { createWorkbench, type Workbench } from '../../src-main/api/workbench.ts';
import { putArchSpec } from '../../src-main/store/arch-specs.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { createExperiment } from '../../src-main/store/experiments.ts';
import { createRun, markRunFinished } from '../../src-main/store/runs.ts';
import { dispatchCall } from '../../src-shared/workbench-args.ts';
import { tempDir, tinySpec } from './helpers.ts';

const tmp = tempDir('pwb-http-');
const dbPath = path.join(tmp.dir, 'wb.sqlite');
const rendererDir = path.join(tmp.dir, 'renderer');
let wb: Workbench;
let server: RunningServer;

before(async () => {
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>pwb</title><script type="module" src="./assets/app.js"></script>');
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log("app");');
  writeFileSync(path.join(rendererDir, 'assets', 'app.css'), 'body{}');
  writeFileSync(path.join(tmp.dir, 'secret.txt'), 'outside the renderer build');
  symlinkSync(path.join(tmp.dir, 'secret.txt'), path.join(rendererDir, 'link-out.txt'));
  wb = createWorkbench({ dbPath });
  server = await startHttpServer({ api: wb.api, subscribe: wb.subscribe, rendererDir });
});

after(async () => {
  await server?.close();
  await wb?.close();
  tmp.remove();
});

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request: the path goes out exactly as written (fetch would normalise '..' away). */
function request(rawPath: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: rawPath, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const auth = () => ({ Authorization: `Bearer ${server.token}` });

function callApi(name: string, args?: unknown, headers: Record<string, string> = auth()): Promise<Res> {
  return request(`/api/call/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: args === undefined ? '' : JSON.stringify(args),
  });
}

function experimentCount(): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM experiments').pluck().get() as number;
  } finally {
    db.close();
  }
}

test('the token: 256 random bits per launch, in the printed URL', () => {
  assert.match(server.token, /^[0-9a-f]{64}$/);
  assert.equal(server.url, `http://127.0.0.1:${server.port}/?token=${server.token}`);
});

test('401 without the token or with a wrong one, on every kind of path', async () => {
  const wrong = 'f'.repeat(64);
  const paths = ['/', '/index.html', '/assets/app.js', '/nonexistent.js', '/api/events'];
  for (const p of paths) {
    for (const [how, r] of [
      ['none', await request(p)],
      ['query', await request(`${p}?token=${wrong}`)],
      ['bearer', await request(p, { headers: { Authorization: `Bearer ${wrong}` } })],
      ['cookie', await request(p, { headers: { Cookie: `pwb_token_${server.port}=${wrong}` } })],
      ['short', await request(`${p}?token=${server.token.slice(0, 10)}`)],
    ] as const) {
      assert.equal(r.status, 401, `${p} with ${how} token`);
      assert.match(JSON.parse(r.body).error, /token/);
    }
  }
  for (const r of [await callApi('version', undefined, {}), await callApi('version', undefined, { Authorization: `Bearer ${wrong}` })]) {
    assert.equal(r.status, 401);
  }
  const posted = await callApi('startExperiment', { spec: tinySpec() }, {});
  assert.equal(posted.status, 401);
  assert.equal(experimentCount(), 0, 'an unauthorised call writes nothing');
});

test('GET /?token=T serves index.html with the CSP and sets the HttpOnly SameSite=Strict cookie; the cookie then suffices', async () => {
  const r = await request(`/?token=${server.token}`);
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type']!, /^text\/html/);
  assert.equal(r.headers['content-security-policy'], HTTP_CONTENT_SECURITY_POLICY);
  assert.equal(HTTP_CONTENT_SECURITY_POLICY, "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'");
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.deepEqual(r.headers['set-cookie'], [`pwb_token_${server.port}=${server.token}; HttpOnly; SameSite=Strict; Path=/`]);
  assert.match(r.body, /<title>pwb<\/title>/);

  const cookie = { Cookie: `other=1; pwb_token=${server.token.replace(/./g, '0')}; pwb_token_${server.port}=${server.token}` };
  const js = await request('/assets/app.js', { headers: cookie });
  assert.equal(js.status, 200);
  assert.match(js.headers['content-type']!, /^text\/javascript/);
  assert.equal(js.headers['x-content-type-options'], 'nosniff');
  const css = await request('/assets/app.css', { headers: auth() });
  assert.match(css.headers['content-type']!, /^text\/css/);
  assert.equal((await callApi('version', undefined, cookie)).status, 200);
  assert.equal((await request(`/assets/app.js?token=${server.token}`)).status, 200);
});

test('404 for anything outside the renderer build: .., encoded .., symlinks out, missing files', async () => {
  for (const p of [
    '/../package.json',
    '/%2e%2e/package.json',
    '/%2E%2E/secret.txt',
    '/assets/../../secret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/link-out.txt',
    '/nonexistent.js',
    '/assets',
    '/index.html%00.js',
  ]) {
    const r = await request(p, { headers: auth() });
    assert.equal(r.status, 404, p);
    assert.doesNotMatch(r.body, /outside the renderer build|pruning-workbench|root:/, p);
  }
});

test('calls: 200 with the reply, 404 for an unknown call, 400 for bad JSON, 405 for GET, 413 over 1 MB (not for a model upload)', async () => {
  const v = await callApi('version');
  assert.equal(v.status, 200);
  assert.equal(JSON.parse(v.body).ok, true);
  assert.equal((await callApi('version', null)).status, 200, 'null means no args');

  const unknown = await callApi('dropDatabase', {});
  assert.equal(unknown.status, 404);
  const u = JSON.parse(unknown.body);
  assert.equal(u.ok, false);
  assert.equal(u.error.code, 'NOT_FOUND');
  assert.match(u.error.message, /unknown call 'dropDatabase'; valid calls: version, listExperiments/);

  const badJson = await request('/api/call/getExperiment', { method: 'POST', headers: auth(), body: '{"id": 1,' });
  assert.equal(badJson.status, 400);
  assert.match(JSON.parse(badJson.body).error.message, /not valid JSON/);

  // Invalid UTF-8 is refused (it used to become U+FFFD silently), and so is absurd nesting.
  const latin1 = await request('/api/call/getExperiment', { method: 'POST', headers: auth(), body: Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]) });
  assert.equal(latin1.status, 400);
  assert.match(JSON.parse(latin1.body).error.message, /^getExperiment: the request body: not valid UTF-8 \(byte 2 is 0xe9\)/);
  const deep = await request('/api/call/estimateCost', { method: 'POST', headers: auth(), body: `{"spec":${'['.repeat(3000)}${']'.repeat(3000)}}` });
  assert.equal(deep.status, 400);
  assert.match(JSON.parse(deep.body).error.message, /nested deeper than 64 levels/);

  assert.equal((await request('/api/call/version', { headers: auth() })).status, 405);
  assert.equal((await request('/api/nothing', { headers: auth() })).status, 404);

  const big = await request('/api/call/estimateCost', { method: 'POST', headers: auth(), body: Buffer.alloc(1024 * 1024 + 10, 0x20) });
  assert.equal(big.status, 413);
  // A model to import may be larger: its call reads the body past 1 MB (and then wants its args).
  const upload = await request('/api/call/importModel', { method: 'POST', headers: auth(), body: Buffer.alloc(2 * 1024 * 1024, 0x20) });
  assert.equal(upload.status, 400);
  assert.match(JSON.parse(upload.body).error.message, /^importModel: args: /);

  const missing = await callApi('getExperiment', { id: 999 });
  assert.equal(missing.status, 404);
  assert.equal(JSON.parse(missing.body).error.code, 'NOT_FOUND');
  const extra = await callApi('getExperiment', { id: 1, extra: true });
  assert.equal(extra.status, 400);
});

test('a malformed payload gets a 400 naming the field, and nothing is written', async () => {
  const before = experimentCount();
  const r = await callApi('startExperiment', { spec: { ...tinySpec(), seeds: 'x' } });
  assert.equal(r.status, 400);
  const reply = JSON.parse(r.body);
  assert.equal(reply.ok, false);
  assert.equal(reply.error.code, 'VALIDATION');
  assert.match(reply.error.message, /field 'spec\.seeds'/);
  const method = await callApi('startExperiment', { spec: tinySpec({ method: { id: 'l1_norm', params: { ratios: [2] } } }) });
  assert.equal(method.status, 400);
  assert.match(JSON.parse(method.body).error.message, /ratios/);
  const dataset = await callApi('startExperiment', { spec: tinySpec({ dataset: 'no-such-dataset' }) });
  assert.equal(dataset.status, 404);
  assert.equal(experimentCount(), before);
});

/** Opens /api/events and parses the stream into events. */
function openEvents(): Promise<{ events: Array<{ name: string; data: any }>; comments: string[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: auth() }, (res) => {
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type']!, /^text\/event-stream/);
      const events: Array<{ name: string; data: any }> = [];
      const comments: string[] = [];
      let buffer = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) comments.push(block);
          const name = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (name && data) events.push({ name, data: JSON.parse(data) });
        }
      });
      resolve({ events, comments, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

test('SSE carries a run-epoch for every epoch while a job trains; the server loop p99 lag stays under 50 ms', async () => {
  const stream = await openEvents();
  const spec = tinySpec({ name: 'sse', baseline: { epochs: 3, trainLimit: 256, testLimit: 200 }, finetune: { epochs: 2, trainLimit: 256 } });
  const started = await callApi('startExperiment', { spec });
  assert.equal(started.status, 200, started.body);
  const id = JSON.parse(started.body).value.id as number;

  // The server's own event loop, measured from here until the job has finished, while a UI-like
  // client polls the experiment's detail and the list.
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const t0 = performance.now();
  let polls = 0;
  let status = '';
  while (!['completed', 'failed', 'cancelled'].includes(status) && performance.now() - t0 < 90_000) {
    await new Promise((r) => setTimeout(r, 100));
    const detail = await callApi('getExperiment', { id });
    assert.equal(detail.status, 200);
    if (polls++ % 5 === 0) assert.equal((await callApi('listExperiments', {})).status, 200);
    const final = stream.events.find((e) => e.name === 'experiment-status' && e.data.experimentId === id && ['completed', 'failed', 'cancelled'].includes(e.data.status));
    status = final?.data.status ?? '';
  }
  lag.disable();
  const ms = (ns: number) => ns / 1e6;
  console.log(
    `# server event-loop delay while training (${((performance.now() - t0) / 1000).toFixed(1)} s, ${polls} polls): ` +
      `p50 ${ms(lag.percentile(50)).toFixed(1)} ms, p99 ${ms(lag.percentile(99)).toFixed(1)} ms, max ${ms(lag.max).toFixed(1)} ms`,
  );
  stream.close();
  assert.equal(status, 'completed');
  // p99 is the criterion (a loaded test machine can deschedule the process once in a while); the
  // max bound still catches real blocking work such as loading the engine mid-training (~0.5 s).
  assert.ok(ms(lag.percentile(99)) < 50, `event-loop delay p99 ${ms(lag.percentile(99)).toFixed(1)} ms`);
  assert.ok(ms(lag.max) < 150, `event-loop delay reached ${ms(lag.max).toFixed(1)} ms`);

  const db = new Database(dbPath, { readonly: true });
  const stored = db.prepare(`SELECT m.run_id AS runId, m.epoch FROM epoch_metrics m JOIN runs r ON r.id = m.run_id WHERE r.experiment_id = ? ORDER BY m.run_id, m.epoch`).all(id);
  db.close();
  const seen = stream.events.filter((e) => e.name === 'run-epoch' && e.data.experimentId === id).map((e) => ({ runId: e.data.runId, epoch: e.data.metric.epoch }));
  assert.deepEqual(seen, stored);
  assert.equal(seen.length, 3 + 2 + 3, 'baseline 3, finetune 2, scratch-e 3 epochs');
  assert.ok(stream.events.some((e) => e.name === 'job-progress' && e.data.experimentId === id));
  assert.deepEqual(
    stream.events.filter((e) => e.name === 'experiment-status' && e.data.experimentId === id).map((e) => e.data.status),
    ['queued', 'running', 'completed'],
  );
});

test('SSE heartbeats are comments', async () => {
  const beat = await startHttpServer({ api: wb.api, subscribe: wb.subscribe, rendererDir, heartbeatMs: 30 });
  try {
    const events = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: beat.port, path: `/api/events?token=${beat.token}` }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          text += d;
          if (text.includes(': heartbeat\n\n')) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', reject);
    });
    assert.match(events, /^: connected\n\n/);
  } finally {
    await beat.close();
  }
});

test('listExperiments over 200 experiments answers well under 200 ms', async () => {
  const db = openDatabase(dbPath);
  const archSpecId = putArchSpec(db, { family: 'vgg', id: 'vgg_mini', input: [28, 28, 1], classes: 10, cfg: [8, 'M', 16], pool: 'global_avg', fc: [] }, { params: 1000, flops: 20000 });
  db.transaction(() => {
    for (let i = 0; i < 200; i++) {
      const e = createExperiment(db, { name: `bulk ${i}`, spec: tinySpec({ name: `bulk ${i}` }) as unknown as Record<string, unknown>, status: 'completed', tags: [`t${i % 7}`] });
      for (const regime of ['baseline', 'finetune', 'scratch-e', 'scratch-b'] as const) {
        const run = createRun(db, { experimentId: e.id, regime, seed: 1, archSpecId, datasetId: 'fashion-mnist-mini', config: {}, epochsPlanned: 1 });
        markRunFinished(db, run.id, 'completed');
      }
    }
  })();
  db.close();

  const timings: number[] = [];
  let rows = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const reply = await dispatchCall(wb.api, 'listExperiments', {});
    timings.push(performance.now() - t);
    assert.ok(reply.ok);
    rows = (reply.value as unknown[]).length;
  }
  const t = performance.now();
  const overHttp = await callApi('listExperiments', { search: 't3' });
  const httpMs = performance.now() - t;
  assert.equal(overHttp.status, 200);
  console.log(`# listExperiments over ${rows} experiments: first ${timings[0]!.toFixed(1)} ms, median ${timings.sort((a, b) => a - b)[2]!.toFixed(1)} ms; over HTTP with search ${httpMs.toFixed(1)} ms`);
  assert.ok(rows >= 200);
  assert.ok(Math.max(...timings) < 200, `listExperiments took ${Math.max(...timings).toFixed(1)} ms`);
  assert.ok(JSON.parse(overHttp.body).value.every((r: { tags: string[] }) => r.tags.includes('t3')));
});

test('loopback only: remote addresses are told apart, and a non-loopback host is refused without allowRemote', async () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(a), true, a);
  for (const a of ['10.0.0.1', '::ffff:192.168.1.2', '0.0.0.0', '::', 'fe80::1', undefined]) assert.equal(isLoopbackAddress(a), false, String(a));
  await assert.rejects(startHttpServer({ api: wb.api, subscribe: wb.subscribe, rendererDir, host: '0.0.0.0' }), /not a loopback address.*--allow-remote/);
});

test('DNS rebinding: a Host other than this loopback server and port is refused, even with the token', async () => {
  for (const host of ['evil.example:80', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '127.0.0.1']) {
    const r = await request(`/?token=${server.token}`, { headers: { Host: host } });
    assert.equal(r.status, 403, `Host '${host}'`);
    assert.match(JSON.parse(r.body).error, /is not this server; open the URL `pwb serve` printed/);
  }
  for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`]) {
    assert.equal((await callApi('version', undefined, { ...auth(), Host: host })).status, 200, `Host '${host}'`);
  }
});

test('cross-origin API calls are refused (Origin of another port, Sec-Fetch-Site cross-site/same-site); the own origin passes', async () => {
  const cookie = { Cookie: `pwb_token_${server.port}=${server.token}` };
  const before = experimentCount();
  const refusedHeaders: Array<Record<string, string>> = [
    { Origin: `http://127.0.0.1:${server.port + 1}` },
    { Origin: 'http://evil.example' },
    { 'Sec-Fetch-Site': 'same-site' },
    { 'Sec-Fetch-Site': 'cross-site' },
  ];
  for (const headers of refusedHeaders) {
    const r = await callApi('startExperiment', { spec: tinySpec() }, { ...cookie, ...headers });
    assert.equal(r.status, 403, JSON.stringify(headers));
    assert.match(JSON.parse(r.body).error, /^cross-origin request refused/);
    assert.equal((await request('/api/events', { headers: { ...cookie, ...headers } })).status, 403);
  }
  assert.equal(experimentCount(), before, 'nothing was written');
  const own = await callApi('version', undefined, { ...cookie, Origin: `http://127.0.0.1:${server.port}`, 'Sec-Fetch-Site': 'same-origin' });
  assert.equal(own.status, 200);
});

test('a client that aborts mid-request leaves no stack trace on stderr', async () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void errors.push(args.join(' '));
  try {
    await new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: '/api/call/version', method: 'POST', headers: { ...auth(), 'Content-Length': '1000' } });
      req.on('error', () => resolve());
      req.write('{"a":');
      setTimeout(() => {
        req.destroy();
        setTimeout(resolve, 200);
      }, 100);
    });
  } finally {
    console.error = original;
  }
  assert.deepEqual(errors, []);
});
