// Drives the real app through playwright-core's `_electron` API. It needs the Electron binary and
// playwright-core; where either is missing (as on machines without GitHub access) the test is
// reported SKIPPED with the reason, never as passed. On Linux it also needs a display (xvfb-run).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
