// Drives the renderer in Debian's Chromium (playwright-core) against the real `pwb serve` over a
// fresh database: a small real experiment (vgg_mini on fashion-mnist-mini, 2 seeds, all three
// regimes) is run through the API, then the views are checked and photographed at 1280×800 into
// test-output/screenshots/. A second experiment, started from the New experiment form, shows the
// live chart growing and is cancelled; a third imports a TF.js model through the form's file picker and
// runs with it as the trained baseline; a fourth shows a Fisher planning's removals and is cancelled there. Skipped, with the reason, where /usr/bin/chromium is absent.
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import type { CallName, CallResults } from '../../src-shared/workbench-api.ts';
import '../../src-main/engine/tf.ts';
import { saveTinyTfjsCnn } from '../engine/import/save-tfjs-model.ts';
import { freePort, redisSkip, startRedis } from '../queue/redis-server.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(repo, 'test-output/screenshots');
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;

/** The small experiment of the brief: ~25 s on a 2-core CPU. */
const SMALL_SPEC = {
  version: 1,
  name: 'UI e2e: vgg_mini on fashion-mnist-mini',
  dataset: 'fashion-mnist-mini',
  arch: 'vgg_mini',
  method: { id: 'l1_norm', params: { ratios: [0, 0.5, 0.5] } },
  regimes: ['finetune', 'scratch-e', 'scratch-b'],
  seeds: [1, 2],
  baseline: { epochs: 2, trainLimit: 256, testLimit: 200 },
  finetune: { epochs: 1, trainLimit: 256, testLimit: 200 },
};

/** The newest modification time under the given paths (files or folders). */
function newest(paths: string[]): number {
  let t = 0;
  for (const p of paths) {
    const s = statSync(p);
    if (s.isFile()) t = Math.max(t, s.mtimeMs);
    else for (const e of readdirSync(p, { recursive: true, withFileTypes: true })) if (e.isFile()) t = Math.max(t, statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

async function buildRendererIfStale(): Promise<void> {
  const built = path.join(repo, 'out/renderer/index.html');
  const sources = newest(['src-renderer', 'src-shared', 'electron.vite.config.ts'].map((p) => path.join(repo, p)));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  const cli = path.join(repo, 'node_modules/electron-vite/bin/electron-vite.js');
  await promisify(execFile)(process.execPath, [cli, 'build', '--logLevel', 'warn'], { cwd: repo, timeout: 180_000 });
}

/** Starts `pwb serve` on a free port and resolves to the URL it prints. */
function startServer(db: string, extra: string[] = [], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: URL }> {
  const child = spawn(process.execPath, [path.join(repo, 'bin/pwb.js'), '--db', db, 'serve', '--port', '0', ...extra], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`pwb serve printed no URL in 30 s:\n${out}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: new URL(m[1]!) });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pwb serve exited with ${code}:\n${out}`));
    });
  });
}

