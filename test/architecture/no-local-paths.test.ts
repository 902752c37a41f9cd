// The project never points at material outside itself: no source, resource or script names a path of
// the machine it was written on (a shared folder beside the checkout, /work/…). Facts taken from
// elsewhere name their public source instead.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');
const DIRS = ['src-main', 'src-shared', 'src-preload', 'src-renderer/src', 'resources', 'scripts', 'test', 'bin'];
const TEXT = /\.(ts|js|mjs|cjs|svelte|json|sh|py|md|html|css)$/;
const LOCAL = /(\.\.\/shared\/|\/work\/(shared|main|\.library)\b)/;

function* files(dir: string): Generator<string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (TEXT.test(e.name)) yield p;
  }
}

test('no file names a local path outside the repository', () => {
  const found: string[] = [];
  for (const d of DIRS) {
    const dir = path.join(root, d);
    if (!fs.existsSync(dir)) continue;
    for (const f of files(dir)) {
      if (f === import.meta.filename) continue;
      fs.readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
        if (LOCAL.test(line)) found.push(`${path.relative(root, f)}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
  }
  assert.deepEqual(found, []);
});
