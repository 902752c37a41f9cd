// The embedded default dataset, fashion-mnist-mini: gzip'ed IDX files in the project's resources
// folder (made by scripts/make-fashion-mnist-mini.ts), checked against the SHA-256s in manifest.json
// before use, so a damaged install fails loudly instead of training on bad bytes.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DataError, NotFoundError } from '../../../src-shared/errors.ts';
import type { Dataset } from './dataset.ts';
import { loadIdxFolder } from './idx.ts';

export const EMBEDDED_ID = 'fashion-mnist-mini';

export const EmbeddedManifestSchema = z.object({
  id: z.string(),
  name: z.string(),
  inputShape: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  classNames: z.array(z.string()).min(2),
  train: z.object({ size: z.number().int() }),
  test: z.object({ size: z.number().int() }),
  mean: z.array(z.number()),
  std: z.array(z.number()),
  files: z.array(z.object({ name: z.string(), bytes: z.number().int(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
});
export type EmbeddedManifest = z.infer<typeof EmbeddedManifestSchema>;

/**
 * The folder holding the embedded files: $PWB_RESOURCES_DIR/datasets/fashion-mnist-mini when set
 * (a packaged app, whose bundled code no longer sits next to resources/), else the repository's
 * resources/ folder, found relative to this source file.
 */
export function embeddedDir(): string {
  const resources = process.env.PWB_RESOURCES_DIR ?? fileURLToPath(new URL('../../../resources', import.meta.url));
  return join(resources, 'datasets', EMBEDDED_ID);
}

export async function readEmbeddedManifest(dir: string = embeddedDir()): Promise<EmbeddedManifest> {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new NotFoundError(`${path}: the embedded dataset's manifest is missing; the installation is incomplete`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new DataError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = EmbeddedManifestSchema.safeParse(json);
  if (!parsed.success) throw new DataError(`${path}: not a dataset manifest (${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

/** Checks every file listed in the manifest against its SHA-256; throws DataError on the first mismatch. */
export async function verifyEmbedded(dir: string, manifest: EmbeddedManifest): Promise<void> {
  await Promise.all(
    manifest.files.map(async (f) => {
      const path = join(dir, f.name);
      if (!existsSync(path)) throw new NotFoundError(`${path}: missing file of the embedded dataset`);
      const actual = createHash('sha256').update(await readFile(path)).digest('hex');
      if (actual !== f.sha256) {
        throw new DataError(`${path}: SHA-256 ${actual} does not match ${f.sha256} in manifest.json; the file is damaged, reinstall`);
      }
    }),
  );
}

export async function loadEmbedded(dir: string = embeddedDir()): Promise<Dataset> {
  const manifest = await readEmbeddedManifest(dir);
  await verifyEmbedded(dir, manifest);
  const ds = await loadIdxFolder(dir, {
    id: EMBEDDED_ID,
    name: manifest.name,
    source: 'embedded',
    classNames: manifest.classNames,
    mean: manifest.mean,
    std: manifest.std,
  });
  if (ds.train.size !== manifest.train.size || ds.test.size !== manifest.test.size) {
    throw new DataError(`${dir}: files hold ${ds.train.size}/${ds.test.size} examples, manifest.json says ${manifest.train.size}/${manifest.test.size}`);
  }
  return ds;
}
