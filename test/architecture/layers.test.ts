// Enforces the import directions of DESIGN.md ("Layers: imports flow downward only") over every
// .ts and .svelte file of the app, type-only imports included. A failure names the file, the
// line and the offending import, and says which rule it breaks.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const repo = path.resolve(import.meta.dirname, '../..');
const SOURCE_ROOTS = ['src-shared', 'src-main', 'src-preload', 'src-renderer', 'src-gpu-host'];

interface PackageClass {
  name: string;
  matches: (specifier: string) => boolean;
}
const electron: PackageClass = { name: 'electron', matches: (s) => s === 'electron' || s.startsWith('electron/') };
// Reading a package's manifest (its version) loads no code, so `<pkg>/package.json` is not an import of it.
const tfjs: PackageClass = {
  name: '@tensorflow/*',
  matches: (s) => s.startsWith('@tensorflow/') && !s.endsWith('/package.json'),
};
const sqlite: PackageClass = { name: 'better-sqlite3', matches: (s) => s === 'better-sqlite3' };
const nodeBuiltins: PackageClass = { name: 'Node builtins', matches: (s) => isBuiltin(s) };

interface Rule {
  /** A folder relative to the repo; a file belongs to the longest folder that contains it. */
  layer: string;
  /** Which of our layers it may import, besides its own: an allow-list or a deny-list. */
  ours: { only: string[] } | { not: string[] };
  /** Which packages it may import: an allow-list or a deny-list. */
  packages: { only: PackageClass[] } | { not: PackageClass[] };
  why: string;
}

const RULES: Rule[] = [
  {
    layer: 'src-shared',
    ours: { only: [] },
    packages: { not: [electron, tfjs, sqlite, nodeBuiltins] },
    why: 'src-shared is loaded by every process, the renderer included',
  },
  {
    layer: 'src-main/engine',
    ours: { only: ['src-shared'] },
    packages: { not: [electron] },
    why: 'the engine runs in job processes and under the CLI, never inside Electron',
  },
  {
    layer: 'src-main/store',
    ours: { only: ['src-shared'] },
    packages: { not: [electron, tfjs] },
    why: 'the store is SQLite only and is shared by the app, the CLI and the jobs',
  },
  {
    layer: 'src-main/app',
    ours: { not: ['src-main/engine', 'src-main/cli', 'src-preload', 'src-renderer'] },
    packages: { not: [tfjs] },
    why: 'the Electron main process supervises; training runs in a utility process, not on its event loop',
  },
  {
    layer: 'src-main/jobs',
    ours: { only: ['src-shared', 'src-main/engine', 'src-main/store'] },
    packages: { not: [electron] },
    why: 'jobs run runs against the store; they serve the API and the CLI and never know about either',
  },
  {
    layer: 'src-main/queue',
    ours: { only: ['src-shared', 'src-main/engine', 'src-main/store', 'src-main/jobs'] },
    packages: { not: [electron] },
    why: 'the queue carries runs to workers and their results back to the store; the CLI and the API drive it, and it knows neither',
  },
  {
    layer: 'src-main/queries',
    ours: { only: ['src-shared', 'src-main/engine', 'src-main/store', 'src-main/jobs'] },
    packages: { not: [electron] },
    why: 'queries answer the UI and the CLI from the store and the registries (options, results, tables, exports, presets); they run nothing',
  },
  {
    layer: 'src-main/api',
    ours: { only: ['src-shared', 'src-main/jobs', 'src-main/queries', 'src-main/store', 'src-main/engine', 'src-main/queue'] },
    packages: { not: [electron] },
    why: 'the API is implemented once and served by both transports, so it knows neither Electron nor the CLI',
  },
  {
    layer: 'src-main/cli',
    ours: { not: ['src-main/app', 'src-preload', 'src-renderer'] },
    packages: { not: [electron] },
    why: 'the pwb command runs under plain Node',
  },
  {
    layer: 'src-preload',
    ours: { only: ['src-shared'] },
    packages: { only: [electron] },
    why: 'a sandboxed preload can only require electron; everything else is bundled from src-shared',
  },
  {
    layer: 'src-gpu-host',
    ours: { only: ['src-shared', 'src-main/engine'] },
    packages: { not: [electron, sqlite] },
    why: "the GPU host is the engine in a Chromium Worker of the desktop app (WebGPU lives there): it trains what the job process sends it and touches no store",
  },
  {
    layer: 'src-renderer',
    ours: { only: ['src-shared'] },
    packages: { not: [electron, nodeBuiltins, tfjs, sqlite] },
    why: 'the renderer runs sandboxed (or in a plain browser) and talks to the workbench only through the API',
  },
];

