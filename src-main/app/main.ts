// Electron main process: one window, locked down, and the IPC adapter of the WorkbenchApi.
// It supervises and persists; it never trains: experiments run in utility processes (the same job
// entry and JSON-lines protocol that `pwb serve` runs as Node child processes). A job that trains on
// webgpu asks it for a channel to the GPU engine, a hidden window on Chromium's WebGPU (gpu-host-window.ts).
import { app, BrowserWindow, dialog, ipcMain, Menu, session, utilityProcess, type MenuItemConstructorOptions } from 'electron';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JobHandle, SpawnJob } from '../jobs/job-supervisor.ts';
import { createWorkbench, type Workbench } from '../api/workbench.ts';
import type { QueueSettings } from '../queue/queued-job.ts';
import { defaultDatabasePath } from '../store/default-path.ts';
import {
  CALL_NAMES,
  callChannel,
  eventChannel,
  type WorkbenchApi,
} from '../../src-shared/workbench-api.ts';
import { dispatchCall } from '../../src-shared/workbench-args.ts';
import { isWantGpuEngine, type GpuEngineOffer } from '../../src-shared/gpu-engine-messages.ts';
import { gpuHostWindow } from './gpu-host-window.ts';
import { CONTENT_SECURITY_POLICY, isAppUrl, windowOptions, type RendererLocation } from './window-options.ts';

const here = import.meta.dirname; // out/main once built
const preloadPath = path.join(here, '../preload/index.cjs');
const renderer: RendererLocation = {
  file: path.join(here, '../renderer/index.html'),
  // Set by `electron-vite dev`; a packaged app always loads the built file.
  devServerUrl: app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'],
};
const gpuHost = gpuHostWindow(path.join(here, '../gpu-host/index.html'), path.join(here, '../preload/gpu-host.cjs'));
// Chromium offers WebGPU by default on Windows, macOS and ChromeOS; on Linux only behind these switches
// (a Vulkan driver is needed), so there the user opts in.
if (process.env.PWB_ENABLE_UNSAFE_WEBGPU === '1') {
  app.commandLine.appendSwitch('enable-unsafe-webgpu');
  app.commandLine.appendSwitch('enable-features', 'Vulkan');
}
// The bundle lives in out/main, so the engine's resources (presets, embedded data) are named explicitly.
process.env.PWB_RESOURCES_DIR ??= path.join(app.getAppPath(), 'resources');
// …and the scripts it runs as child processes (the compute and latency probes).
process.env.PWB_APP_ROOT ??= app.getAppPath();

/**
 * Jobs in Electron utility processes; stdout carries the protocol, cancel is a parent-port message, and
 * so is a job's request for a GPU engine channel (PWB_GPU_HOST tells it it may ask).
 */
const spawnUtilityJob: SpawnJob = ({ experimentId, dbPath, entry, args, env }): JobHandle => {
  const child = utilityProcess.fork(path.join(app.getAppPath(), entry), [String(experimentId), '--db', dbPath, ...args], {
    stdio: 'pipe',
    env: { ...process.env, ...env, PWB_GPU_HOST: '1' },
    serviceName: `Pruning Workbench job ${experimentId}`,
  });
  child.on('message', (message: unknown) => {
    if (!isWantGpuEngine(message)) return;
    gpuHost.connect().then(
      (port) => child.postMessage({ type: 'gpu-engine' } satisfies GpuEngineOffer, [port]),
      (e: unknown) => child.postMessage({ type: 'gpu-engine', error: (e as Error).message } satisfies GpuEngineOffer),
    );
  });
  return {
    stdout: child.stdout!,
    stderr: child.stderr,
    interrupt: () => child.postMessage({ type: 'cancel' }),
    kill: () => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      else child.kill();
    },
    onExit: (listener) => void child.once('exit', (code) => listener(code, null)),
  };
};

/**
 * The queue of workers the app offers "Run on workers" with: PWB_QUEUE (redis://HOST:PORT), its worker
 * endpoint on PWB_QUEUE_LISTEN (default loopback), the workers' token PWB_WORKER_TOKEN (default a fresh one,
 * shown in the Workers view). None without PWB_QUEUE.
 */
function queueFromEnvironment(): QueueSettings | undefined {
  const url = process.env.PWB_QUEUE;
  if (!url) return undefined;
  return { url, listen: process.env.PWB_QUEUE_LISTEN || undefined, token: process.env.PWB_WORKER_TOKEN || randomBytes(32).toString('hex') };
}

/** The experiment the page last opened: what File › Export CSV… exports. */
let lastExperimentId: number | null = null;

