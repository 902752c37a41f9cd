// Importing a foreign model, for `pwb import-model` and the workbench's importModel call alike: read the
// model (by its main file's name: a .json is a TF.js Layers model whose weight files `read` supplies,
// anything else ONNX), check the spec it becomes, and write DIR/arch.json (the graph ArchSpec) and
// DIR/weights.ckpt (its weights as a checkpoint, which `pwb prune --weights` and an experiment's
// baselineWeights read). Nothing is written before the model has been read and checked.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../../src-shared/errors.ts';
import { defaultTrainConfig } from '../../src-shared/train-config.ts';
import type { ImportedModelInfo } from '../../src-shared/workbench-api.ts';
import { analyseCost } from '../engine/analysis/cost.ts';
import type { GraphSpec } from '../engine/models/graph.ts';
import type { ImportedModel } from '../engine/import/graph-builder.ts';
import { importOnnx } from '../engine/import/onnx-model.ts';
import { importTfjsLayers } from '../engine/import/tfjs-layers.ts';
import { validateSpec } from '../engine/models/register-all.ts';
import { prunableUnits } from '../engine/pruning/units.ts';
import { writeCheckpoint } from '../engine/training/checkpoint.ts';

/** What an import wrote, and the model it wrote (the workbench's ImportedModelInfo, with the spec a graph's). */
export type ImportSummary = ImportedModelInfo & { spec: GraphSpec };

/**
 * The model in `file` (its bytes from `read(file)`); a TF.js model.json's weight files are read by the
 * paths it names. `read` returns null for a file it does not have.
 */
export function readModel(file: string, read: (path: string) => Uint8Array | null): ImportedModel {
  const bytes = read(file);
  if (bytes === null) throw new ValidationError(`${file}: no such file; pass an .onnx file or a TF.js model.json`);
  if (!file.toLowerCase().endsWith('.json')) return importOnnx(bytes, file);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new ValidationError(`${file}: not JSON (${(e as Error).message}); pass a TF.js model.json or an .onnx file`);
  }
  return importTfjsLayers(json, (path) => {
    const shard = read(path);
    if (shard === null) throw new ValidationError(`${file}: its weights file '${path}' is not beside it`);
    return shard;
  }, file);
}

/** Writes `imported` into `dir` (created); an arch.json or weights.ckpt already there is refused unless `force`. */
export function saveImportedModel(dir: string, imported: ImportedModel, opts: { force?: boolean; replaceHint?: string } = {}): ImportSummary {
  validateSpec(imported.spec);
  const archFile = join(dir, 'arch.json');
  const weightsFile = join(dir, 'weights.ckpt');
  const present = [archFile, weightsFile].find((p) => existsSync(p));
  if (present && !opts.force) throw new ValidationError(`${present} exists; ${opts.replaceHint ?? 'choose another folder'}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(archFile, `${JSON.stringify(imported.spec, null, 2)}\n`);
  writeCheckpoint(weightsFile, {
    owner: null, spec: imported.spec, config: defaultTrainConfig, epochsDone: 0, rng: { seed: 1, nextEpoch: 0 },
    best: null, history: [], weights: imported.weights, momentum: new Map(),
  });
  const cost = analyseCost(imported.spec);
  return {
    spec: imported.spec, archFile, weightsFile, nodes: imported.spec.nodes.length,
    params: cost.totals.params, flops: cost.totals.flops, prunableLayers: prunableUnits(imported.spec).length, notes: imported.notes,
  };
}

/** A file the user gave (the workbench's upload): its name without folders, and its bytes. */
export interface GivenFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * Imports the model among `files` — the one .onnx file, or the one model .json with the weight files it
 * names — into a new folder under `root` named after the model (`resnet18`, then `resnet18-2`, …).
 */
export function importGivenFiles(files: readonly GivenFile[], root: string): ImportSummary {
  for (const f of files) {
    if (f.name === '' || /[/\\]/.test(f.name) || f.name === '.' || f.name === '..') {
      throw new ValidationError(`importModel: field 'files': '${f.name}' is not a plain file name`);
    }
  }
  const names = files.map((f) => f.name);
  const candidates = names.filter((n) => /\.(onnx|json)$/i.test(n));
  if (candidates.length !== 1) {
    throw new ValidationError(
      `importModel: field 'files': give one .onnx file, or one TF.js model.json with its weight files (got ${candidates.length === 0 ? 'none' : candidates.join(', ')} among ${names.join(', ')})`,
    );
  }
  const byName = new Map(files.map((f) => [f.name, f.bytes]));
  // model.json names its weight files relative to itself; given as loose files, only their names count.
  const read = (path: string): Uint8Array | null => byName.get(path) ?? byName.get(path.split('/').pop()!) ?? null;
  const imported = readModel(candidates[0]!, read);
  const stem = (imported.spec.id ?? 'model').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80) || 'model';
  let dir = join(root, stem);
  for (let k = 2; existsSync(dir); k++) dir = join(root, `${stem}-${k}`);
  return saveImportedModel(dir, imported);
}
