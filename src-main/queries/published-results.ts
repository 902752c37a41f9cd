// Published accuracies beside our cells: resources/published/*.json, each file one table of a paper with
// its source named, each row matched to an experiment by dataset, architecture, method and the method's
// parameters. Only numbers a stored source holds are shipped; a cell the source lacks is null.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { canonicalJson } from '../store/arch-specs.ts';
import { parseOrThrow } from '../../src-shared/validate.ts';

// [mean, std] over the paper's runs; the std null for a single run (the reference's ImageNet models).
const cell = z.tuple([z.number(), z.number().nullable()]).nullable();

const PublishedTableSchema = z.strictObject({
  version: z.literal(1),
  paper: z.string().min(1),
  source: z.string().min(1),
  rows: z.array(z.strictObject({
    match: z.strictObject({ dataset: z.string(), arch: z.string(), method: z.string(), params: z.record(z.string(), z.unknown()) }),
    label: z.string().min(1),
    unpruned: cell,
    finetune: cell,
    scratchE: cell,
    scratchB: cell,
  })).min(1),
});

/** Mean and std in percent, as the paper prints them (std null: a single run); null where the source has no number. */
export type PublishedCell = [number, number | null] | null;

export interface PublishedRow {
  label: string;
  paper: string;
  source: string;
  unpruned: PublishedCell;
  finetune: PublishedCell;
  scratchE: PublishedCell;
  scratchB: PublishedCell;
}

interface Keyed extends PublishedRow {
  key: string;
}

/** The experiment's identity for matching: dataset, architecture id, method id and its given parameters. */
export interface ExperimentKey {
  dataset: string;
  arch: string;
  method: string;
  params: Record<string, unknown>;
}

function keyOf(k: ExperimentKey): string {
  return canonicalJson([k.dataset, k.arch, k.method, k.params]);
}

function publishedDir(): string {
  const resources = process.env.PWB_RESOURCES_DIR ?? fileURLToPath(new URL('../../resources', import.meta.url));
  return join(resources, 'published');
}

let loaded: Keyed[] | null = null;

function all(): Keyed[] {
  if (loaded) return loaded;
  const dir = publishedDir();
  loaded = readdirSync(dir).filter((f) => f.endsWith('.json')).sort().flatMap((f) => {
    const table = parseOrThrow(PublishedTableSchema, JSON.parse(readFileSync(join(dir, f), 'utf8')), join(dir, f));
    return table.rows.map((r) => ({
      key: keyOf(r.match), label: r.label, paper: table.paper, source: table.source,
      unpruned: r.unpruned, finetune: r.finetune, scratchE: r.scratchE, scratchB: r.scratchB,
    }));
  });
  return loaded;
}

/** The published row an experiment reproduces, if one is shipped. */
export function publishedFor(k: ExperimentKey): PublishedRow | null {
  const key = keyOf(k);
  const row = all().find((r) => r.key === key);
  if (!row) return null;
  const { key: _key, ...rest } = row;
  return rest;
}
