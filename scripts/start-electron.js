#!/usr/bin/env node
// `npm start`: build, then launch the desktop app with electron-vite — or, where the Electron binary is
// not installed (it is downloaded from GitHub on first use, which offline machines cannot do), say so
// and point at the browser UI instead of failing with electron-vite's bare "Electron uninstall".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const electronDir = dirname(require.resolve('electron/package.json'));
const pathFile = join(electronDir, 'path.txt');
const binary = process.env.ELECTRON_EXEC_PATH ?? (existsSync(pathFile) ? join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim()) : null);
if (!binary || !existsSync(binary)) {
  process.stderr.write(
    'pwb: the Electron binary is not installed (electron downloads it from GitHub on first use, and this machine could not).\n' +
      '     Install it where you have network access (npx electron --version), or set ELECTRON_EXEC_PATH to an Electron binary.\n' +
      '     The same UI runs in a browser: npx pwb serve\n',
  );
  process.exit(1);
}
const run = (args) => spawnSync(process.execPath, [require.resolve('electron-vite/bin/electron-vite.js'), ...args], { stdio: 'inherit' });
const build = run(['build']);
if (build.status !== 0) process.exit(build.status ?? 1);
process.exit(run(['preview']).status ?? 1);