function sourceFiles(): string[] {
  const files: string[] = [];
  for (const root of SOURCE_ROOTS) {
    for (const entry of readdirSync(path.join(repo, root), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.(ts|svelte)$/.test(entry.name)) continue;
      const file = path.relative(repo, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
      if (!file.split('/').includes('node_modules')) files.push(file);
    }
  }
  return files.sort();
}

/** The folder that names a file's layer: the longest rule layer containing it, else its top folder. */
function layerOf(file: string): string {
  const matching = RULES.map((r) => r.layer).filter((l) => file === l || file.startsWith(`${l}/`));
  if (matching.length > 0) return matching.sort((a, b) => b.length - a.length)[0]!;
  const parts = file.split('/');
  return parts[0] === 'src-main' && parts.length > 2 ? `src-main/${parts[1]}` : parts[0]!;
}

interface Import {
  specifier: string;
  line: number;
}

/** Every import, export-from, import(), require() and `import x = require()` of a file. */
function importsOf(file: string, text: string): Import[] {
  const scripts = file.endsWith('.svelte')
    ? [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => ({
        code: m[1]!,
        lineOffset: text.slice(0, m.index! + m[0].indexOf('>') + 1).split('\n').length - 1,
      }))
    : [{ code: text, lineOffset: 0 }];
  const found: Import[] = [];
  for (const { code, lineOffset } of scripts) {
    for (const ref of ts.preProcessFile(code, true, true).importedFiles) {
      const line = code.slice(0, ref.pos).split('\n').length + lineOffset;
      found.push({ specifier: ref.fileName, line });
    }
  }
  return found;
}

/** Why `file` may not import `specifier`, or null when it may. */
function violation(file: string, specifier: string): string | null {
  const from = layerOf(file);
  const rule = RULES.find((r) => r.layer === from);
  if (rule === undefined) return null;
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier.split('?')[0]!));
    const to = layerOf(target);
    if (to === from) return null;
    const allowed = 'only' in rule.ours ? rule.ours.only.includes(to) : !rule.ours.not.includes(to);
    if (allowed) return null;
    const list = 'only' in rule.ours ? `may import only ${rule.ours.only.join(', ') || 'nothing of ours'}` : `must not import ${to}`;
    return `${from} ${list} (this import reaches ${to}): ${rule.why}`;
  }
  if ('only' in rule.packages) {
    if (rule.packages.only.some((p) => p.matches(specifier))) return null;
    return `${from} may import only the packages ${rule.packages.only.map((p) => p.name).join(', ')}: ${rule.why}`;
  }
  const hit = rule.packages.not.find((p) => p.matches(specifier));
  return hit === undefined ? null : `${from} must not import ${hit.name}: ${rule.why}`;
}

test('imports flow the way DESIGN.md says', () => {
  const files = sourceFiles();
  const problems: string[] = [];
  for (const file of files) {
    for (const { specifier, line } of importsOf(file, readFileSync(path.join(repo, file), 'utf8'))) {
      const why = violation(file, specifier);
      if (why !== null) problems.push(`${file}:${line} imports '${specifier}' — ${why}`);
    }
  }
  assert.equal(problems.length, 0, `${problems.length} import(s) break the layering:\n  ${problems.join('\n  ')}`);
});

test('the scan sees every layer that exists', () => {
  const layers = new Set(sourceFiles().map(layerOf));
  for (const layer of ['src-shared', 'src-main/app', 'src-preload', 'src-renderer']) {
    assert.ok(layers.has(layer), `no source files found for ${layer}: is the scan looking in the right place?`);
  }
});

test('the checker catches what it should (type-only, dynamic, require, .svelte)', () => {
  const svelte = '<p>x</p>\n<script lang="ts">\n  import type { A } from "../../src-main/engine/x.ts";\n</script>';
  assert.deepEqual(importsOf('src-renderer/src/A.svelte', svelte), [{ specifier: '../../src-main/engine/x.ts', line: 3 }]);
  const code = "// import 'commented'\nconst s = \"import 'in-a-string'\";\nimport type { B } from 'electron';\nconst m = await import('node:fs');\nconst r = require('better-sqlite3');";
  assert.deepEqual(
    importsOf('src-shared/x.ts', code).map((i) => `${i.line}:${i.specifier}`),
    ['3:electron', '4:node:fs', '5:better-sqlite3'],
  );

  assert.match(violation('src-shared/a.ts', '../src-main/engine/x.ts')!, /nothing of ours/);
  assert.match(violation('src-shared/a.ts', 'electron')!, /must not import electron/);
  assert.match(violation('src-shared/a.ts', '@tensorflow/tfjs-core')!, /@tensorflow/);
  assert.equal(violation('src-shared/a.ts', './errors.ts'), null);
  assert.equal(violation('src-shared/a.ts', 'zod'), null);

  assert.match(violation('src-main/engine/models/m.ts', 'electron')!, /electron/);
  for (const target of ['store/db.ts', 'cli/main.ts', 'app/main.ts']) {
    assert.ok(violation('src-main/engine/m.ts', `../${target}`), `engine -> ${target} should be refused`);
  }
  assert.equal(violation('src-main/engine/models/m.ts', '../../../src-shared/arch-spec.ts'), null);
  assert.equal(violation('src-main/engine/models/m.ts', '@tensorflow/tfjs-core'), null);

  assert.ok(violation('src-main/store/runs.ts', '../engine/random.ts'));
  assert.ok(violation('src-main/store/runs.ts', 'electron'));
  assert.equal(violation('src-main/store/runs.ts', 'better-sqlite3'), null);

  assert.ok(violation('src-main/app/main.ts', '../engine/training/train.ts'));
  assert.ok(violation('src-main/app/main.ts', '@tensorflow/tfjs-core'));
  assert.equal(violation('src-main/app/main.ts', '@tensorflow/tfjs-core/package.json'), null);
  assert.equal(violation('src-main/app/main.ts', 'electron'), null);

  assert.ok(violation('src-renderer/src/App.svelte', '../../src-main/app/window-options.ts'));
  assert.ok(violation('src-renderer/src/main.ts', 'node:path'));
  assert.ok(violation('src-renderer/src/main.ts', 'fs'));
  assert.ok(violation('src-renderer/src/main.ts', 'electron'));
  assert.equal(violation('src-renderer/src/main.ts', 'svelte'), null);

  assert.equal(violation('src-preload/index.ts', 'electron'), null);
  assert.equal(violation('src-preload/index.ts', '../src-shared/workbench-api.ts'), null);
  assert.ok(violation('src-preload/index.ts', 'node:fs'));
  assert.ok(violation('src-preload/index.ts', 'zod'));
  assert.ok(violation('src-preload/index.ts', '../src-main/app/window-options.ts'));
});