function serveIpc(api: WorkbenchApi): void {
  for (const name of CALL_NAMES) {
    ipcMain.handle(callChannel(name), (event, args: unknown) => {
      const frame = event.senderFrame;
      // Only our own top-level page may call; anything else (an iframe, a page navigated away) is refused.
      if (frame === null || frame.parent !== null || !isAppUrl(frame.url, renderer)) {
        throw new Error(`${name}: refused an IPC call from ${frame?.url ?? 'a destroyed frame'}`);
      }
      return dispatchCall(api, name, args).then((reply) => {
        if (reply.ok && name === 'getExperiment') lastExperimentId = (args as { id: number }).id;
        // A WorkbenchError is an answer; anything else is a bug worth a log line here too.
        if (!reply.ok && reply.error.code === 'INTERNAL') console.error(`IPC ${name} failed: ${reply.error.message}`);
        return reply;
      });
    });
  }
}

/** Events go to every window showing our page (never to a frame that navigated elsewhere). */
function forwardEvents(workbench: Workbench): void {
  workbench.subscribe((name, payload) => {
    for (const win of BrowserWindow.getAllWindows()) {
      const contents = win.webContents;
      if (contents.isDestroyed() || !isAppUrl(contents.getURL(), renderer)) continue;
      contents.send(eventChannel(name), payload);
    }
  });
}

async function exportCsv(api: WorkbenchApi): Promise<void> {
  const win = BrowserWindow.getFocusedWindow() ?? undefined;
  if (lastExperimentId === null) {
    await dialog.showMessageBox({ type: 'info', message: 'Open an experiment first', detail: 'Export CSV… exports the experiment shown in the window.' });
    return;
  }
  const id = lastExperimentId;
  const csv = await api.exportCsv({ id });
  const options = { title: 'Export runs as CSV', defaultPath: `experiment-${id}-runs.csv`, filters: [{ name: 'CSV', extensions: ['csv'] }] };
  const chosen = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
  if (chosen.canceled || !chosen.filePath) return;
  // The summary goes beside the runs: x-runs.csv → x-summary.csv, x.csv → x-summary.csv.
  const summaryPath = chosen.filePath.replace(/(-runs)?(\.csv)?$/i, '-summary.csv');
  writeFileSync(chosen.filePath, csv.runsCsv);
  writeFileSync(summaryPath, csv.summaryCsv);
}

function buildMenu(api: WorkbenchApi): void {
  const dev = !app.isPackaged;
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        {
          label: 'Export CSV…',
          accelerator: 'CmdOrCtrl+E',
          click: () => void exportCsv(api).catch((e: unknown) => dialog.showErrorBox('Export failed', (e as Error).message)),
        },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...(dev ? [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }, { type: 'separator' as const }] : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function lockDownSessions(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  // Covers content served over http(s) (the dev server); file:// pages get the same policy from
  // the meta tag in index.html.
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
}

// The app is a single page: it never navigates, opens windows or embeds webviews.
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

/** The windows that show the app (every window but the GPU engine's hidden one). */
const appWindows = (): BrowserWindow[] => BrowserWindow.getAllWindows().filter((w) => !gpuHost.owns(w));

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(windowOptions(preloadPath));
  // The hidden GPU window keeps 'window-all-closed' from firing: the app quits when its last own window closes.
  win.on('closed', () => {
    if (process.platform !== 'darwin' && appWindows().length === 0) app.quit();
  });
  win.once('ready-to-show', () => win.show());
  if (renderer.devServerUrl !== undefined) void win.loadURL(renderer.devServerUrl);
  else void win.loadFile(renderer.file);
  return win;
}

app.enableSandbox();

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Not a top-level `await`: 'ready' is only emitted once this ES module has finished evaluating,
// so awaiting it here would hang the app (electronjs.org/docs/latest/tutorial/esm).
void app.whenReady().then(() => {
  lockDownSessions();
  const workbench = createWorkbench({
    dbPath: defaultDatabasePath(), spawnJob: spawnUtilityJob, appVersion: app.getVersion(), queue: queueFromEnvironment(),
    // The jobs' WebGPU is the GPU window's, so the Compute view asks it, not a Node child.
    webgpuProbe: () => gpuHost.probe(),
  });
  // Quitting cancels the running experiment after its batch (resumable) before the app exits.
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    void workbench.close().finally(() => {
      closed = true;
      gpuHost.close();
      app.quit();
    });
  });
  serveIpc(workbench.api);
  forwardEvents(workbench);
  buildMenu(workbench.api);
  createWindow();
  app.on('activate', () => {
    if (appWindows().length === 0) createWindow();
  });
});
