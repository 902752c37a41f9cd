// Presets: named, versioned ExperimentSpecs shipped in resources/presets/<id>.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotFoundError, ValidationError } from '../../src-shared/errors.ts';
import { ExperimentSpecSchema, type ExperimentSpec } from '../../src-shared/experiment-spec.ts';
import { parseOrThrow } from '../../src-shared/validate.ts';

/** resources/presets, overridable with $PWB_RESOURCES_DIR (a packaged app's resources folder). */
export function presetsDir(): string {
  const resources = process.env.PWB_RESOURCES_DIR ?? fileURLToPath(new URL('../../resources', import.meta.url));
  return join(resources, 'presets');
}

export function presetIds(): string[] {
  return readdirSync(presetsDir()).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

export function loadPreset(id: string): ExperimentSpec {
  const path = join(presetsDir(), `${id}.json`);
  if (!/^[a-z0-9-]+$/.test(id) || !existsSync(path)) {
    throw new NotFoundError(`unknown preset '${id}'; presets: ${presetIds().join(', ')}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ValidationError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseOrThrow(ExperimentSpecSchema, raw, `preset ${id}`);
}
