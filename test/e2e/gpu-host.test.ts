// The desktop app's GPU path in Chromium: the hidden window's page (src-gpu-host, built to out/gpu-host)
// gets an engine channel as the app's preload hands it one (a window message carrying a port), its engine
// Worker says hello on Chromium's WebGPU — here SwiftShader, headless with --enable-unsafe-webgpu — and
// this process trains through it over the engine protocol exactly as the app's job process does:
// the loop, the data and the checkpoints here, the network there. Where no Worker can start the page
// runs the engine itself, with the same numbers. One step's loss and updated weights
// match the cpu backend's (1e-4 relative); a short run (train() with `remote`) matches cpu's metrics and
// writes a checkpoint with the trained weights. Skipped, with the reason, where /usr/bin/chromium is absent.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import type { ArchSpec } from '../../src-shared/arch-spec.ts';
import { defaultTrainConfig, type TrainConfig } from '../../src-shared/train-config.ts';
import { selectBackend } from '../../src-main/engine/backend/select-backend.ts';
import type { Dataset, DatasetSplit } from '../../src-main/engine/datasets/dataset.ts';
import { Model } from '../../src-main/engine/models/model.ts';
import { isEngineHello, type EnginePort } from '../../src-main/engine/remote/engine-protocol.ts';
import { describeDevice, type AdapterProbe } from '../../src-main/engine/backend/webgpu-adapter.ts';
import { GPU_ENGINE_PORT_MESSAGE } from '../../src-shared/gpu-engine-messages.ts';
import { connectRemoteRunner } from '../../src-main/engine/remote/remote-step-runner.ts';
import { Rng } from '../../src-main/engine/random.ts';
import { readCheckpoint } from '../../src-main/engine/training/checkpoint.ts';
import { Sgd } from '../../src-main/engine/training/sgd.ts';
import { trainStep } from '../../src-main/engine/training/step.ts';
import { LAST_CHECKPOINT, train } from '../../src-main/engine/training/train.ts';
import { relativeError } from '../engine/pruning/helpers.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const OUT = path.join(repo, 'out/gpu-host');
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;

/** The newest modification time of the files under `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) t = Math.max(t, statSync(path.join(e.parentPath, e.name)).mtimeMs);
  return t;
}

async function buildIfStale(): Promise<void> {
  const built = path.join(OUT, 'index.html');
  const sources = Math.max(...['src-gpu-host', 'src-main/engine', 'src-shared'].map((d) => newest(path.join(repo, d))));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  const vite = path.join(repo, 'node_modules/vite/bin/vite.js');
  await promisify(execFile)(process.execPath, [vite, 'build', '--config', 'src-gpu-host/vite.config.ts'], { cwd: repo, timeout: 180_000 });
}

/** While true, the engine Worker's script is not served: its load fails, as a Worker can fail to start in the app. */
let withholdWorker = false;

