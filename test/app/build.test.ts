// Builds the app with electron-vite (no Electron binary needed) into a scratch folder and checks
// the three bundles; then loads the built main process under Node with `electron` stubbed, to
// check the window it opens and the IPC contract it serves.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules, registerHooks } from 'node:module';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CONTENT_SECURITY_POLICY } from '../../src-main/app/window-options.ts';
import { CALL_NAMES, callChannel } from '../../src-shared/workbench-api.ts';

const repo = path.resolve(import.meta.dirname, '../..');
let outDir = '';

before(async () => {
  // Inside the repo (out/ is git-ignored) so the externalized packages of the main bundle resolve
  // from node_modules when the bundle is loaded below.
  mkdirSync(path.join(repo, 'out'), { recursive: true });
  outDir = mkdtempSync(path.join(repo, 'out', 'test-build-'));
  const cli = path.join(repo, 'node_modules/electron-vite/bin/electron-vite.js');
  await promisify(execFile)(process.execPath, [cli, 'build', '--outDir', outDir, '--logLevel', 'warn'], {
    cwd: repo,
    timeout: 120_000,
  });
});

after(() => {
  if (outDir !== '') rmSync(outDir, { recursive: true, force: true });
});

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => path.join(e.parentPath, e.name));
}

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Module specifiers a bundle loads: require('x'), import('x'), import … from 'x'. */
function loadedModules(code: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\brequire\s*\(\s*["'`]([^"'`]+)["'`]\s*\)/g,
    /\bimport\s*\(\s*["'`]([^"'`]+)["'`]\s*\)/g,
    /\b(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) found.push(m[1]!);
  return found;
}

test('electron-vite build emits main (ESM), the CommonJS preloads and the renderer', () => {
  for (const file of ['main/index.js', 'preload/index.cjs', 'preload/gpu-host.cjs', 'renderer/index.html']) {
    assert.ok(existsSync(path.join(outDir, file)), `missing ${file} in the build output`);
  }
  const main = readFileSync(path.join(outDir, 'main/index.js'), 'utf8');
  assert.match(main, /^import .* from "electron";$/m, 'main should be an ES module importing electron');
});

test('the renderer bundle loads no Node builtins and no electron', () => {
  const scripts = filesUnder(path.join(outDir, 'renderer'), '.js');
  assert.ok(scripts.length > 0, 'no renderer scripts were emitted');
  for (const file of scripts) {
    const code = readFileSync(file, 'utf8');
    const bad = loadedModules(code).filter((m) => builtins.has(m) || m === 'electron' || m.startsWith('electron/'));
    assert.deepEqual(bad, [], `${path.relative(outDir, file)} loads ${bad.join(', ')}`);
    assert.doesNotMatch(code, /\brequire\s*\(/, `${path.relative(outDir, file)} calls require(`);
  }
  const html = readFileSync(path.join(outDir, 'renderer/index.html'), 'utf8');
  assert.ok(html.includes(CONTENT_SECURITY_POLICY), 'the built index.html lost its CSP meta tag');
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'the built index.html has an inline script');
});

test('the preloads are self-contained CommonJS that require only electron', () => {
  for (const name of ['index.cjs', 'gpu-host.cjs']) {
    const code = readFileSync(path.join(outDir, 'preload', name), 'utf8');
    assert.deepEqual([...new Set(loadedModules(code))], ['electron'], name);
    assert.doesNotMatch(code, /^\s*(import|export)\s/m, `${name} must not be an ES module`);
    assert.doesNotMatch(code, /\bipcRenderer\b(?!\.(invoke|on|removeListener)\()/, `raw ipcRenderer escapes ${name}`);
    assert.doesNotMatch(code, /ZodError|\$ZodType/, `zod schemas leaked into ${name}`);
  }
  const gpu = readFileSync(path.join(outDir, 'preload/gpu-host.cjs'), 'utf8');
  assert.doesNotMatch(gpu, /contextBridge|workbench:call/, 'the GPU window\'s preload exposes nothing and calls nothing');
});

// ---- the built main process, with `electron` replaced by a recorder ----

type Handler = (...args: any[]) => any;

/** The end of a channel main keeps or hands a job; its "engine" says hello once it is started. */
class FakePortMain extends EventEmitter {
  end = 'job';
  closed = false;
  start() {
    setImmediate(() => this.emit('message', { data: { hello: { ok: true, adapter: { vendor: 'amd', architecture: 'rdna-3', device: '', description: 'Radeon RX 7900', isFallbackAdapter: false }, software: false, host: 'x' } } }));
  }
  close() {
    this.closed = true;
  }
}

/** A utility process as main sees it: protocol on stdout, messages both ways on its port. */
class FakeChild extends EventEmitter {
  stdout = new PassThrough();
  stderr = new PassThrough();
  pid = undefined;
  posted: any[][] = [];
  postMessage(...args: any[]) {
    this.posted.push(args);
  }
  kill() {
    this.stdout.end();
    this.stderr.end();
    this.emit('exit', 0);
  }
}

function electronStub() {
  const rec = {
    sandboxEnabled: false,
    appEvents: new Map<string, Handler>(),
    windows: [] as { options: any; loaded?: string; loadedUrl?: string; posted: any[]; contentsEvents: Map<string, Handler>; destroyed: boolean }[],
    ipc: new Map<string, Handler>(),
    permissionRequest: undefined as Handler | undefined,
    permissionCheck: undefined as Handler | undefined,
    headers: undefined as Handler | undefined,
    menu: undefined as any[] | undefined,
    messageBoxes: [] as any[],
    forks: [] as any[],
    children: [] as FakeChild[],
    failLoads: false,
  };
  class BrowserWindow {
    record: (typeof rec.windows)[number];
    webContents = {
      isDestroyed: () => false, getURL: () => '', send() {},
      on: (event: string, fn: Handler) => void this.record.contentsEvents.set(event, fn),
      postMessage: (...args: any[]) => void this.record.posted.push(args),
    };
    constructor(options: unknown) {
      this.record = { options, posted: [], contentsEvents: new Map(), destroyed: false };
      rec.windows.push(this.record);
    }
    isDestroyed() {
      return this.record.destroyed;
    }
    destroy() {
      this.record.destroyed = true;
    }
    static getAllWindows() {
      return [];
    }
    static getFocusedWindow() {
      return null;
    }
    once() {}
    on() {}
    show() {}
    async loadFile(file: string) {
      this.record.loaded = file;
      if (rec.failLoads) throw new Error('ERR_FILE_NOT_FOUND (-6) loading it');
    }
    async loadURL(url: string) {
      this.record.loadedUrl = url;
    }
  }
  const electron = {
    app: {
      isPackaged: false,
      enableSandbox: () => void (rec.sandboxEnabled = true),
      on: (event: string, fn: Handler) => void rec.appEvents.set(event, fn),
      whenReady: () => Promise.resolve(),
      getVersion: () => '9.9.9-test',
      getAppPath: () => repo,
      quit() {},
    },
    Menu: {
      buildFromTemplate: (template: any[]) => template,
      setApplicationMenu: (menu: any[]) => void (rec.menu = menu),
    },
    dialog: {
      showMessageBox: async (options: any) => void rec.messageBoxes.push(options),
      showSaveDialog: async () => ({ canceled: true }),
      showErrorBox() {},
    },
    utilityProcess: {
      fork: (...args: any[]) => {
        rec.forks.push(args);
        const child = new FakeChild();
        rec.children.push(child);
        return child;
      },
    },
    BrowserWindow,
    MessageChannelMain: class {
      port1 = { end: 'window' };
      port2 = new FakePortMain();
    },
    ipcMain: { handle: (channel: string, fn: Handler) => void rec.ipc.set(channel, fn) },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: Handler) => void (rec.permissionRequest = fn),
        setPermissionCheckHandler: (fn: Handler) => void (rec.permissionCheck = fn),
        webRequest: { onHeadersReceived: (fn: Handler) => void (rec.headers = fn) },
      },
    },
  };
  return { rec, electron };
}

test('the built main process opens one locked-down window and serves the contract (electron stubbed)', async () => {
  const { rec, electron } = electronStub();
  (globalThis as any).__electronStub = electron;
  registerHooks({
    resolve: (specifier, context, next) =>
      specifier === 'electron' ? { url: 'stub:electron', shortCircuit: true } : next(specifier, context),
    load: (url, context, next) =>
      url === 'stub:electron'
        ? {
            format: 'module',
            shortCircuit: true,
            source: 'export const { app, BrowserWindow, ipcMain, session, Menu, dialog, utilityProcess, MessageChannelMain } = globalThis.__electronStub;',
          }
        : next(url, context),
  });
  delete process.env['ELECTRON_RENDERER_URL'];
  process.env['PWB_DB'] = path.join(outDir, 'workbench.sqlite'); // the app's database, inside the scratch build
  await import(pathToFileURL(path.join(outDir, 'main/index.js')).href);
  await new Promise((resolve) => setTimeout(resolve, 20)); // let whenReady().then(...) run

  assert.equal(rec.sandboxEnabled, true, 'app.enableSandbox() was not called');
  assert.equal(rec.windows.length, 1);
  const [win] = rec.windows;
  const prefs = win!.options.webPreferences;
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.preload, path.join(outDir, 'preload/index.cjs'));
  assert.ok(existsSync(prefs.preload), 'the preload path the window uses does not exist');
  assert.equal(win!.loaded, path.join(outDir, 'renderer/index.html'));

  // Permissions, CSP header, navigation and new windows.
  let granted: boolean | undefined;
  rec.permissionRequest!({}, 'media', (ok: boolean) => (granted = ok));
  assert.equal(granted, false);
  assert.equal(rec.permissionCheck!({}, 'notifications'), false);
  let headers: any;
  rec.headers!({ responseHeaders: { 'X-Other': ['1'] } }, (r: any) => (headers = r.responseHeaders));
  assert.deepEqual(headers, { 'X-Other': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  const listeners = new Map<string, Handler>();
  let openHandler: Handler | undefined;
  rec.appEvents.get('web-contents-created')!({}, {
    on: (event: string, fn: Handler) => void listeners.set(event, fn),
    setWindowOpenHandler: (fn: Handler) => void (openHandler = fn),
  });
  let prevented = false;
  listeners.get('will-navigate')!({ preventDefault: () => void (prevented = true) }, 'https://example.com/');
  assert.equal(prevented, true, 'will-navigate was not denied');
  assert.deepEqual(openHandler!({ url: 'https://example.com/' }), { action: 'deny' });

  // IPC: one channel per contract call, answering only our renderer's top frame.
  assert.deepEqual([...rec.ipc.keys()], CALL_NAMES.map(callChannel));
  const version = rec.ipc.get('workbench:call:version')!;
  const ours = { senderFrame: { url: pathToFileURL(win!.loaded!).href, parent: null } };
  const reply = await version(ours, undefined);
  const tfjs = JSON.parse(readFileSync(path.join(repo, 'node_modules/@tensorflow/tfjs-core/package.json'), 'utf8'));
  assert.deepEqual(reply, { ok: true, value: { app: '9.9.9-test', engine: tfjs.version } });

  const list = await rec.ipc.get('workbench:call:listExperiments')!(ours, undefined);
  assert.deepEqual(list, { ok: true, value: [] }, 'the app answers from its own (empty) database');
  assert.ok(existsSync(process.env['PWB_DB']!), 'the database was opened at $PWB_DB');
  const missing = await rec.ipc.get('workbench:call:getExperiment')!(ours, { id: 1 });
  assert.equal(missing.error.code, 'NOT_FOUND');

  // Menus: File › Export CSV… (asks to open an experiment first), Quit; View › Reload/DevTools in dev.
  const file = rec.menu!.find((m) => m.label === 'File');
  const exportItem = file.submenu.find((i: any) => i.label === 'Export CSV…');
  assert.ok(exportItem && file.submenu.some((i: any) => i.role === 'quit'));
  exportItem.click();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.match(rec.messageBoxes[0]?.message ?? '', /Open an experiment first/);
  const view = rec.menu!.find((m) => m.label === 'View');
  assert.deepEqual(view.submenu.slice(0, 2).map((i: any) => i.role), ['reload', 'toggleDevTools']);
  assert.equal(rec.forks.length, 0, 'no job started');
  assert.equal(rec.windows.length, 1, 'the GPU engine window opens only when a job asks');

  // A job asks for the GPU engine: main opens the hidden window (once), sends it one end of a new channel
  // and the job the other; a page that will not load is one line to the job.
  const started = await rec.ipc.get('workbench:call:startExperiment')!(ours, { spec: {
    version: 1, name: 'gpu wiring', dataset: 'fashion-mnist-mini', arch: 'vgg_mini', method: { id: 'l1_norm', params: { ratios: [0, 0.5, 0.5] } },
    regimes: ['finetune'], seeds: [1], baseline: { epochs: 1, trainLimit: 64, testLimit: 64 }, finetune: { epochs: 1, trainLimit: 64 },
  } });
  assert.equal(started.ok, true, JSON.stringify(started));
  for (let i = 0; i < 50 && rec.children.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  const [child] = rec.children;
  assert.ok(child, 'no job was forked');
  assert.equal(rec.forks[0][2].env.PWB_GPU_HOST, '1', 'the job is not told it may ask for the GPU engine');
  const answered = async (n: number) => {
    child.emit('message', { type: 'want-gpu-engine' });
    for (let i = 0; i < 50 && child.posted.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return child.posted[n - 1]!;
  };
  const offer = (posted: any[]) => [posted[0], posted[1]?.map((p: { end: string }) => p.end)];
  assert.deepEqual(offer(await answered(1)), [{ type: 'gpu-engine' }, ['job']]);
  assert.equal(rec.windows.length, 2, 'the GPU engine window was not opened');
  const gpu = rec.windows[1]!;
  assert.equal(gpu.options.show, false);
  assert.equal(gpu.options.webPreferences.sandbox, true);
  assert.equal(gpu.options.webPreferences.contextIsolation, true);
  assert.equal(gpu.options.webPreferences.backgroundThrottling, false);
  assert.equal(gpu.options.webPreferences.preload, path.join(outDir, 'preload/gpu-host.cjs'));
  assert.ok(existsSync(gpu.options.webPreferences.preload), 'the GPU window\'s preload path does not exist');
  assert.equal(gpu.loaded, path.join(outDir, 'gpu-host/index.html'));
  assert.deepEqual(gpu.posted, [['pwb:gpu-engine-port', null, [{ end: 'window' }]]]);
  assert.deepEqual(offer(await answered(2)), [{ type: 'gpu-engine' }, ['job']]);
  assert.equal(rec.windows.length, 2, 'a second job\'s channel reuses the window');
  assert.equal(gpu.posted.length, 2);
  // The Compute view asks the window (its jobs' WebGPU), on a channel of its own, closed after the hello.
  const report = await rec.ipc.get('workbench:call:diagnoseCompute')!(ours, { probe: false });
  assert.equal(report.ok, true, JSON.stringify(report));
  const webgpu = report.value.backends.find((b: any) => b.candidate === 'webgpu');
  assert.equal(webgpu.reason, "Chromium's WebGPU on amd rdna-3: Radeon RX 7900, in the app's GPU window");
  assert.equal(webgpu.gpu, true);
  // The other candidates are probed in child processes started from the app's root (a path beside the
  // bundle does not exist): wasm and cpu load everywhere.
  for (const b of report.value.backends) assert.doesNotMatch(b.why ?? '', /the probe process failed/, `${b.candidate}: ${b.why}`);
  assert.deepEqual(report.value.backends.filter((b: any) => ['wasm', 'cpu'].includes(b.candidate)).map((b: any) => b.loads), [true, true]);
  assert.equal(gpu.posted.length, 3, 'the probe\'s channel went to the GPU window');
  gpu.contentsEvents.get('render-process-gone')!({}, { reason: 'crashed' });
  assert.equal(gpu.destroyed, true);
  rec.failLoads = true;
  const [failed] = await answered(3);
  assert.equal(rec.windows.length, 3, 'after its page went away the window is opened again');
  assert.match(failed.error, /^the GPU engine page .*gpu-host[/\\]index\.html did not load: ERR_FILE_NOT_FOUND/);
  rec.failLoads = false;
  child.kill();

  const badArgs = await version(ours, { unexpected: true });
  assert.equal(badArgs.ok, false);
  assert.equal(badArgs.error.code, 'VALIDATION');

  const foreign = { senderFrame: { url: 'https://example.com/', parent: null } };
  assert.throws(() => version(foreign, undefined), /refused an IPC call from https:\/\/example\.com/);
  const subframe = { senderFrame: { url: ours.senderFrame.url, parent: {} } };
  assert.throws(() => version(subframe, undefined), /refused/);
  assert.throws(() => version({ senderFrame: null }, undefined), /destroyed frame/);
});
