// Downloads the built-in datasets into the cache folder: resumable (a `.part` file continued with an
// HTTP Range request; a server that ignores Range restarts it), verified by SHA-256, tarballs unpacked
// with `tar`. The base URL is replaceable (option `mirror` or $PWB_DATASET_MIRROR) for tests and
// offline mirrors: a file's URL is then `${mirror}/${file name}`.

import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extract } from 'tar';
import { CancelledError, DataError, NotFoundError } from '../../../src-shared/errors.ts';
import { type RemoteDataset, REMOTE_DATASETS, datasetDir, defaultCacheDir, remoteDataset } from './catalog.ts';

export interface DownloadProgress {
  /** File name being downloaded, or the archive being unpacked (then bytes are not counted). */
  file: string;
  phase: 'download' | 'verify' | 'extract';
  bytesDone: number;
  /** Null when the server sends no length. */
  bytesTotal: number | null;
}

export interface FileDownloadOptions {
  /** Accepted SHA-256 values, lower-case hex. */
  sha256: string[];
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
}

/** Marker written when a dataset's files are all downloaded, verified and unpacked. */
const COMPLETE_MARKER = '.pwb-complete';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** `bytes 100-199/1000` -> { start: 100, total: 1000 } (total null for `*`). */
function parseContentRange(header: string | null): { start: number; total: number | null } | null {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (!m) return null;
  return { start: Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) };
}

async function request(url: string, offset: number, signal?: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, signal: signal ?? null });
  } catch (e) {
    if (signal?.aborted) throw new CancelledError(`download of ${url} cancelled; run it again to resume`);
    throw new DataError(`cannot download ${url}: ${(e as Error).message}; check the connection and run it again to resume`);
  }
}

/**
 * Downloads `url` to `dest` via `dest.part`, resuming a partial `.part`. Succeeds only when the file's
 * SHA-256 is one of `sha256`; otherwise the bad file is removed and a DataError thrown. A `dest` that
 * already exists with a good checksum is kept.
 */
export async function downloadFile(url: string, dest: string, opts: FileDownloadOptions): Promise<void> {
  const file = dest.split(/[\\/]/).pop()!;
  const report = (phase: DownloadProgress['phase'], bytesDone: number, bytesTotal: number | null): void =>
    opts.onProgress?.({ file, phase, bytesDone, bytesTotal });
  if (existsSync(dest)) {
    if (opts.sha256.includes(await sha256File(dest))) return;
    await unlink(dest);
  }
  const part = `${dest}.part`;
  let offset = await sizeOf(part);
  let res = await request(url, offset, opts.signal);
  if (res.status === 416 && offset > 0) {
    // Nothing left to send: the .part may already be whole; verify it below or start over.
    await res.body?.cancel();
    if (opts.sha256.includes(await sha256File(part))) {
      await rename(part, dest);
      return;
    }
    offset = 0;
    res = await request(url, 0, opts.signal);
  }
  let total: number | null;
  if (res.status === 206 && offset > 0) {
    const range = parseContentRange(res.headers.get('content-range'));
    if (!range || range.start !== offset) {
      await res.body?.cancel();
      throw new DataError(`${url}: server answered a resume with an unexpected range (${res.headers.get('content-range')}); delete ${part} and try again`);
    }
    total = range.total;
  } else if (res.status === 200) {
    offset = 0; // the server ignored Range (or none was asked): start over
    const len = res.headers.get('content-length');
    total = len === null ? null : Number(len);
  } else {
    await res.body?.cancel();
    if (res.status === 404) throw new NotFoundError(`${url}: not found on the server (HTTP 404)`);
    throw new DataError(`${url}: download failed with HTTP ${res.status} ${res.statusText}`);
  }

  let done = offset;
  report('download', done, total);
  const fh = await open(part, offset > 0 ? 'a' : 'w');
  try {
    if (res.body) {
      for await (const chunk of res.body) {
        await fh.write(chunk);
        done += chunk.length;
        report('download', done, total);
      }
    }
  } catch (e) {
    if (opts.signal?.aborted) throw new CancelledError(`download of ${url} cancelled; run it again to resume`);
    throw new DataError(`download of ${url} broke off after ${done} bytes (${(e as Error).message}); run it again to resume`);
  } finally {
    await fh.close();
  }
  if (total !== null && done !== total) {
    throw new DataError(`download of ${url} ended after ${done} of ${total} bytes; run it again to resume`);
  }
  report('verify', done, total);
  const actual = await sha256File(part);
  if (!opts.sha256.includes(actual)) {
    await unlink(part);
    throw new DataError(`${file}: SHA-256 ${actual} does not match the expected ${opts.sha256.join(' or ')}; the file was removed, download it again`);
  }
  await rename(part, dest);
}

export interface DownloadOptions {
  cacheDir?: string;
  /** Base URL serving the files by name; default $PWB_DATASET_MIRROR, then the official location. */
  mirror?: string;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
}

/** Whether `download()` has completed for this dataset in `cacheDir`. */
export function isDownloaded(spec: RemoteDataset, cacheDir: string = defaultCacheDir()): boolean {
  return existsSync(join(datasetDir(cacheDir, spec.id), COMPLETE_MARKER));
}

/**
 * Downloads, verifies and unpacks a built-in dataset (an id from the catalog, or a spec) into
 * `<cacheDir>/<id>/`, and returns that folder. Does nothing for a dataset already complete.
 */
export async function downloadDataset(idOrSpec: string | RemoteDataset, opts: DownloadOptions = {}): Promise<string> {
  const spec = typeof idOrSpec === 'string' ? remoteDataset(idOrSpec) : idOrSpec;
  if (!spec) {
    throw new NotFoundError(`no downloadable dataset "${String(idOrSpec)}"; valid ids: ${REMOTE_DATASETS.map((d) => d.id).join(', ')}`);
  }
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const dir = datasetDir(cacheDir, spec.id);
  if (isDownloaded(spec, cacheDir)) return dir;
  await mkdir(dir, { recursive: true });
  const base = (opts.mirror ?? process.env.PWB_DATASET_MIRROR ?? spec.baseUrl).replace(/\/+$/, '');
  for (const f of spec.files) {
    const dest = join(dir, f.name);
    await downloadFile(`${base}/${f.name}`, dest, { sha256: f.sha256, onProgress: opts.onProgress, signal: opts.signal });
    if (spec.extract && f.name.endsWith('.tar.gz')) {
      opts.onProgress?.({ file: f.name, phase: 'extract', bytesDone: 0, bytesTotal: null });
      try {
        await extract({ file: dest, cwd: dir, strict: true });
      } catch (e) {
        throw new DataError(`${dest}: cannot unpack (${(e as Error).message})`);
      }
      await unlink(dest); // the unpacked files are what the loader reads
    }
  }
  await writeFile(join(dir, COMPLETE_MARKER), new Date().toISOString() + '\n');
  return dir;
}