/** out/gpu-host on 127.0.0.1 (a secure context, where Chromium offers WebGPU). */
function serveStatic(): Promise<{ server: Server; origin: string }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };
  const server = createServer((req, res) => {
    const file = path.join(OUT, path.normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^[/\\]+/, '') || 'index.html');
    if (withholdWorker && /engine-worker/.test(path.basename(file))) return void res.writeHead(404).end();
    if (!file.startsWith(OUT) || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

const SIZE = 8;
const spec: ArchSpec = { family: 'vgg', input: [SIZE, SIZE, 3], classes: 4, cfg: [8, 'M', 16], pool: 'global_avg', fc: [] };
const config: TrainConfig = { ...defaultTrainConfig, epochs: 2, batchSize: 16, testBatchSize: 32, lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4, seed: 3 };

function split(n: number, seed: number): DatasetSplit {
  const rng = Rng.fromSeed(seed, 'gpu-host');
  const labels = Int32Array.from({ length: n }, (_, i) => i % 4);
  const per = SIZE * SIZE * 3;
  const pixels = Uint8Array.from({ length: n * per }, (_, p) => {
    const label = labels[Math.floor(p / per)]!;
    return Math.max(0, Math.min(255, Math.round((p % 3 === label % 3 ? 170 : 80) + (label === 3 ? 30 : 0) + 35 * rng.normal())));
  });
  return {
    size: n, labels,
    async read(indices) {
      const out = new Uint8Array(indices.length * per);
      Array.from(indices).forEach((idx, k) => out.set(pixels.subarray(idx * per, (idx + 1) * per), k * per));
      return out;
    },
  };
}
const dataset: Dataset = {
  id: 'synthetic', name: 'synthetic', source: 'test', inputShape: [SIZE, SIZE, 3], classNames: ['r', 'g', 'b', 'bright'],
  mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], augmentByDefault: false, train: split(64, 1), test: split(32, 2),
};

/**
 * Opens an engine channel to the page as the app's preload does (a window message carrying one port),
 * relays its other end to this process, and waits for the engine's hello.
 */
async function connectEngine(page: Page): Promise<{ hello: AdapterProbe; port: EnginePort }> {
  const handlers = new Set<(m: unknown) => void>();
  let hello: (h: AdapterProbe) => void = () => {};
  const helloed = new Promise<AdapterProbe>((resolve) => (hello = resolve));
  const name = `pwbEngineReply${++channels}`;
  await page.exposeFunction(name, (m: unknown) => {
    if (isEngineHello(m)) return hello(m.hello);
    for (const h of handlers) h(m);
  });
  const type = GPU_ENGINE_PORT_MESSAGE;
  // Runs in the page (no DOM types here: the page's globals are typed by hand).
  await page.evaluate(({ name, type }) => {
    type PagePort = { onmessage: ((e: { data: unknown }) => void) | null };
    const g = globalThis as unknown as Record<string, unknown> & { postMessage(m: unknown, origin: string, transfer: unknown[]): void };
    const { port1, port2 } = new MessageChannel();
    (port2 as unknown as PagePort).onmessage = (e) => void (g[name] as (m: unknown) => void)(e.data);
    g[`${name}Port`] = port2;
    g.postMessage({ type }, '*', [port1]);
  }, { name, type });
  let goneWith: (why: string) => void = () => {};
  const closed = new Promise<string>((resolve) => (goneWith = resolve));
  page.on('crash', () => goneWith('the page crashed'));
  page.on('close', () => goneWith('the page closed'));
  const port: EnginePort = {
    post: (m) => void page.evaluate(({ name, m }) => ((globalThis as unknown as Record<string, { postMessage(m: unknown): void }>)[`${name}Port`]!).postMessage(m), { name, m })
      .catch((e: Error) => goneWith(`a message did not reach the page: ${e.message.split('\n')[0]}`)),
    listen(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    closed,
  };
  return { hello: await helloed, port };
}
let channels = 0;

/** One step through `port` against the same step here: loss, hits, weights and momentum within 1e-4. */
async function stepMatchesCpu(port: EnginePort, expectedAdapter: string): Promise<void> {
  const initial = Model.create(spec, Rng.fromSeed(5, 'init'));
  const weights = await initial.exportWeights();
  initial.dispose();
  const x = Float32Array.from({ length: 16 * SIZE * SIZE * 3 }, (_, i) => Math.sin(i * 0.37));
  const y = Int32Array.from({ length: 16 }, (_, i) => i % 4);
  const sgdOptions = { momentum: 0.9, nesterov: true, weightDecay: 5e-4 };

  const here = Model.fromWeights(spec, weights);
  const hereSgd = new Sgd(sgdOptions);
  const expected = await trainStep(here, hereSgd, here.trainable(), x, y, 16, 0.1);

  const mirror = Model.fromWeights(spec, weights);
  const mirrorSgd = new Sgd(sgdOptions);
  const runner = await connectRemoteRunner(port, mirror, mirrorSgd, sgdOptions);
  assert.deepEqual(runner.device, { backend: 'webgpu', adapter: expectedAdapter });
  const got = await runner.step(x, y, 16, 0.1);
  await runner.pull!();
  await runner.dispose();
  assert.ok(Math.abs(got.loss - expected.loss) <= 1e-4 * Math.abs(expected.loss), `loss ${got.loss} vs cpu ${expected.loss}`);
  assert.equal(got.hits, expected.hits);
  const [a, b] = [await here.exportWeights(), await mirror.exportWeights()];
  for (const [name, v] of a) {
    const e = relativeError(b.get(name)!, v);
    assert.ok(e <= 1e-4, `${name} after the step: ${e.toExponential(2)} relative to cpu`);
  }
  const [ma, mb] = [await hereSgd.exportState(), await mirrorSgd.exportState()];
  for (const [name, v] of ma) assert.ok(relativeError(mb.get(name)!, v) <= 1e-4, `momentum of ${name}`);
  for (const m of [here, mirror]) m.dispose();
  hereSgd.dispose();
  mirrorSgd.dispose();
}

describe('the desktop GPU host: training through the engine Worker on Chromium\'s WebGPU (SwiftShader)', { skip, timeout: 300_000 }, () => {
  let browser: Browser;
  let page: Page;
  let server: Server;
  let port: EnginePort;
  let served: { server: Server; origin: string };
  let adapter = '';
  const dir = mkdtempSync(path.join(tmpdir(), 'pwb-gpu-host-'));
  const pageErrors: string[] = [];

  before(async () => {
    await buildIfStale();
    await selectBackend('cpu');
    served = await serveStatic();
    server = served.server;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--no-first-run'] });
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${served.origin}/index.html`);
    const engine = await connectEngine(page);
    assert.ok(engine.hello.ok, `the engine worker's WebGPU did not start: ${engine.hello.ok ? '' : engine.hello.why}`);
    adapter = describeDevice(engine.hello);
    port = engine.port;
  });

  after(async () => {
    await browser?.close();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one step in the engine Worker: the loss and the updated weights match the cpu backend here, and the engine names its adapter', async () => {
    assert.match(adapter, /^software adapter \(.*swiftshader/i, adapter);
    assert.equal(page.workers().length, 1, 'the engine runs in its Worker');
    await stepMatchesCpu(port, adapter);
  });

  it('a short run through it (train() with remote): cpu\'s metrics within float32 noise, and a checkpoint of the trained weights', async () => {
    const run = async (remote?: EnginePort) => {
      const model = Model.create(spec, Rng.fromSeed(5, 'init'));
      const checkpointDir = path.join(dir, remote ? 'remote' : 'local');
      try {
        const result = await train({ model, dataset, config, checkpointDir, ...(remote ? { remote } : {}) });
        return { result, weights: await model.exportWeights(), checkpoint: readCheckpoint(path.join(checkpointDir, LAST_CHECKPOINT)) };
      } finally {
        model.dispose();
      }
    };
    const local = await run();
    const remote = await run(port);
    assert.equal(remote.result.history.length, 2);
    remote.result.history.forEach((m, i) => {
      const l = local.result.history[i]!;
      assert.ok(Math.abs(m.trainLoss - l.trainLoss) <= 1e-3 * l.trainLoss, `epoch ${m.epoch} train loss ${m.trainLoss} vs cpu ${l.trainLoss}`);
      assert.ok(Math.abs(m.testLoss - l.testLoss) <= 1e-3 * l.testLoss, `epoch ${m.epoch} test loss ${m.testLoss} vs cpu ${l.testLoss}`);
      assert.ok(Math.abs(m.testAcc - l.testAcc) <= 1 / 32 + 1e-9, `epoch ${m.epoch} test accuracy ${m.testAcc} vs cpu ${l.testAcc}`);
    });
    for (const [name, v] of remote.weights) {
      assert.ok(Buffer.from(v.buffer).equals(Buffer.from(remote.checkpoint.weights.get(name)!.buffer)), `the checkpoint holds the trained ${name}`);
      assert.ok(relativeError(v, local.weights.get(name)!) <= 1e-3, `${name}: ${relativeError(v, local.weights.get(name)!).toExponential(2)} relative to cpu after 2 epochs`);
    }
    assert.deepEqual(pageErrors, []);
  });

  it('where the engine Worker cannot load, the page runs the engine itself: the same step, the same numbers', async () => {
    const onPage = await browser.newPage();
    const warnings: string[] = [];
    withholdWorker = true;
    try {
      onPage.on('pageerror', (e) => pageErrors.push(e.message));
      onPage.on('console', (m) => void (m.type() === 'warning' && warnings.push(m.text())));
      await onPage.goto(`${served.origin}/index.html`);
      const engine = await connectEngine(onPage);
      assert.ok(engine.hello.ok, engine.hello.ok ? '' : engine.hello.why);
      assert.ok(warnings.some((w) => /the engine Worker failed to load .*: the engine runs on the page/.test(w)), warnings.join(' | '));
      await stepMatchesCpu(engine.port, adapter);
    } finally {
      withholdWorker = false;
      await onPage.close();
    }
    assert.deepEqual(pageErrors, []);
  });
});
