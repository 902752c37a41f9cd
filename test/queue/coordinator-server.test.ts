// The coordinator's worker endpoint lets nobody in without the token, only for runs it queued, only
// for the run files it knows, and refuses bad reports in one line with nothing stored; a worker's
// report lands in the store as a local run's would.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostname } from 'node:os';
import { advertisedHost, startCoordinatorServer } from '../../src-main/queue/coordinator-server.ts';
import { listEpochMetrics } from '../../src-main/store/metrics.ts';
import { getRun, setRunCheckpointDir } from '../../src-main/store/runs.ts';
import { memoryDb, queuedRun, tempDir } from '../store/helpers.ts';

const epoch = { epoch: 1, trainLoss: 2.1, trainAcc: 0.2, testLoss: 2.0, testAcc: 0.25, lr: 0.1, imagesPerSec: 100, wallS: 1 };

test('worker endpoint: token, queued runs only, known files only, reports validated and stored', async (t) => {
  const db = memoryDb(t);
  const dir = tempDir(t);
  const run = queuedRun(db);
  const other = queuedRun(db);
  setRunCheckpointDir(db, run.id, join(dir, 'run'));
  const server = await startCoordinatorServer(db, { token: 's3cret' });
  t.after(() => server.close());
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'loopback unless asked');
  const heard: number[] = [];
  server.allow(run.id, (m) => heard.push(m.epoch));
  const call = (path: string, init: RequestInit = {}, token = 's3cret') =>
    fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });

  for (const res of [await fetch(`${server.url}/runs/${run.id}/recorded`), await call(`/runs/${run.id}/recorded`, {}, 'wrong')]) {
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { error: string }).error, /token/);
  }
  const notQueued = await call(`/runs/${other.id}/epoch`, { method: 'POST', body: JSON.stringify(epoch) });
  assert.equal(notQueued.status, 404);
  assert.equal(listEpochMetrics(db, other.id).length, 0);
  assert.equal((await call(`/runs/${run.id}/files/../../etc/passwd`)).status, 404);
  assert.equal((await call(`/runs/${run.id}/files/weights.bin`)).status, 404);
  assert.equal((await call(`/runs/${run.id}/files/last.ckpt`)).status, 404, 'no checkpoint yet');

  // A bad report: one line naming the field, nothing stored.
  const bad = await call(`/runs/${run.id}/epoch`, { method: 'POST', body: JSON.stringify({ ...epoch, testAcc: 'high' }) });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /^run \d+ epoch: .*testAcc/);
  assert.equal(listEpochMetrics(db, run.id).length, 0);

  assert.equal((await call(`/runs/${run.id}/started`, { method: 'POST', body: JSON.stringify({ backend: 'tensorflow', backendReason: 'native TensorFlow on CPU' }) })).status, 200);
  assert.equal((await call(`/runs/${run.id}/files/last.ckpt`, { method: 'PUT', body: Buffer.from('checkpoint bytes') })).status, 200);
  assert.equal(readFileSync(join(dir, 'run', 'last.ckpt'), 'utf8'), 'checkpoint bytes');
  assert.equal(await (await call(`/runs/${run.id}/files/last.ckpt`)).text(), 'checkpoint bytes');
  assert.equal((await call(`/runs/${run.id}/epoch`, { method: 'POST', body: JSON.stringify(epoch) })).status, 200);
  assert.deepEqual(await (await call(`/runs/${run.id}/recorded`)).json(), { epochs: 1, status: 'running' });
  assert.deepEqual(heard, [1], 'the stored epoch is heard once; the refused one was not');
  assert.equal((await call(`/runs/${run.id}/finished`, { method: 'POST', body: JSON.stringify({ status: 'completed' }) })).status, 200);
  const stored = getRun(db, run.id);
  assert.equal(stored.status, 'completed');
  assert.equal(stored.backend, 'tensorflow');
  assert.equal(stored.testAcc, 0.25);

  server.forget(run.id);
  assert.equal((await call(`/runs/${run.id}/recorded`)).status, 404, 'a finished run is closed to workers');
  assert.equal(existsSync(join(dir, 'run', '.last.ckpt.upload')), false);
});

test('an endpoint bound to every interface is advertised under the host name (0.0.0.0 reaches nothing from another machine)', () => {
  assert.equal(advertisedHost('0.0.0.0'), hostname());
  assert.equal(advertisedHost('::'), hostname());
  assert.equal(advertisedHost('10.1.2.3'), '10.1.2.3');
  assert.equal(advertisedHost('::1'), '[::1]');
});
