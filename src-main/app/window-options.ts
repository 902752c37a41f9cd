// The security-relevant settings of the app window, kept pure (no electron at run time) so a
// plain Node test can check them. Follows Electron's security checklist:
// electronjs.org/docs/latest/tutorial/security.
import type { BrowserWindowConstructorOptions } from 'electron';
import { pathToFileURL } from 'node:url';

export const APP_NAME = 'Pruning Workbench';

export { CONTENT_SECURITY_POLICY } from '../../src-shared/content-security-policy.ts';

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    title: APP_NAME,
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 560,
    show: false, // shown on 'ready-to-show', so no blank frame flashes
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: preloadPath, // CommonJS: a sandboxed preload cannot be an ES module
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

/**
 * The hidden window of the GPU engine (src-gpu-host): never shown, the same locked-down preferences as
 * the app window (its preload passes engine channels to the page, nothing else), and not throttled
 * when hidden — it trains while nothing is on screen.
 */
export function gpuHostWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  const app = windowOptions(preloadPath);
  return {
    title: `${APP_NAME} GPU engine`,
    width: 320,
    height: 240,
    show: false,
    skipTaskbar: true,
    webPreferences: { ...app.webPreferences, backgroundThrottling: false },
  };
}

/** Where the renderer is loaded from: the built index.html, or the dev server under `electron-vite dev`. */
export interface RendererLocation {
  file: string;
  devServerUrl?: string;
}

/**
 * True only for our own renderer: the built index.html itself (any query or hash), or a page of
 * the dev server's origin. IPC handlers check the sender frame with this before they answer.
 */
export function isAppUrl(url: string, location: RendererLocation): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (location.devServerUrl !== undefined) {
    return parsed.origin === new URL(location.devServerUrl).origin;
  }
  if (parsed.protocol !== 'file:' || parsed.host !== '') return false;
  return parsed.pathname === pathToFileURL(location.file).pathname;
}
