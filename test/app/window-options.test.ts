import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CONTENT_SECURITY_POLICY,
  isAppUrl,
  gpuHostWindowOptions,
  windowOptions,
} from '../../src-main/app/window-options.ts';

const repo = path.resolve(import.meta.dirname, '../..');

test('the app window is isolated, sandboxed and has no Node integration', () => {
  const prefs = windowOptions('/app/out/preload/index.cjs').webPreferences;
  assert.ok(prefs);
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInWorker, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.allowRunningInsecureContent, false);
  assert.equal(prefs.webviewTag, false);
  assert.equal(prefs.preload, '/app/out/preload/index.cjs');
  assert.match(prefs.preload, /\.cjs$/, 'a sandboxed preload must be CommonJS');
});

test('the hidden GPU engine window is as locked down as the app window, never shown, never throttled', () => {
  const options = gpuHostWindowOptions('/app/out/preload/gpu-host.cjs');
  const prefs = options.webPreferences!;
  assert.equal(options.show, false);
  assert.equal(prefs.backgroundThrottling, false, 'a hidden window is throttled unless told not to: training would crawl');
  const { preload, backgroundThrottling, ...rest } = prefs;
  const { preload: appPreload, ...app } = windowOptions('/app/out/preload/index.cjs').webPreferences!;
  assert.deepEqual(rest, app);
  assert.equal(preload, '/app/out/preload/gpu-host.cjs');
  assert.equal(appPreload, '/app/out/preload/index.cjs');
  assert.equal(backgroundThrottling, false);
});

test('the CSP allows no eval, no inline script and no remote origin', () => {
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-eval/);
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name, ...sources] = d.trim().split(/\s+/);
      return [name, sources] as const;
    }),
  );
  assert.deepEqual(directives.get('default-src'), ["'self'"]);
  assert.deepEqual(directives.get('script-src'), ["'self'"]);
  assert.deepEqual(directives.get('connect-src'), ["'self'"]);
  for (const [name, sources] of directives) {
    for (const source of sources) {
      assert.doesNotMatch(source, /^(https?:|\*|'unsafe-eval'|'wasm-unsafe-eval')/, `${name} allows ${source}`);
    }
  }
});

test('index.html carries the same CSP as the response header', () => {
  const html = readFileSync(path.join(repo, 'src-renderer/index.html'), 'utf8');
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html);
  assert.ok(meta, 'src-renderer/index.html has no Content-Security-Policy meta tag');
  assert.equal(meta[1], CONTENT_SECURITY_POLICY);
});

test('only our own renderer counts as an app URL', () => {
  const file = path.join(repo, 'out/renderer/index.html');
  const built = { file };
  const url = pathToFileURL(file).href;
  assert.equal(isAppUrl(url, built), true);
  assert.equal(isAppUrl(`${url}#/runs?x=1`, built), true);
  assert.equal(isAppUrl(pathToFileURL(path.join(repo, 'out/renderer/other.html')).href, built), false);
  assert.equal(isAppUrl('file:///etc/passwd', built), false);
  assert.equal(isAppUrl('https://example.com/index.html', built), false);
  assert.equal(isAppUrl('not a url', built), false);

  const dev = { file, devServerUrl: 'http://localhost:5173/' };
  assert.equal(isAppUrl('http://localhost:5173/index.html', dev), true);
  assert.equal(isAppUrl('http://localhost:5174/', dev), false);
  assert.equal(isAppUrl('http://127.0.0.1:5173/', dev), false);
  assert.equal(isAppUrl(url, dev), false);
});
