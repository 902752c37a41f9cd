// Experiments on a queue of workers (`pwb run --queue`, `pwb worker`) with a real redis-server on
// loopback: the same runs and metric rows as a local experiment; a worker SIGKILLed mid-run, its run
// finished by the other worker with every epoch once; Redis stopped for 5 s and restarted meanwhile.
// Training is deterministic for a seed on one backend, so the metrics equal the local run's exactly.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { PWB_BIN, explain, lines, sandbox, tempDir, type Sandbox } from '../cli/helpers.ts';
import { freePort, redisSkip, startRedis as startRedisServer } from './redis-server.ts';

const skip = redisSkip;
const TOKEN = 'test-worker-token';

const spec = (name: string, baselineEpochs: number, seeds: number[], regimes = ['finetune', 'scratch-e', 'scratch-b']) => ({
  version: 1,
  name,
  dataset: 'fashion-mnist-mini',
  arch: 'vgg_mini',
  method: { id: 'l1_norm', params: { ratios: [0, 0.5, 0.5] } },
  regimes,
  seeds,
  baseline: { epochs: baselineEpochs, trainLimit: 384, testLimit: 200, batchSize: 64 },
  finetune: { epochs: 1, trainLimit: 384, testLimit: 200 },
});

/** A redis-server on loopback, stopped after the test. */
const startRedis = (t: TestContext, dir: string, port: number): Promise<ChildProcess> => startRedisServer(dir, port, (stop) => t.after(stop));

interface Worker {
  child: ChildProcess;
  log: () => string;
}

function startWorker(t: TestContext, box: Sandbox, port: number, extra: string[] = [], cwd?: string): Worker {
  const child = spawn(process.execPath, [PWB_BIN, 'worker', '--queue', `redis://127.0.0.1:${port}`, '--threads', '1', '--work-dir', join(box.dir, `work-${Math.random().toString(36).slice(2)}`), ...extra], {
    env: { ...process.env, ...box.env, PWB_WORKER_TOKEN: TOKEN }, stdio: ['ignore', 'ignore', 'pipe'], ...(cwd ? { cwd } : {}),
  });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
  t.after(() => child.kill('SIGKILL'));
  return { child, log: () => log };
}

