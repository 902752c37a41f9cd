// `pwb serve` as a user runs it: exactly one line on stdout with the URL and a fresh token, the
// page behind it, Ctrl-C stops it; refusals (non-loopback host, no renderer build) are one line.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { REPO_ROOT, tempDir } from './helpers.ts';

const tmp = tempDir('pwb-serve-');
after(() => tmp.remove());
const renderer = path.join(tmp.dir, 'renderer');
mkdirSync(renderer);
writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>served</title>');

interface Served {
  firstLine: Promise<string>;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function serve(args: string[]): Served {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/pwb.js'), '--db', path.join(tmp.dir, 'wb.sqlite'), 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PWB_DEBUG: '' },
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const firstLine = new Promise<string>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n') + 1));
    });
    child.once('exit', () => resolve(out));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  void exited.then(() => clearTimeout(timer));
  return { firstLine, stdout: () => out, stderr: () => err, exited, kill: (s) => void child.kill(s) };
}

test('pwb serve prints exactly one line, a fresh token each launch, serves the page, and stops on SIGINT', async () => {
  const a = serve(['--port', '0', '--renderer', renderer]);
  const b = serve(['--renderer', renderer]);
  const [lineA, lineB] = await Promise.all([a.firstLine, b.firstLine]);
  const re = /^listening on http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64})\n$/;
  assert.match(lineA, re, a.stderr());
  assert.match(lineB, re, b.stderr());
  const [, , tokenA] = re.exec(lineA)!;
  const [, , tokenB] = re.exec(lineB)!;
  assert.notEqual(tokenA, tokenB, 'a token per launch');

  const page = await fetch(lineA.trim().slice('listening on '.length));
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>served<\/title>/);
  assert.match(page.headers.get('set-cookie') ?? '', /^pwb_token_\d+=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/$/);
  const port = re.exec(lineA)![1];
  assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 401);

  a.kill('SIGINT');
  b.kill('SIGTERM');
  assert.equal(await a.exited, 0, a.stderr());
  assert.equal(await b.exited, 0, b.stderr());
  assert.equal(a.stdout(), lineA, 'nothing else on stdout');
});

test('pwb serve refuses a non-loopback --host without --allow-remote, and a missing renderer build', async () => {
  const remote = serve(['--host', '0.0.0.0', '--renderer', renderer]);
  assert.equal(await remote.exited, 2);
  assert.equal(remote.stdout(), '');
  assert.match(remote.stderr(), /^pwb: error: --host 0\.0\.0\.0 is not a loopback address; add --allow-remote.*\n$/);

  const missing = serve(['--renderer', path.join(tmp.dir, 'nothing-built')]);
  assert.equal(await missing.exited, 2);
  assert.equal(missing.stdout(), '');
  assert.match(missing.stderr(), /^pwb: error: no renderer build at .*nothing-built .*run `npm run build`.*\n$/);
});