describe('the UI against pwb serve', { skip, timeout: 600_000 }, () => {
  let dir = '';
  let db = '';
  let server: ChildProcess | undefined;
  let url: URL;
  let base = '';
  let cookie = '';
  let browser: Browser | undefined;
  let page: Page;
  let smallId = 0;
  let liveId = 0;

  async function call<N extends CallName>(name: N, args?: unknown): Promise<CallResults[N]> {
    const res = await fetch(`${base}/api/call/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify(args ?? null),
    });
    const reply = (await res.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
    if (!reply.ok) throw new Error(`${name}: ${reply.error?.message}`);
    return reply.value as CallResults[N];
  }

  async function waitForStatus(id: number, done: (s: string) => boolean, timeoutMs: number): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const { experiment } = await call('getExperiment', { id });
      if (done(experiment.status)) return experiment.status;
      if (Date.now() > end) throw new Error(`experiment ${id} still ${experiment.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async function open(hash: string): Promise<void> {
    await page.goto(`${base}/${hash}`);
  }

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
  }

  const pageErrors: string[] = [];

  before(async () => {
    await buildRendererIfStale();
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(path.join(tmpdir(), 'pwb-ui-'));
    db = path.join(dir, 'workbench.db');
    ({ child: server, url } = await startServer(db));
    base = url.origin;
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 200, 'GET /?token=… serves the page');
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.match(cookie, /^pwb_token_\d+=/);
    smallId = (await call('startExperiment', { spec: SMALL_SPEC })).id;

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url.href); // sets the cookie; every later page load is authorised by it
  });

  after(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the experiment, and its runs show status while it trains', async () => {
    await open('#/');
    await page.waitForSelector('[data-testid="experiment-row"]');
    assert.match(await page.textContent('[data-testid="experiment-row"]') ?? '', /UI e2e: vgg_mini/);
    await waitForStatus(smallId, (s) => s === 'completed' || s === 'failed', 240_000);
    await open(`#/experiments/${smallId}`);
    await page.waitForSelector('[data-testid="run-row"]');
    assert.equal(await page.locator('[data-testid="run-row"][data-status="completed"]').count(), 8);
    assert.match(await page.textContent('[data-testid="backend"]') ?? '', /backend:\s+\S+/);
    await page.waitForFunction(() => Number((globalThis as any).document.querySelector('[data-testid="live-chart"]')?.dataset.points) > 0);
    await shot('experiment');
    await open('#/');
    await page.waitForSelector('[data-testid="experiment-row"]');
    assert.match(await page.textContent('[data-testid="experiment-row"]') ?? '', /completed/);
    await shot('experiments');
  });

  it('compares fine-tuned, Scratch-E and Scratch-B with a verdict, and draws the widths', async () => {
    await open(`#/experiments/${smallId}/compare`);
    await page.waitForSelector('[data-testid="compare-table"]');
    const regimes = await page.locator('[data-testid="compare-row"]').evaluateAll((rows) => rows.map((r) => (r as any).dataset.regime));
    assert.deepEqual(regimes, ['baseline', 'finetune', 'scratch-e', 'scratch-b']);
    const verdicts = await page.locator('[data-testid="compare-row"] [data-testid="verdict"]').allTextContents();
    assert.match(verdicts[2]!.trim(), /^(equivalent|scratch better|fine-tuned better|inconclusive)\b/);
    assert.ok(Number(await page.getAttribute('[data-testid="arch-chart"]', 'data-bars')) > 0);
    assert.ok(Number(await page.getAttribute('[data-testid="compare-chart"]', 'data-points')) > 0);
    await shot('compare');
  });

  it('shows the paper-style Results table over the experiments', async () => {
    await open('#/results');
    await page.waitForSelector('[data-testid="results-table"]');
    const row = page.locator(`[data-testid="results-row"][data-experiment="${smallId}"]`);
    assert.equal(await row.count(), 1);
    const cells = await row.locator('[data-testid="results-cell"]').allTextContents();
    assert.equal(cells.length, 4, 'unpruned, fine-tuned, Scratch-E, Scratch-B');
    for (const c of cells) assert.match(c.trim(), /^\d+\.\d\d ± \d+\.\d\d/, c);
    const verdicts = await row.locator('[data-testid="results-verdict"]').allTextContents();
    for (const v of verdicts) assert.match(v.trim(), /^(equivalent ±0\.5 pp|scratch better|fine-tuned better|inconclusive)$/, v);
    assert.equal(await row.locator('[data-testid="published"]').count(), 0, 'no published numbers for an experiment no paper ran');
    // 2 seeds × (baseline, fine-tuned, Scratch-E, Scratch-B), one point per completed run.
    assert.equal(Number(await page.getAttribute('[data-testid="results-scatter"]', 'data-points')), 8);
    await shot('results');
  });

  it('plots a Study: accuracy against params, then against latency measured on demand, with CSV and PNG', async () => {
    await open(`#/study?ids=${smallId}`);
    await page.waitForSelector('[data-testid="study-table"]');
    // 2 seeds × 4 regimes: 8 run points, and 4 means (one per regime of the one experiment).
    assert.equal(Number(await page.getAttribute('[data-testid="study-chart"]', 'data-points')), 12);
    const regimes = await page.locator('[data-testid="study-row"]').evaluateAll((rows) => rows.map((r) => (r as any).dataset.regime));
    assert.deepEqual([...regimes].sort(), ['baseline', 'finetune', 'scratch-b', 'scratch-e']);
    assert.match(await page.textContent('[data-testid="study-latency"]') ?? '', /not measured yet/);
    assert.equal(await page.isDisabled('[data-testid="study-axis"] option[value="latency1"]'), true, 'no latency axis before a measurement');
    await page.fill('[data-testid="study-batch"]', '16');
    await page.click('[data-testid="study-measure"]');
    await page.waitForFunction(() => /latency on \S+/.test((globalThis as any).document.querySelector('[data-testid="study-latency"]')?.textContent ?? ''), null, { timeout: 120_000 });
    assert.match(await page.textContent('[data-testid="study-latency"]') ?? '', /for 2 of 2 architectures/, 'the baseline and the pruned network');
    for (const cell of await page.locator('[data-testid="study-latency1"]').allTextContents()) assert.match(cell.trim(), /^\d+\.\d\d$/);
    // Measuring switches the chart to latency at batch 1: every run and mean has a point there.
    assert.equal(await page.inputValue('[data-testid="study-axis"]'), 'latency1');
    assert.equal(await page.getAttribute('[data-testid="study-chart"]', 'data-x-label'), 'latency at batch 1 (ms)', 'the axis follows the choice');
    assert.equal(Number(await page.getAttribute('[data-testid="study-chart"]', 'data-points')), 12);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="study-csv"]')]);
    const rows = parse(readFileSync((await download.path())!, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    assert.equal(rows.length, 4);
    for (const r of rows) {
      assert.ok(Number(r.params) > 0 && Number(r.test_acc_mean) > 0.1, JSON.stringify(r));
      assert.ok(Number(r.latency_batch1_ms) > 0 && Number(r.latency_batch16_ms) > 0, JSON.stringify(r));
    }
    const pruned = rows.find((r) => r.regime === 'finetune')!;
    const large = rows.find((r) => r.regime === 'baseline')!;
    assert.ok(Number(pruned.params) < Number(large.params), 'the pruned network is the smaller one');
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="study-png"]')]);
    assert.ok(readFileSync((await png.path())!).subarray(1, 4).toString() === 'PNG', 'Save PNG gives a PNG');
    await shot('study');
  });

  it('downloads the runs and the summary as CSV that parses', async () => {
    await open(`#/experiments/${smallId}/export`);
    await page.waitForSelector('[data-testid="export-csv"]');
    const downloads: Array<Promise<string>> = [];
    const got = new Promise<void>((resolve) => {
      page.on('download', (d) => {
        downloads.push(d.path().then((p) => readFileSync(p, 'utf8')));
        if (downloads.length === 2) resolve();
      });
    });
    await page.click('[data-testid="export-csv"]');
    await got;
    const [runsCsv, summaryCsv] = await Promise.all(downloads);
    const runs = parse(runsCsv!, { columns: true }) as Array<Record<string, string>>;
    const summary = parse(summaryCsv!, { columns: true }) as Array<Record<string, string>>;
    assert.equal(runs.length, 8, 'one CSV row per run');
    assert.equal(summary.length, 4, 'one CSV row per regime');
    await page.waitForSelector('[data-testid="export-saved"]');
    await shot('export');
  });

  it('puts an experiment\'s learning rates side by side: a line per regime and rate, a column per rate', async () => {
    const rates = (await call('startExperiment', {
      spec: {
        version: 1, name: 'UI e2e: ticket at two rates', dataset: 'fashion-mnist-mini', arch: 'vgg_mini',
        method: { id: 'magnitude', params: { percent: 0.5 } }, learningRates: [0.1, 0.01], regimes: ['lottery', 'scratch-e'], seeds: [1],
        baseline: { epochs: 1, trainLimit: 256, testLimit: 200 },
      },
    })).id;
    assert.equal(await waitForStatus(rates, (s) => s === 'completed' || s === 'failed', 120_000), 'completed');
    await open(`#/experiments/${rates}/compare`);
    await page.waitForSelector('[data-testid="rate-table"]');
    const lines = await page.locator('[data-testid="compare-row"]').evaluateAll((rows) => rows.map((r) => `${(r as any).dataset.regime}@${(r as any).dataset.lr}`));
    assert.deepEqual(lines, ['baseline@0.1', 'scratch-e@0.1', 'lottery@0.1', 'baseline@0.01', 'scratch-e@0.01', 'lottery@0.01']);
    assert.deepEqual(await page.locator('[data-testid="rate-table"] th').allTextContents(), ['regime', 'lr 0.1acc % (mean ± std)', 'lr 0.01acc % (mean ± std)']);
    const rows = page.locator('[data-testid="rate-row"]');
    assert.deepEqual(await rows.evaluateAll((rs) => rs.map((r) => (r as any).dataset.regime)), ['baseline', 'scratch-e', 'lottery']);
    for (const cell of await rows.locator('td.num').allTextContents()) assert.match(cell.trim(), /^\d+\.\d\d ± \d+\.\d\d$/, cell);
    const verdicts = await page.locator('[data-testid="compare-row"][data-regime="lottery"] [data-testid="verdict"]').allTextContents();
    assert.equal(verdicts.length, 2, 'the ticket against random init at each rate');
    for (const v of verdicts) assert.match(v, /vs random init/);
    await page.locator('[data-testid="rate-table"]').scrollIntoViewIfNeeded();
    await shot('compare-rates');
  });

  it('validates the New experiment form inline, estimates the cost, and starts a run whose live chart grows', async () => {
    await open('#/new?preset=quickstart');
    await page.waitForSelector('[data-testid="cost-estimate"] table');
    await page.fill('#f-baseline-epochs', '0');
    await page.waitForSelector('[data-testid="field-error"]');
    assert.match(await page.textContent('[data-testid="field-error"]') ?? '', /≥ 1/);
    assert.equal(await page.isDisabled('[data-testid="start"]'), true);
    await page.fill('#f-baseline-epochs', '4');
    // Iterative pruning's rounds: bounded inline; 3 rounds of the preset's L1 ratios is a valid spec with a cost.
    await page.fill('#f-pruningRounds', '0');
    await page.waitForFunction(() => /≥ 1/.test((globalThis as any).document.querySelector('[data-testid="field-error"]')?.textContent ?? ''));
    await page.fill('#f-pruningRounds', '3');
    await page.waitForSelector('[data-testid="cost-estimate"] table');
    assert.equal(await page.locator('[data-testid="field-error"]').count(), 0, 'L1 with ratios prunes in rounds');
    await page.fill('#f-pruningRounds', '');
    await page.fill('#f-name', 'UI e2e: live chart');
    await page.fill('#f-seeds', '3');
    // Long enough that it is still training when the next test cancels it, on any backend (native
    // TensorFlow trains vgg_mini ≈ 3× faster than wasm): the chart must grow, and Cancel be enabled.
    await page.fill('#f-baseline-epochs', '400');
    await page.fill('#f-baseline-trainLimit', '256');
    await page.fill('#f-baseline-testLimit', '200');
    await page.waitForSelector('[data-testid="cost-estimate"] table');
    await shot('new-experiment');
    assert.equal(await page.locator('[data-testid="field-error"]').count(), 0);
    await page.click('[data-testid="start"]');
    await page.waitForURL(/#\/experiments\/\d+$/);
    liveId = Number(/experiments\/(\d+)/.exec(page.url())![1]);
    assert.ok(liveId > smallId);

    const points = async (): Promise<number> => Number(await page.getAttribute('[data-testid="live-chart"]', 'data-points'));
    // On a timeout, say what the experiment was doing: a chart that stops growing means the job ended
    // (finished, failed) or never started (queued), and the message tells which.
    const explainTimeout = async (e: unknown): Promise<never> => {
      const { experiment, runs } = await call('getExperiment', { id: liveId });
      throw new Error(`${(e as Error).message.split('\n')[0]}; experiment ${liveId} is ${experiment.status}; runs: ` +
        `${runs.map((r) => `${r.regime}/${r.seed} ${r.status}${r.error ? ` (${r.error})` : ''}`).join(', ') || 'none'}`);
    };
    await page.waitForFunction(() => Number((globalThis as any).document.querySelector('[data-testid="live-chart"]')?.dataset.points) >= 2, null, { timeout: 120_000 })
      .catch(explainTimeout);
    const first = await points();
    await page.waitForFunction(
      (n) => Number((globalThis as any).document.querySelector('[data-testid="live-chart"]')?.dataset.points) >= n + 2,
      first,
      { timeout: 120_000 },
    ).catch(explainTimeout);
    assert.ok((await points()) > first, 'the chart gained points while the page stayed open (events, no reload)');
    await shot('experiment-live');
  });

  it('cancels a running experiment', async () => {
    assert.ok(liveId > 0, 'needs the experiment of the previous test');
    await page.click('[data-testid="cancel"]');
    await page.waitForFunction(
      () => (globalThis as any).document.querySelector('.head [data-testid="status-badge"]')?.textContent === 'cancelled',
      null,
      { timeout: 60_000 },
    );
    assert.equal(await waitForStatus(liveId, (s) => s !== 'running' && s !== 'queued', 30_000), 'cancelled');
    assert.equal(await page.isEnabled('[data-testid="resume"]'), true);
    await shot('experiment-cancelled');
  });

  it('imports a TF.js model in the New experiment form and runs it with the imported weights as the trained baseline', async () => {
    const modelJson = await saveTinyTfjsCnn(path.join(dir, 'tfjs-model'));
    await open('#/new?preset=quickstart');
    await page.waitForSelector('[data-testid="cost-estimate"] table');
    // A model.json without its weights file: one line saying which file is missing.
    await page.setInputFiles('[data-testid="import-model"]', [modelJson]);
    await page.waitForSelector('[data-testid="import-error"]');
    assert.match(await page.textContent('[data-testid="import-error"]') ?? '', /model\.json: its weights file 'weights\.bin' is not beside it/);
    await page.setInputFiles('[data-testid="import-model"]', [modelJson, path.join(path.dirname(modelJson), 'weights.bin')]);
    await page.waitForSelector('[data-testid="imported-model"]');
    assert.match(await page.textContent('[data-testid="imported-arch"]') ?? '', /imported: tiny_cnn/);
    assert.equal(await page.isChecked('[data-testid="weights-as-trained"]'), true);
    await page.fill('#f-name', 'UI e2e: imported model');
    await page.fill('#f-seeds', '1');
    for (const [field, value] of [['baseline-epochs', '1'], ['baseline-trainLimit', '256'], ['baseline-testLimit', '200'], ['finetune-epochs', '1'], ['finetune-trainLimit', '256'], ['finetune-testLimit', '200']]) {
      await page.fill(`#f-${field}`, value);
    }
    await page.waitForSelector('[data-testid="cost-estimate"] table');
    assert.match(await page.textContent('[data-testid="cost-estimate"]') ?? '', /tiny_cnn/);
    await shot('new-experiment-imported');
    await page.click('[data-testid="start"]');
    await page.waitForURL(/#\/experiments\/\d+$/);
    const id = Number(/experiments\/(\d+)/.exec(page.url())![1]);
    assert.equal(await waitForStatus(id, (s) => s === 'completed' || s === 'failed', 180_000), 'completed');
    const { experiment, runs } = await call('getExperiment', { id });
    assert.equal((experiment.spec as { baselineTrained?: boolean }).baselineTrained, true);
    const baseline = runs.find((r) => r.regime === 'baseline')!;
    assert.deepEqual([baseline.status, baseline.epochsDone], ['completed', 0]);
    assert.ok(runs.filter((r) => r.regime !== 'baseline').every((r) => r.status === 'completed' && r.epochsDone >= 1), JSON.stringify(runs.map((r) => [r.regime, r.status, r.epochsDone])));
  });

  it('shows a Fisher planning\'s removals while it prunes, and cancels it there', async () => {
    // 50 removals 8 batches apart: seconds of planning on any backend, cancelled as soon as it shows.
    const spec = {
      ...SMALL_SPEC, name: 'UI e2e: Fisher planning', regimes: ['finetune'], seeds: [1],
      method: { id: 'fisher', params: { channels: 50, pruneEvery: 8, batchSize: 32 } },
      baseline: { epochs: 1, trainLimit: 256, testLimit: 200 },
    };
    const { id } = await call('startExperiment', { spec });
    await open(`#/experiments/${id}`);
    await page.waitForSelector('[data-testid="planning-progress"]', { timeout: 120_000 });
    // The count grows while the page stays open (events, no reload).
    await page.waitForFunction(
      () => /pruning · [1-9]\d* of 50 channels removed/.test((globalThis as any).document.querySelector('[data-testid="planning-progress"]')?.textContent ?? ''),
      null,
      { timeout: 60_000 },
    );
    assert.match(await page.textContent('[data-testid="planning-progress"]') ?? '', /seed 1: pruning · [1-9]\d* of 50 channels removed · step \d+/);
    await shot('experiment-planning');
    await page.click('[data-testid="cancel"]');
    assert.equal(await waitForStatus(id, (s) => s !== 'running' && s !== 'queued', 60_000), 'cancelled');
  });

  it('shows the compute report: every backend (WebGPU first), what auto picks, why the GPU package is not used', async () => {
    await open('#/compute');
    await page.waitForSelector('[data-testid="compute-table"]', { timeout: 90_000 });
    const rows = await page.locator('[data-testid="backend-row"]').evaluateAll((els) => els.map((e) => `${(e as any).dataset.candidate} ${(e as any).dataset.status}`));
    assert.equal(rows.length, 5, rows.join('; '));
    assert.match(rows[0]!, /^webgpu /, rows.join('; '));
    assert.ok(rows.includes('wasm loads'), rows.join('; '));
    assert.match(await page.textContent('[data-testid="compute-auto"]') ?? '', /auto picks:\s+(tensorflow|wasm) via /);
    await shot('compute');
  });

  it('edits tags, filters by them, and deletes only after confirmation', async () => {
    await open('#/');
    const row = page.locator(`[data-testid="experiment-row"][data-id="${smallId}"]`);
    await row.locator('[data-testid="edit"]').click();
    await row.locator('[data-testid="edit-tags"]').fill('paper, e2e');
    await row.locator('[data-testid="edit-notes"]').fill('the reduced-scale check');
    await row.locator('[data-testid="save-edit"]').click();
    await row.locator('.tag', { hasText: 'e2e' }).waitFor();
    await page.fill('[data-testid="search"]', 'tag:e2e');
    assert.equal(await page.locator('[data-testid="experiment-row"]').count(), 1);
    await page.fill('[data-testid="search"]', '');

    // An experiment without runs can be deleted; the dialog guards it.
    const { createExperiment } = await import('../../src-main/store/experiments.ts');
    const { openDatabase } = await import('../../src-main/store/db.ts');
    const handle = openDatabase(db);
    const draft = createExperiment(handle, { name: 'draft to delete', spec: { dataset: 'fashion-mnist-mini', arch: 'vgg_mini', method: { id: 'uniform' } } });
    handle.close();
    await page.reload(); // written behind the server's back: no event tells the page
    const draftRow = page.locator(`[data-testid="experiment-row"][data-id="${draft.id}"]`);
    await draftRow.locator('[data-testid="delete"]').click();
    await page.waitForSelector('[data-testid="confirm-dialog"]');
    await shot('experiments-confirm-delete');
    await page.click('[data-testid="confirm-yes"]');
    await draftRow.waitFor({ state: 'detached' });
    assert.equal(await page.locator('[data-testid="confirm-dialog"]').count(), 0);
  });

  it('renders the Experiments view with 200 more experiments in under 1 s', async () => {
    const { createExperiment } = await import('../../src-main/store/experiments.ts');
    const { openDatabase } = await import('../../src-main/store/db.ts');
    const handle = openDatabase(db);
    const total = (await call('listExperiments', { includeHidden: true })).length + 200;
    handle.transaction(() => {
      for (let i = 0; i < 200; i++) {
        createExperiment(handle, {
          name: `bulk ${String(i).padStart(3, '0')}: vgg_mini l1_norm`,
          spec: { dataset: 'fashion-mnist-mini', arch: 'vgg_mini', method: { id: 'l1_norm' } },
          tags: i % 3 === 0 ? ['bulk'] : [],
        });
      }
    })();
    handle.close();
    await page.goto('about:blank'); // so the next load is a fresh navigation, not a hash change
    await page.goto(`${base}/#/`);
    // performance.now() counts from the navigation's start; measured in the page when the rows are there.
    const ms = (await (
      await page.waitForFunction(
        (n) => (globalThis as any).document.querySelectorAll('[data-testid="experiment-row"]').length >= n && (globalThis as any).performance.now(),
        total,
        { polling: 'raf', timeout: 10_000 },
      )
    ).jsonValue()) as number;
    console.log(`# Experiments view with ${total} experiments rendered ${ms.toFixed(0)} ms after navigation`);
    assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
    await shot('experiments-200');
  });

  it('says in the Workers view that there is no queue, and how to start one', async () => {
    await open('#/workers');
    await page.waitForSelector('[data-testid="message-empty"]');
    assert.match(await page.textContent('[data-testid="message-empty"]') ?? '', /no queue of workers.*pwb serve --queue redis:\/\/HOST:PORT/s);
    await open('#/new?preset=quickstart');
    await page.waitForSelector('[data-testid="cost-estimate"] table');
    assert.equal(await page.locator('[data-testid="on-workers"]').count(), 0, 'no "Run on workers" without a queue');
  });

  it('raised no uncaught exception in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});

describe('the UI with a queue of workers (pwb serve --queue, one pwb worker, a real redis-server)', { skip: skip || redisSkip, timeout: 300_000 }, () => {
  const TOKEN = 'ui-worker-token';
  const stops: Array<() => void> = [];
  let dir = '';
  let base = '';
  let cookie = '';
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  async function status(id: number): Promise<CallResults['getExperiment']> {
    const res = await fetch(`${base}/api/call/getExperiment`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ id }) });
    const reply = (await res.json()) as { ok: boolean; value: CallResults['getExperiment'] };
    assert.ok(reply.ok);
    return reply.value;
  }

  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });

  before(async () => {
    await buildRendererIfStale();
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(path.join(tmpdir(), 'pwb-ui-queue-'));
    const port = await freePort();
    await startRedis(dir, port, (stop) => stops.push(stop));
    const queue = `redis://127.0.0.1:${port}`;
    const { child: server, url } = await startServer(path.join(dir, 'workbench.db'), ['--queue', queue], { PWB_WORKER_TOKEN: TOKEN });
    stops.push(() => server.kill('SIGTERM'));
    base = url.origin;
    cookie = ((await fetch(url, { redirect: 'manual' })).headers.get('set-cookie') ?? '').split(';')[0]!;
    const worker = spawn(process.execPath, [path.join(repo, 'bin/pwb.js'), 'worker', '--queue', queue, '--threads', '1', '--name', 'ui-worker', '--work-dir', path.join(dir, 'work')], {
      cwd: repo, stdio: 'ignore', env: { ...process.env, PWB_WORKER_TOKEN: TOKEN },
    });
    stops.push(() => worker.kill('SIGKILL'));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'] });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url.href);
  });

  after(async () => {
    await browser?.close();
    for (const stop of stops.reverse()) stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the connected worker, starts an experiment "on workers" from the form, and its runs say where they trained', async () => {
    await page.goto(`${base}/#/workers`);
    await page.waitForSelector('[data-testid="worker-row"][data-name="ui-worker"]', { timeout: 60_000 });
    assert.match(await page.textContent('[data-testid="worker-row"]') ?? '', /ui-worker\s*\S+.*idle/s);
    assert.match(await page.textContent('[data-testid="workers-join"]') ?? '', new RegExp(`^PWB_WORKER_TOKEN=${TOKEN} npx pwb worker --queue redis://127\\.0\\.0\\.1:\\d+`));
    await shot('workers');

    await page.goto(`${base}/#/new?preset=quickstart`);
    await page.waitForSelector('[data-testid="cost-estimate"] table');
    const small = { name: 'UI e2e: on workers', seeds: '1', 'baseline-epochs': '1', 'finetune-epochs': '1', 'baseline-trainLimit': '256', 'baseline-testLimit': '200', 'finetune-trainLimit': '256', 'finetune-testLimit': '200' };
    for (const [field, value] of Object.entries(small)) await page.fill(`#f-${field}`, value);
    await page.check('[data-testid="on-workers"]');
    await page.waitForSelector('[data-testid="cost-estimate"] table');
    await page.click('[data-testid="start"]');
    await page.waitForURL(/#\/experiments\/\d+$/);
    const id = Number(/experiments\/(\d+)/.exec(page.url())![1]);
    const end = Date.now() + 180_000;
    let detail = await status(id);
    while (!['completed', 'failed', 'cancelled'].includes(detail.experiment.status) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 500));
      detail = await status(id);
    }
    assert.equal(detail.experiment.status, 'completed', detail.runs.map((r) => `${r.regime} ${r.status} ${r.error ?? ''}`).join('; '));
    assert.equal(detail.runs.length, 4, 'baseline, fine-tuned, Scratch-E, Scratch-B');
    await page.reload();
    await page.waitForSelector('[data-testid="run-row"][data-status="completed"]');
    assert.deepEqual(await page.locator('[data-testid="trained-on"]').allTextContents(), ['ui-worker', 'ui-worker', 'ui-worker', 'ui-worker']);
    await shot('experiment-on-workers');
  });

  it('raised no uncaught exception in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
