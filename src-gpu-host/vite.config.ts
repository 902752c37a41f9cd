// The desktop app's GPU engine page (index.html: the hidden window; engine-worker.ts: the engine on
// Chromium's WebGPU) as static files in out/gpu-host/, loaded by the app and by the Playwright test.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// The engine's Node-only paths (Dawn's binding, the adapter probe's child process) are never taken where
// navigator.gpu exists, so their Node imports are left out of the Worker on purpose: not worth a warning.
const logger = createLogger('warn');
const warn = logger.warn.bind(logger);
logger.warn = (msg, options) => {
  if (!/has been externalized for browser compatibility/.test(msg)) warn(msg, options);
};

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  customLogger: logger,
  build: { outDir: path.resolve(here, '../out/gpu-host'), emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' },
});
