// `pwb import-model FILE --out DIR`: an ONNX model (.onnx) or a TF.js Layers model (model.json and the weight
// files it names) as a graph ArchSpec (DIR/arch.json) and its weights as a checkpoint beside it
// (DIR/weights.ckpt), which `pwb prune --weights`, `pwb arch` and experiments read (jobs/model-import.ts).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
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
    .action(async (file: string, opts: ImportOpts) => {
      // Loaded here, not with the CLI: the importers pull in TensorFlow.js and the ONNX schema.
      const { readModel, saveImportedModel } = await import('../../jobs/model-import.ts');
      // The model's weight files (TF.js) are named relative to it.
      const read = (path: string): Uint8Array | null => {
        const full = path === file ? file : join(dirname(file), path);
        return existsSync(full) ? readFileSync(full) : null;
      };
      const imported = readModel(file, read);
      const s = saveImportedModel(opts.out, imported, { force: opts.force, replaceHint: 'choose another --out folder or pass --force to replace it' });
      if (opts.json) {
        printJson({ arch: s.archFile, weights: s.weightsFile, nodes: s.nodes, params: s.params, flops: s.flops, prunableLayers: s.prunableLayers, notes: s.notes });
        return;
      }
      const [h, w, c] = s.spec.input;
      console.log(`${file}: ${s.nodes} nodes, input ${h}x${w}x${c}, ${s.spec.classes} classes, ${si(s.params)} params, ${si(s.flops)} FLOPs, ${s.prunableLayers} prunable layers`);
      for (const note of s.notes) console.log(`note: ${note}`);
      console.log(`wrote ${s.archFile} and ${s.weightsFile}`);
      console.log(`next: pwb arch ${s.archFile}   |   pwb prune --arch ${s.archFile} --weights ${s.weightsFile} --method l1_norm --param ratio=0.5`);
    });
}
