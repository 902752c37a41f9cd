// A desktop-app job and its GPU engine, without Electron: the job asks its parent port for a channel
// (as it asks Electron's main), the "engine" is a Node worker thread that says hello as the GPU window's
// Worker does, and the parent port and the job's end of the channel are Node stand-ins for Electron's.
// Selection then takes webgpu over that channel (a software adapter only when forced), with a local
// backend beside it; a run trained through it is stored as webgpu with a reason naming the app's GPU
// window, and its numbers equal the same run trained here on wasm; a method whose gradient term is code
// trains here and says so; what goes wrong before the hello is one line, and auto moves on.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { isWantGpuEngine } from '../../src-shared/gpu-engine-messages.ts';
import { offerRemoteWebGpu, takeRemoteEngine } from '../../src-main/engine/backend/remote-webgpu.ts';
import { attemptBackend, selectBackend } from '../../src-main/engine/backend/select-backend.ts';
import type { MainPortLike } from '../../src-main/engine/remote/engine-protocol.ts';
import { requestGpuEngine, type ParentPortLike } from '../../src-main/jobs/gpu-engine-request.ts';
import { createTrainRun, executeRun, prepareTrainRun } from '../../src-main/jobs/train-run.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { listEpochMetrics } from '../../src-main/store/metrics.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-gpu-request-'));
const workers: Worker[] = [];
after(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
  rmSync(dir, { recursive: true, force: true });
});

const GPU = { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: '', isFallbackAdapter: false };
const SOFTWARE = { vendor: 'google', architecture: 'swiftshader', device: 'SwiftShader Device', description: 'SwiftShader', isFallbackAdapter: true };
const hello = (adapter: typeof GPU, software: boolean) => ({ ok: true, adapter, software, host: "the browser's WebGPU" });

/** Electron's MessagePortMain, over a Node MessagePort: message events carry `data`. */
function mainEnd(port: MessagePort): MainPortLike {
  const wrapped = new Map<unknown, (value: unknown) => void>();
  const end = {
    postMessage: (m: unknown) => port.postMessage(m),
    on(event: 'message' | 'close', listener: (e?: { data: unknown }) => void) {
      if (event === 'close') port.on('close', () => listener());
      else {
        const w = (value: unknown): void => listener({ data: value });
        wrapped.set(listener, w);
        port.on('message', w);
      }
      return end;
    },
    removeListener(_event: 'message', listener: unknown) {
      port.off('message', wrapped.get(listener)!);
      return end;
    },
    start: () => port.start(),
  };
  return end as MainPortLike;
}

async function engineThread(helloMessage: unknown): Promise<Worker> {
  const worker = new Worker(new URL('./gpu-engine-thread.ts', import.meta.url), { workerData: { hello: helloMessage } });
  workers.push(worker);
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => resolve());
  });
  return worker;
}

/** A utility process's parent port, whose "main" answers a want-gpu-engine as `answer` says. */
function parentPort(answer: (reply: (data: unknown, ports?: MainPortLike[]) => void) => void): ParentPortLike & { asked: number } {
  const emitter = new EventEmitter();
  const parent = {
    asked: 0,
    postMessage(message: unknown) {
      if (!isWantGpuEngine(message)) return;
      parent.asked++;
      answer((data, ports = []) => setImmediate(() => emitter.emit('message', { data, ports })));
    },
    on: (event: 'message', l: (e: { data: unknown; ports: MainPortLike[] }) => void) => emitter.on(event, l),
    removeListener: (event: 'message', l: (e: { data: unknown; ports: MainPortLike[] }) => void) => emitter.removeListener(event, l),
  };
  return parent;
}

/** Main as the app has it: a new channel per request, one end to the engine, the other to the job. */
function connectingTo(worker: Worker): ParentPortLike & { asked: number } {
  return parentPort((reply) => {
    const { port1, port2 } = new MessageChannel();
    worker.postMessage({ connect: true, port: port1 }, [port1]);
    reply({ type: 'gpu-engine' }, [mainEnd(port2)]);
  });
}

