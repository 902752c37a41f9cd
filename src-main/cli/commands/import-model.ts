// `pwb import-model FILE --out DIR`: an ONNX model (.onnx) or a TF.js Layers model (model.json and the weight
// files it names) as a graph ArchSpec (DIR/arch.json) and its weights as a checkpoint beside it
// (DIR/weights.ckpt), which `pwb prune --weights`, `pwb arch` and experiments read.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { defaultTrainConfig } from '../../../src-shared/train-config.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { analyseCost } from '../../engine/analysis/cost.ts';
import type { ImportedModel } from '../../engine/import/graph-builder.ts';
import { importOnnx } from '../../engine/import/onnx-model.ts';
import { importTfjsLayers } from '../../engine/import/tfjs-layers.ts';
import { validateSpec } from '../../engine/models/register-all.ts';
import { writeCheckpoint } from '../../engine/training/checkpoint.ts';
import { prunableUnits } from '../../engine/pruning/units.ts';
import { printJson, si } from '../format.ts';

interface ImportOpts {
  out: string;
  force?: boolean;
  json?: boolean;
}

export function registerImportModel(program: Command): void {
  program
    .command('import-model')
    .description('import an ONNX or TF.js Layers model: a graph ArchSpec (DIR/arch.json) and its weights as a checkpoint (DIR/weights.ckpt)')
    .argument('<file>', 'an .onnx file (from PyTorch: torch.onnx.export(..., training=TrainingMode.PRESERVE, do_constant_folding=False) keeps the BNs), or a TF.js model.json')
    .requiredOption('--out <dir>', 'folder to write arch.json and weights.ckpt into')
    .option('--force', 'replace arch.json and weights.ckpt if the folder has them')
    .option('--json', 'print one JSON object')
    .action((file: string, opts: ImportOpts) => {
      if (!existsSync(file)) throw new ValidationError(`${file}: no such file; pass an .onnx model`);
      const archPath = join(opts.out, 'arch.json');
      const weightsPath = join(opts.out, 'weights.ckpt');
      const present = [archPath, weightsPath].filter((p) => existsSync(p));
      if (present.length > 0 && !opts.force) throw new ValidationError(`${present[0]} exists; choose another --out folder or pass --force to replace it`);
      const imported = readModel(file);
      validateSpec(imported.spec);
      mkdirSync(opts.out, { recursive: true });
      writeFileSync(archPath, `${JSON.stringify(imported.spec, null, 2)}\n`);
      writeCheckpoint(weightsPath, {
        owner: null, spec: imported.spec, config: defaultTrainConfig, epochsDone: 0, rng: { seed: 1, nextEpoch: 0 },
        best: null, history: [], weights: imported.weights, momentum: new Map(),
      });
      const cost = analyseCost(imported.spec);
      const prunable = prunableUnits(imported.spec).length;
      if (opts.json) {
        printJson({ arch: archPath, weights: weightsPath, nodes: imported.spec.nodes.length, params: cost.totals.params, flops: cost.totals.flops, prunableLayers: prunable, notes: imported.notes });
        return;
      }
      const [h, w, c] = imported.spec.input;
      console.log(`${file}: ${imported.spec.nodes.length} nodes, input ${h}x${w}x${c}, ${imported.spec.classes} classes, ${si(cost.totals.params)} params, ${si(cost.totals.flops)} FLOPs, ${prunable} prunable layers`);
      for (const note of imported.notes) console.log(`note: ${note}`);
      console.log(`wrote ${archPath} and ${weightsPath}`);
      console.log(`next: pwb arch ${archPath}   |   pwb prune --arch ${archPath} --weights ${weightsPath} --method l1_norm --param ratio=0.5`);
    });
}

/** By its name: a .json is a TF.js Layers model (weight files beside it), anything else ONNX. */
function readModel(file: string): ImportedModel {
  if (!file.toLowerCase().endsWith('.json')) return importOnnx(readFileSync(file), file);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ValidationError(`${file}: not JSON (${(e as Error).message}); pass a TF.js model.json or an .onnx file`);
  }
  return importTfjsLayers(json, (path) => {
    const shard = join(dirname(file), path);
    if (!existsSync(shard)) throw new ValidationError(`${file}: its weights file '${path}' is not beside it (${shard})`);
    return readFileSync(shard);
  }, file);
}
