// Shared fixtures for the CLI tests: run `pwb` as a child process (the real entry, bin/pwb.js) in an
// environment that points every default location (database, data folder, dataset cache) into a temp
// folder, and look at the resulting SQLite file from outside.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import Database from 'better-sqlite3';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PWB_BIN = path.join(REPO_ROOT, 'bin', 'pwb.js');

export interface PwbResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the child process, in milliseconds. */
  ms: number;
}

export interface RunOptions {
  /** Added to (and overriding) the inherited environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Kill the child after this many milliseconds (default 60 s). */
  timeoutMs?: number;
  /** Run as this user and group (needs root): how a root test sees what a normal user would. */
  uid?: number;
  gid?: number;
}

/** Variables that would change what `pwb` prints or where it writes, removed unless given. */
const SCRUBBED = ['PWB_DEBUG', 'PWB_DB', 'PWB_DATASETS_DIR', 'PWB_DATASET_MIRROR', 'XDG_DATA_HOME', 'XDG_CACHE_HOME'];

/** Runs `node bin/pwb.js ...args` (stdin closed, stdout/stderr are pipes, so not a TTY). */
export function runPwb(args: string[], opts: RunOptions = {}): Promise<PwbResult> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of SCRUBBED) delete env[k];
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PWB_BIN, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 60_000,
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid ?? opts.uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started }));
  });
}

/** A temporary folder removed when the test (or suite, for a `before` hook's context) ends. */
export function tempDir(t?: Pick<TestContext, 'after'>, prefix = 'pwb-cli-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (t) t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A temp folder plus the environment that keeps `pwb` inside it. */
export interface Sandbox {
  dir: string;
  /** The database the tests pass with --db (not created yet). */
  db: string;
  /** PWB_DB, XDG_DATA_HOME, PWB_DATASETS_DIR (and XDG_CACHE_HOME) inside `dir`. */
  env: Record<string, string>;
  /** `pwb --db <db> ...args` with `env`. */
  run(args: string[], opts?: RunOptions): Promise<PwbResult>;
  /** `pwb ...args` with `env` and no --db. */
  runNoDb(args: string[], opts?: RunOptions): Promise<PwbResult>;
}

export function sandbox(dir: string, dbName = 'test.sqlite'): Sandbox {
  const env = {
    // Where the default database would go if a command ignored --db: not the one the tests read.
    PWB_DB: path.join(dir, 'env-default.sqlite'),
    XDG_DATA_HOME: path.join(dir, 'xdg-data'),
    XDG_CACHE_HOME: path.join(dir, 'xdg-cache'),
    PWB_DATASETS_DIR: path.join(dir, 'datasets'),
    // Each spawn compiles the same few hundred modules; V8's code cache cuts that by about a tenth.
    NODE_COMPILE_CACHE: path.join(dir, 'node-compile-cache'),
  };
  const db = path.join(dir, dbName);
  const merge = (opts: RunOptions = {}): RunOptions => ({ ...opts, env: { ...env, ...opts.env } });
  return {
    dir,
    db,
    env,
    run: (args, opts) => runPwb(['--db', db, ...args], merge(opts)),
    runNoDb: (args, opts) => runPwb(args, merge(opts)),
  };
}

export function dbExists(file: string): boolean {
  return fs.existsSync(file);
}

/** Row count of every table of the database at `file`, read-only; null when there is no file. */
export function countRows(file: string): Record<string, number> | null {
  if (!fs.existsSync(file)) return null;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[];
    return Object.fromEntries(tables.map((t) => [t, (db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number)]));
  } finally {
    db.close();
  }
}

/** The lines of a stream's text, without the trailing newline's empty line. */
export function lines(text: string): string[] {
  const all = text.split('\n').filter((l) => !isTensorflowLog(l));
  if (all.at(-1) === '') all.pop();
  return all;
}

/**
 * A line libtensorflow itself writes to stderr: absl's preamble and its "I0000 00:00:… file.cc:N] …"
 * lines. The TensorFlow 2.21 library the test rig installs logs two at load ("oneDNN custom operations
 * are on") that TF_CPP_MIN_LOG_LEVEL cannot silence; they are not pwb's output.
 */
export function isTensorflowLog(line: string): boolean {
  return line.startsWith('WARNING: All log messages before absl::InitializeLog()') || /^[IWE]\d{4} [\d:.]+ +\d+ [\w.-]+:\d+\] /.test(line);
}

/** A compact description of a result, for assertion messages. */
export function explain(r: PwbResult): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}
