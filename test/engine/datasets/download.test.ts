import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { create } from 'tar';
import { DataError } from '../../../src-shared/errors.ts';
import type { RemoteDataset } from '../../../src-main/engine/datasets/catalog.ts';
import { type DownloadProgress, downloadDataset, downloadFile, isDownloaded } from '../../../src-main/engine/datasets/download.ts';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

// A local server (127.0.0.1 only) serving `files`; honours Range unless `ignoreRange`; logs requests.
const files = new Map<string, Uint8Array>();
const seen: { path: string; range: string | undefined }[] = [];
let ignoreRange = false;
let server: Server;
let base: string;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pwb-download-'));
  server = createServer((req, res) => {
    const path = decodeURIComponent(req.url!.slice(1));
    seen.push({ path, range: req.headers.range });
    const body = files.get(path);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && !ignoreRange) {
      const start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'Content-Length': body.length - start, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { 'Content-Length': body.length });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

function payload(n: number, salt: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 13 + salt) % 251);
}

test('a full download reports progress and passes its checksum', async () => {
  const body = payload(300_000, 1);
  files.set('full.bin', body);
  const progress: DownloadProgress[] = [];
  const dest = join(dir, 'full.bin');
  await downloadFile(`${base}/full.bin`, dest, { sha256: [sha(body)], onProgress: (p) => progress.push(p) });
  assert.deepEqual(await readFile(dest), Buffer.from(body));
  assert.ok(!existsSync(`${dest}.part`));
  const last = progress.filter((p) => p.phase === 'download').at(-1)!;
  assert.equal(last.bytesDone, body.length);
  assert.equal(last.bytesTotal, body.length);
});

test('a partial .part is resumed with a Range request', async () => {
  const body = payload(200_000, 2);
  files.set('resume.bin', body);
  const dest = join(dir, 'resume.bin');
  await writeFile(`${dest}.part`, body.subarray(0, 123_456));
  seen.length = 0;
  const progress: DownloadProgress[] = [];
  await downloadFile(`${base}/resume.bin`, dest, { sha256: [sha(body)], onProgress: (p) => progress.push(p) });
  assert.deepEqual(seen, [{ path: 'resume.bin', range: 'bytes=123456-' }]);
  assert.equal(progress[0]!.bytesDone, 123_456);
  assert.deepEqual(await readFile(dest), Buffer.from(body));
});

test('a server that ignores Range makes the download start over', async () => {
  const body = payload(50_000, 3);
  files.set('norange.bin', body);
  const dest = join(dir, 'norange.bin');
  await writeFile(`${dest}.part`, payload(10_000, 99)); // wrong bytes: appending to them would fail the checksum
  ignoreRange = true;
  try {
    await downloadFile(`${base}/norange.bin`, dest, { sha256: [sha(body)] });
  } finally {
    ignoreRange = false;
  }
  assert.deepEqual(await readFile(dest), Buffer.from(body));
});

test('a checksum mismatch is a DataError and leaves no file', async () => {
  files.set('bad.bin', payload(1000, 4));
  const dest = join(dir, 'bad.bin');
  await assert.rejects(
    downloadFile(`${base}/bad.bin`, dest, { sha256: ['0'.repeat(64)] }),
    (e: unknown) => e instanceof DataError && /bad\.bin: SHA-256 .* does not match/.test(e.message),
  );
  assert.ok(!existsSync(dest));
  assert.ok(!existsSync(`${dest}.part`));
});

test('a dataset tarball is downloaded from the mirror, verified and unpacked', async () => {
  const src = join(dir, 'src');
  await mkdir(join(src, 'tiny-bin'), { recursive: true });
  await writeFile(join(src, 'tiny-bin', 'data.bin'), payload(3073, 5));
  const tarball = join(dir, 'tiny.tar.gz');
  await create({ gzip: true, file: tarball, cwd: src }, ['tiny-bin']);
  const bytes = await readFile(tarball);
  files.set('tiny.tar.gz', bytes);
  const spec: RemoteDataset = {
    id: 'tiny', name: 'Tiny', baseUrl: 'http://127.0.0.1:1/unused', extract: true, format: 'cifar10',
    files: [{ name: 'tiny.tar.gz', sha256: [sha(bytes)] }], trainSize: 1, testSize: 0, inputShape: [32, 32, 3], classes: 10,
  };
  const cacheDir = join(dir, 'cache');
  const out = await downloadDataset(spec, { cacheDir, mirror: `${base}/` });
  assert.equal(out, join(cacheDir, 'tiny'));
  assert.deepEqual(await readFile(join(out, 'tiny-bin', 'data.bin')), Buffer.from(payload(3073, 5)));
  assert.ok(!(await readdir(out)).includes('tiny.tar.gz'));
  assert.ok(isDownloaded(spec, cacheDir));
});