test('before the hello: main refusing, main silent, or the engine\'s WebGPU not starting — one line each, and webgpu fails with it', async () => {
  const refused = await requestGpuEngine(parentPort((reply) => reply({ type: 'gpu-engine', error: 'the GPU engine page out/gpu-host/index.html did not load: ERR_FILE_NOT_FOUND' })));
  assert.deepEqual(refused, { why: "webgpu: the app's GPU window: the GPU engine page out/gpu-host/index.html did not load: ERR_FILE_NOT_FOUND" });
  const silent = await requestGpuEngine(parentPort(() => {}), 200);
  assert.deepEqual(silent, { why: "webgpu: the app's GPU window did not answer within 0.2 s" });
  const noAdapter = await requestGpuEngine(connectingTo(await engineThread({ ok: false, why: "webgpu: no adapter from the browser's WebGPU" })));
  assert.ok('why' in noAdapter);
  assert.match(noAdapter.why, /^webgpu in the app's GPU window: webgpu: no adapter from the browser's WebGPU/);
  if (process.platform === 'linux') assert.match(noAdapter.why, /PWB_ENABLE_UNSAFE_WEBGPU=1/);
  offerRemoteWebGpu(noAdapter);
  const attempt = await attemptBackend('webgpu');
  assert.deepEqual(attempt, { ok: false, why: noAdapter.why });
  assert.throws(() => takeRemoteEngine(), /no channel to the app's GPU window/);
});

test('a software adapter in the GPU window: auto passes it by (saying why), --backend webgpu takes it, with a local backend beside it', async () => {
  const parent = connectingTo(await engineThread(hello(SOFTWARE, true)));
  const remote = await requestGpuEngine(parent);
  assert.equal(parent.asked, 1);
  assert.ok('port' in remote, JSON.stringify(remote));
  offerRemoteWebGpu(remote);
  const auto = await selectBackend('auto');
  assert.notEqual(auto.name, 'webgpu');
  assert.match(auto.reason, /webgpu skipped: the app's GPU window has only a software renderer \(google swiftshader: SwiftShader\)/);
  const forced = await selectBackend('webgpu');
  assert.equal(forced.name, 'webgpu');
  assert.equal(forced.gpu, false);
  assert.match(forced.reason, /^Chromium's WebGPU on google swiftshader: SwiftShader, in the app's GPU window; (tensorflow|wasm|cpu) here for the rest — a software renderer/);
  assert.ok(forced.local && forced.local.name !== 'webgpu', 'no local backend beside the remote one');
});

test('a run through the GPU window: stored as webgpu, its reason naming the window, its numbers those of the same run here; one run at a time', async () => {
  const config = { epochs: 2, lr: 0.05, seed: 3, trainLimit: 96, testLimit: 64, batchSize: 32 };
  const trained = async (backend: 'wasm' | 'webgpu', extras = {}) => {
    const dbPath = join(dir, `${backend}-${Object.keys(extras).length}.sqlite`);
    const db = openDatabase(dbPath);
    try {
      const request = { arch: 'vgg_mini', dataset: 'fashion-mnist-mini', backend, config, threads: 1 };
      const prepared = await prepareTrainRun(request);
      const run = await executeRun(db, createTrainRun(db, dbPath, request, prepared).id, prepared, {}, extras);
      return { run, epochs: listEpochMetrics(db, run.id) };
    } finally {
      db.close();
    }
  };
  const here = await trained('wasm');
  offerRemoteWebGpu(await requestGpuEngine(connectingTo(await engineThread(hello(GPU, false)))));
  const there = await trained('webgpu');
  assert.equal(there.run.status, 'completed');
  assert.equal(there.run.backend, 'webgpu');
  assert.match(there.run.backendReason ?? '', /^Chromium's WebGPU in the app's GPU window \(@tensorflow\/tfjs-backend-webgpu\): Chromium's WebGPU on nvidia hopper: NVIDIA H200, in the app's GPU window; \w+ here for the rest/);
  assert.equal(there.epochs.length, 2);
  there.epochs.forEach((m, i) => {
    const l = here.epochs[i]!;
    assert.ok(Math.abs(m.trainLoss! - l.trainLoss!) <= 1e-4 * l.trainLoss!, `epoch ${m.epoch}: train loss ${m.trainLoss} there, ${l.trainLoss} here`);
    assert.ok(Math.abs(m.testLoss! - l.testLoss!) <= 1e-4 * l.testLoss!, `epoch ${m.epoch}: test loss ${m.testLoss} there, ${l.testLoss} here`);
    assert.equal(m.trainAcc, l.trainAcc);
  });
  assert.ok(there.epochs[1]!.trainLoss! < there.epochs[0]!.trainLoss!, 'it learns');

  const engine = takeRemoteEngine();
  assert.throws(() => takeRemoteEngine(), /one run at a time/);
  engine.release();
  takeRemoteEngine().release();

  // A gradient term is code: that run trains on the local backend, and its record says why.
  let calls = 0;
  const local = await trained('webgpu', { regularizer: () => void calls++ });
  assert.equal(local.run.status, 'completed');
  assert.notEqual(local.run.backend, 'webgpu');
  assert.ok(calls > 0, 'the regulariser ran here');
  assert.match(local.run.backendReason ?? '', /not in the app's GPU window: this method's own gradient term or update rule runs only beside the training loop$/);
});
