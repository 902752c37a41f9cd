// Drives the real app through playwright-core's `_electron` API. It needs the Electron binary and
// playwright-core; where either is missing (as on machines without GitHub access) the test is
// reported SKIPPED with the reason, never as passed. On Linux it also needs a display (xvfb-run).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const repo = path.resolve(import.meta.dirname, '../..');

/** The Electron executable, found the way the `electron` package does but without its download fallback. */
function electronExecutable(): { exe: string } | { missing: string } {
  const pkg = path.join(repo, 'node_modules/electron');
  const pathTxt = path.join(pkg, 'path.txt');
  // Not require('electron'): when the binary is absent, that starts a download from GitHub.
  if (!existsSync(pathTxt)) return { missing: `${path.relative(repo, pathTxt)} is absent (the binary was never downloaded)` };
  const dist = process.env['ELECTRON_OVERRIDE_DIST_PATH'] ?? path.join(pkg, 'dist');
  const exe = path.join(dist, readFileSync(pathTxt, 'utf8').trim());
  return existsSync(exe) ? { exe } : { missing: `${exe} does not exist` };
}

async function loadPlaywright(): Promise<any> {
  const name = 'playwright-core'; // a variable, so the type checker does not require the package
  return import(name);
}

let playwright: any;
let exe = '';
let skip: string | false = false;
const found = electronExecutable();
if ('missing' in found) {
  skip = `Electron binary not installed: ${found.missing}`;
} else {
  exe = found.exe;
  try {
    playwright = await loadPlaywright();
  } catch {
    skip = 'playwright-core is not installed (add it as a devDependency)';
  }
  if (skip === false && process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']) {
    skip = 'no display: run the e2e tests under xvfb-run';
  }
}

test('the app opens one locked-down window that shows its version', { skip, timeout: 120_000 }, async () => {
  const cli = path.join(repo, 'node_modules/electron-vite/bin/electron-vite.js');
  await promisify(execFile)(process.execPath, [cli, 'build', '--logLevel', 'warn'], { cwd: repo, timeout: 120_000 });

  const env = { ...process.env };
  delete env['ELECTRON_RENDERER_URL']; // load the built renderer, not a dev server
  const app = await playwright._electron.launch({ executablePath: exe, args: ['.'], cwd: repo, env });
  try {
    const page = await app.firstWindow();
    // Callbacks passed to page.evaluate run in the page; the test project has no DOM types, hence `globalThis as any`.
    await page.waitForFunction(() =>
      (globalThis as any).document.querySelector('[data-testid="status"]')?.textContent?.startsWith('version '),
    );
    assert.equal(await page.textContent('h1'), 'Pruning Workbench');
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
    assert.match(await page.textContent('[data-testid="status"]'), new RegExp(`^version ${pkg.version.replaceAll('.', '\\.')} `));

    // What the page can reach: the bridge's two functions, and no Node.
    const reach = await page.evaluate(() => ({
      bridge: Object.keys((globalThis as any).workbench).sort(),
      require: typeof (globalThis as any).require,
      process: typeof (globalThis as any).process,
    }));
    assert.deepEqual(reach, { bridge: ['invoke', 'on'], require: 'undefined', process: 'undefined' });
    const unknown = await page.evaluate(() =>
      (globalThis as any).workbench.invoke('not-a-call').then(
        () => 'resolved',
        (e: Error) => e.message,
      ),
    );
    assert.match(unknown, /unknown call 'not-a-call'/);

    const prefs = await app.evaluate(({ BrowserWindow }: any) =>
      BrowserWindow.getAllWindows()[0].webContents.getLastWebPreferences(),
    );
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);

    // Navigation and new windows are refused.
    const before = page.url();
    assert.equal(await page.evaluate(() => (globalThis as any).open('https://example.com/') === null), true);
    await page.evaluate(() => {
      (globalThis as any).location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    assert.equal(page.url(), before);
    assert.equal(app.windows().length, 1);
  } finally {
    await app.close();
  }
});

test('a job reaches the hidden GPU window: its run says what WebGPU there offered, and trained', { skip, timeout: 600_000 }, async () => {
  // The full build: electron-vite, then the GPU window's page into out/gpu-host.
  await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: repo, timeout: 300_000 });
  const dir = mkdtempSync(path.join(tmpdir(), 'pwb-electron-gpu-'));
  const env: Record<string, string> = { ...(process.env as Record<string, string>), PWB_DB: path.join(dir, 'workbench.sqlite'), PWB_ENABLE_UNSAFE_WEBGPU: '1' };
  delete env['ELECTRON_RENDERER_URL'];
  const app = await playwright._electron.launch({ executablePath: exe, args: ['.'], cwd: repo, env });
  try {
    const page = await app.firstWindow();
    await page.waitForFunction(() => (globalThis as any).workbench !== undefined);
    const spec = {
      version: 1, name: 'gpu window', dataset: 'fashion-mnist-mini', arch: 'vgg_mini', method: { id: 'l1_norm', params: { ratios: [0, 0.5, 0.5] } },
      regimes: ['finetune'], seeds: [1], baseline: { epochs: 1, trainLimit: 128, testLimit: 128 }, finetune: { epochs: 1, trainLimit: 128 },
    };
    const started = await page.evaluate((s: unknown) => (globalThis as any).workbench.invoke('startExperiment', { spec: s }), spec);
    assert.equal(started.ok, true, JSON.stringify(started));
    let detail: any;
    for (let i = 0; i < 1100; i++) {
      detail = (await page.evaluate((id: number) => (globalThis as any).workbench.invoke('getExperiment', { id }), started.value.id)).value;
      if (['completed', 'failed', 'cancelled'].includes(detail.experiment.status)) break;
      await page.waitForTimeout(500);
    }
    assert.equal(detail.experiment.status, 'completed', JSON.stringify(detail.experiment));
    // webgpu there, or why not: a software adapter passed by, or no WebGPU — all of it came from the window.
    for (const run of detail.runs) {
      assert.match(run.backendReason ?? '', /the app's GPU window/, `${run.backend}: ${run.backendReason}`);
      assert.doesNotMatch(run.backendReason ?? '', /did not answer|without a channel|did not say whether WebGPU started/, 'the window never answered the job');
    }
    const shown = await app.evaluate(({ BrowserWindow }: any) => BrowserWindow.getAllWindows().map((w: any) => w.isVisible()));
    assert.deepEqual(shown.sort(), [false, true], 'the app window, and the GPU window hidden');
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