function queued(box: Sandbox, specPath: string, port: number, cwd?: string): ChildProcess & { done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [PWB_BIN, '--db', box.db, 'run', specPath, '--threads', '1', '--queue', `redis://127.0.0.1:${port}`], {
    env: { ...process.env, ...box.env, PWB_WORKER_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return Object.assign(child, { done });
}

/** Runs and metric rows by (seed, regime, epoch): what must match a local experiment's. */
function table(file: string): { runs: unknown[]; metrics: unknown[] } {
  const db = new Database(file, { readonly: true });
  const runs = db.prepare('SELECT regime, seed, status, epochs_planned, epochs_done, test_acc FROM runs ORDER BY seed, regime').all();
  const metrics = db.prepare('SELECT r.regime, r.seed, m.epoch, m.test_acc, m.train_loss FROM epoch_metrics m JOIN runs r ON r.id = m.run_id ORDER BY r.seed, r.regime, m.epoch').all();
  db.close();
  return { runs, metrics };
}

async function waitFor(what: string, check: () => boolean, ms = 120_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('runs on a queue of workers (BullMQ on a real redis-server)', { skip, timeout: 600_000 }, () => {
  // The fault tests share one experiment (a 4-epoch baseline, then two regimes) and its local reference.
  const faults = { dir: '', specPath: '', reference: { runs: [] as unknown[], metrics: [] as unknown[] } };
  before(async () => {
    if (skip) return;
    faults.dir = tempDir(undefined, 'pwb-queue-faults-');
    faults.specPath = join(faults.dir, 'spec.json');
    writeFileSync(faults.specPath, JSON.stringify(spec('faults', 4, [1], ['finetune', 'scratch-e'])));
    const local = sandbox(faults.dir, 'local.sqlite');
    const ref = await local.run(['run', faults.specPath, '--threads', '1'], { timeoutMs: 300_000 });
    assert.equal(ref.code, 0, explain(ref));
    faults.reference = table(local.db);
  });
  after(() => {
    if (faults.dir) rmSync(faults.dir, { recursive: true, force: true });
  });
  test('two workers: the same runs and metric rows as a local experiment, both workers used', async (t) => {
    const dir = tempDir(t, 'pwb-queue-');
    const specPath = join(dir, 'spec.json');
    writeFileSync(specPath, JSON.stringify(spec('queue vs local', 2, [1, 2])));
    const local = sandbox(dir, 'local.sqlite');
    const ref = await local.run(['run', specPath, '--threads', '1'], { timeoutMs: 300_000 });
    assert.equal(ref.code, 0, explain(ref));

    const port = await freePort();
    await startRedis(t, dir, port);
    const box = sandbox(dir, 'queued.sqlite');
    const workers = [startWorker(t, box, port), startWorker(t, box, port)];
    const run = queued(box, specPath, port);
    const r = await run.done;
    assert.equal(r.code, 0, `${r.stderr}\n${workers.map((w) => w.log()).join('\n')}`);
    assert.match(r.stderr, /worker endpoint http:\/\/127\.0\.0\.1:\d+/);
    assert.deepEqual(table(box.db), table(local.db));
    // Each epoch a worker reports reaches the coordinator's progress (and the UI's live charts) as it is stored.
    assert.equal(lines(r.stderr).filter((l) => /^ {2}epoch \d+ {2}lr /.test(l)).length, table(box.db).metrics.length, r.stderr);
    for (const w of workers) assert.match(w.log(), /: training on /, 'each worker trained runs (the two seeds\' chains run at once)');
    // Where each run trained, in the run table; the workers as `pwb workers` lists them, idle now, 8 runs done between them.
    const db = new Database(box.db, { readonly: true });
    const reasons = db.prepare('SELECT backend_reason FROM runs').pluck().all() as string[];
    db.close();
    for (const reason of reasons) assert.match(reason, /^worker [^:]+:\d+: /);
    type Listed = { workers: Array<{ run: string | null; runsDone: number; backend: string }>; waiting: number; active: number };
    const list = async (): Promise<Listed> => {
      const listed = await box.run(['workers', '--queue', `redis://127.0.0.1:${port}`, '--json']);
      assert.equal(listed.code, 0, explain(listed));
      return JSON.parse(listed.stdout) as Listed;
    };
    // A worker tells the registry as each run ends; allow the last report a moment to land.
    let seen = await list();
    for (let i = 0; i < 20 && seen.workers.reduce((a, w) => a + w.runsDone, 0) < 8; i++) seen = await list();
    const { workers: connected, waiting, active } = seen;
    assert.equal(connected.length, 2);
    assert.deepEqual(connected.map((w) => w.run), [null, null]);
    assert.equal(connected.reduce((a, w) => a + w.runsDone, 0), 8);
    assert.deepEqual([waiting, active], [0, 0]);
  });

  test('a worker SIGKILLed mid-run: the other finishes the run from its last checkpoint, every epoch once', async (t) => {
    const dir = tempDir(t, 'pwb-queue-kill-');
    const specPath = faults.specPath;

    const port = await freePort();
    await startRedis(t, dir, port);
    const box = sandbox(dir, 'queued.sqlite');
    const first = startWorker(t, box, port, ['--lock-seconds', '2']);
    const run = queued(box, specPath, port);
    // The baseline's second epoch reported: kill that worker mid-run, then start another.
    await waitFor('the first worker\'s second epoch', () => /baseline seed 1 .*: epoch 2\/4/.test(first.log()));
    first.child.kill('SIGKILL');
    const second = startWorker(t, box, port, ['--lock-seconds', '2']);
    const r = await run.done;
    assert.equal(r.code, 0, `${r.stderr}\nfirst:\n${first.log()}\nsecond:\n${second.log()}`);
    assert.match(second.log(), /baseline seed 1 .*: training from epoch [2-4] /, 'the second worker resumed the baseline where the first left it');
    assert.deepEqual(table(box.db), faults.reference, 'every epoch once, the same values as an uninterrupted run');
  });

  test('Redis stopped for 5 s and restarted mid-experiment: the experiment still finishes, the same as a local one', async (t) => {
    const dir = tempDir(t, 'pwb-queue-redis-');
    const specPath = faults.specPath;

    const port = await freePort();
    let redis = await startRedis(t, dir, port);
    const box = sandbox(dir, 'queued.sqlite');
    const workers = [startWorker(t, box, port), startWorker(t, box, port)];
    const run = queued(box, specPath, port);
    await waitFor('a baseline epoch', () => workers.some((w) => /baseline seed \d .*: epoch 1\/4/.test(w.log())));
    const stopped = new Promise((resolve) => redis.once('exit', resolve));
    redis.kill('SIGTERM');
    await stopped;
    await new Promise((r) => setTimeout(r, 5000));
    redis = await startRedis(t, dir, port);
    const r = await run.done;
    assert.equal(r.code, 0, `${r.stderr}\n${workers.map((w) => w.log()).join('\n')}`);
    assert.deepEqual(table(box.db), faults.reference);
  });

  test('the coordinator SIGKILLed mid-run: the worker trains on, and `pwb resume --queue` collects everything, the same as a local experiment', async (t) => {
    const dir = tempDir(t, 'pwb-queue-coordinator-');
    const specPath = faults.specPath;

    const port = await freePort();
    await startRedis(t, dir, port);
    const box = sandbox(dir, 'queued.sqlite');
    const worker = startWorker(t, box, port);
    const first = queued(box, specPath, port);
    await waitFor('the baseline\'s first epoch', () => /baseline seed 1 .*: epoch 1\/4/.test(worker.log()));
    first.kill('SIGKILL');
    await first.done;
    await waitFor('the worker to notice', () => /unreachable .*training goes on/.test(worker.log()));
    const resumed = await box.run(['resume', '1', '--threads', '1', '--queue', `redis://127.0.0.1:${port}`], { timeoutMs: 300_000, env: { PWB_WORKER_TOKEN: TOKEN } });
    assert.equal(resumed.code, 0, `${explain(resumed)}\nworker:\n${worker.log()}`);
    assert.match(worker.log(), /reachable again/);
    assert.deepEqual(table(box.db), faults.reference);
  });

  test('Ctrl-C on the coordinator cancels the run its worker holds within a step, and nothing is left on the queue', async (t) => {
    const dir = tempDir(t, 'pwb-queue-cancel-');
    const specPath = join(dir, 'spec.json');
    // A long baseline: the cancel, not the end of the run, must stop it.
    writeFileSync(specPath, JSON.stringify(spec('cancel', 40, [1, 2], ['finetune'])));
    const port = await freePort();
    await startRedis(t, dir, port);
    const box = sandbox(dir, 'queued.sqlite');
    const worker = startWorker(t, box, port);
    const run = queued(box, specPath, port);
    await waitFor('a baseline\'s first epoch', () => /baseline seed \d .*: epoch 1\/40/.test(worker.log()));
    run.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.code, 130, `${r.stderr}\nworker:\n${worker.log()}`);
    assert.match(r.stderr, /cancelled; its worker stopped it within a step/);
    assert.match(worker.log(), /baseline seed \d .*: cancelled by the coordinator/);
    const db = new Database(box.db, { readonly: true });
    const runs = db.prepare('SELECT status, epochs_done, error FROM runs ORDER BY id').all() as Array<{ status: string; epochs_done: number; error: string }>;
    assert.equal(db.prepare('SELECT status FROM experiments').pluck().get(), 'cancelled');
    db.close();
    assert.deepEqual(runs.map((x) => x.status).sort(), ['cancelled', 'cancelled']);
    assert.ok(runs.every((x) => x.epochs_done < 40), JSON.stringify(runs));
    // One worker: the other seed's baseline was still waiting, and left the queue untrained.
    assert.ok(runs.some((x) => x.epochs_done === 0 && x.error === 'cancelled before a worker took its run up'), JSON.stringify(runs));
    const listed = await box.run(['workers', '--queue', `redis://127.0.0.1:${port}`, '--json']);
    const counts = JSON.parse(listed.stdout) as { waiting: number; active: number; workers: Array<{ run: string | null }> };
    assert.deepEqual([counts.waiting, counts.active], [0, 0], 'nothing left on the queue');
    assert.deepEqual(counts.workers.map((w) => w.run), [null], 'the worker is idle again');
  });

  test('a worker whose copy of the dataset differs refuses the run in one line; a worker with the same data trains it', async (t) => {
    const dir = tempDir(t, 'pwb-queue-data-');
    // The same id (a relative cifar10 folder) names different data where the process runs.
    for (const [where, labelShift] of [['coordinator', 0], ['elsewhere', 1]] as const) writeCifar(join(dir, where, 'cifar'), labelShift);
    const specPath = join(dir, 'spec.json');
    writeFileSync(specPath, JSON.stringify({
      ...spec('dataset check', 1, [1]), dataset: 'cifar10:cifar', regimes: ['finetune'],
      baseline: { epochs: 1, trainLimit: 128, testLimit: 64, batchSize: 64 }, finetune: { epochs: 1, trainLimit: 128, testLimit: 64 },
    }));
    const port = await freePort();
    await startRedis(t, dir, port);
    const box = sandbox(dir, 'queued.sqlite');
    const other = startWorker(t, box, port, [], join(dir, 'elsewhere'));
    const run = queued(box, specPath, port, join(dir, 'coordinator'));
    await waitFor('the refusal', () => /refused: /.test(other.log()));
    const refusals = other.log().split('\n').filter((l) => l.includes('refused: '));
    assert.match(refusals[0]!, /^baseline seed 1 \(experiment 1, run 1\): refused: dataset 'cifar10:cifar' here differs from the coordinator's \(fingerprint [0-9a-f]{12}…, the coordinator's [0-9a-f]{12}…\); give this worker the same data$/);
    const same = startWorker(t, box, port, [], join(dir, 'coordinator'));
    const r = await run.done;
    assert.equal(r.code, 0, `${r.stderr}\nother:\n${other.log()}\nsame:\n${same.log()}`);
    assert.doesNotMatch(other.log(), /: training on /, 'the worker with other data trained nothing');
    const refusedRuns = other.log().split('\n').filter((l) => l.includes('refused: ')).map((l) => l.slice(0, l.indexOf(': refused')));
    assert.deepEqual(refusedRuns, [...new Set(refusedRuns)], `each run refused once, though handed back while this worker was alone:\n${other.log()}`);
    assert.match(same.log(), /baseline seed 1 .*: training on /);
  });

  test('--gpus 0,1: one worker per device, named after it, each seeing only its GPU; a stop reaches both', async (t) => {
    const dir = tempDir(t, 'pwb-queue-gpus-');
    const port = await freePort();
    await startRedis(t, dir, port);
    const box = sandbox(dir, 'queued.sqlite');
    const pair = startWorker(t, box, port, ['--gpus', '0,1', '--name', 'box']);
    type Listed = { workers: Array<{ name: string }> };
    const list = async (): Promise<Listed> => JSON.parse((await box.run(['workers', '--queue', `redis://127.0.0.1:${port}`, '--json'])).stdout) as Listed;
    let seen = await list();
    for (let i = 0; i < 100 && seen.workers.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await list();
    }
    assert.deepEqual(seen.workers.map((w) => w.name), ['box:gpu0', 'box:gpu1'], pair.log());
    const exited = new Promise((resolve) => pair.child.once('exit', resolve));
    pair.child.kill('SIGTERM');
    await exited;
    assert.deepEqual((await list()).workers, [], 'both left the registry as they stopped');
    assert.equal(lines(pair.log()).filter((l) => l === 'worker: stopping').length, 2);
  });
});


/** A CIFAR-10 binary folder: 5 training batches of 64 records and a test batch of 64, labels shifted by `labelShift`. */
function writeCifar(dir: string, labelShift: number): void {
  mkdirSync(dir, { recursive: true });
  const record = 1 + 3 * 32 * 32;
  let k = 0;
  for (const name of ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']) {
    const bytes = new Uint8Array(64 * record);
    for (let i = 0; i < 64; i++, k++) {
      const label = k % 10;
      bytes[i * record] = (label + labelShift) % 10;
      // The class shows in the pixels (a brightness per class), so the network has something to learn.
      bytes.fill(20 + label * 20 + (k % 7), i * record + 1, (i + 1) * record);
    }
    writeFileSync(join(dir, name), bytes);
  }
}
