// Electron main process: one window, locked down, and the IPC adapter of the WorkbenchApi.
// It supervises and persists; it never trains, so nothing here imports src-main/engine (jobs
// will run in a utility process).
import { app, BrowserWindow, ipcMain, session } from 'electron';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  CALL_NAMES,
  callChannel,
  dispatchCall,
  type WorkbenchApi,
} from '../../src-shared/workbench-api.ts';
import { CONTENT_SECURITY_POLICY, isAppUrl, windowOptions, type RendererLocation } from './window-options.ts';

const here = import.meta.dirname; // out/main once built
const preloadPath = path.join(here, '../preload/index.cjs');
const renderer: RendererLocation = {
  file: path.join(here, '../renderer/index.html'),
  // Set by `electron-vite dev`; a packaged app always loads the built file.
  devServerUrl: app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'],
};

// Until src-main/api exists, the few calls live here; they must stay cheap and non-blocking.
const api: WorkbenchApi = {
  async version() {
    const require = createRequire(import.meta.url);
    // Reads the package manifest only: loading tfjs itself is the job process's business.
    const tfjs = require('@tensorflow/tfjs-core/package.json') as { version: string };
    return { app: app.getVersion(), engine: tfjs.version };
  },
};

function serveIpc(api: WorkbenchApi): void {
  for (const name of CALL_NAMES) {
    ipcMain.handle(callChannel(name), (event, args: unknown) => {
      const frame = event.senderFrame;
      // Only our own top-level page may call; anything else (an iframe, a page navigated away) is refused.
      if (frame === null || frame.parent !== null || !isAppUrl(frame.url, renderer)) {
        throw new Error(`${name}: refused an IPC call from ${frame?.url ?? 'a destroyed frame'}`);
      }
      return dispatchCall(api, name, args).then((reply) => {
        // A WorkbenchError is an answer; anything else is a bug worth a log line here too.
        if (!reply.ok && reply.error.code === 'INTERNAL') console.error(`IPC ${name} failed: ${reply.error.message}`);
        return reply;
      });
    });
  }
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

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(windowOptions(preloadPath));
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
  serveIpc(api);
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});
