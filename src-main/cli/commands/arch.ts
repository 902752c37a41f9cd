// `pwb arch <arch-id|spec.json>`: per-layer widths, params, MACs and FLOPs (reference convention).
import type { Command } from 'commander';
import { analyseCost } from '../../engine/analysis/cost.ts';
import type { LatencyRow } from '../../engine/analysis/latency.ts';
import { parseBackendChoice, type BackendChoice } from '../../engine/backend/backend-choice.ts';
import { resolveArch, withData } from '../../engine/models/register-all.ts';
import { readSpecArgument, parseInputShape, parsePositiveInt } from '../args.ts';
import { printJson, si, table } from '../format.ts';

interface ArchOpts {
  input?: [number, number, number];
  classes?: number;
  latency?: boolean;
  batchSize: number;
  repeats: number;
  backend: BackendChoice;
  json?: boolean;
}

export function registerArch(program: Command): void {
  program
    .command('arch')
    .description('show an architecture: per-layer widths, params, MACs and FLOPs')
    .argument('<arch>', 'architecture id (e.g. vgg16, resnet56) or a path to an ArchSpec JSON file')
    .option('--input <HxWxC>', 'input shape, e.g. 32x32x3', parseInputShape)
    .option('--classes <n>', 'number of classes', parsePositiveInt('--classes'))
    .option('--latency', 'also measure inference latency (median of repeated runs) at batch 1 and --batch-size')
    .option('--batch-size <n>', 'second batch size for --latency', parsePositiveInt('--batch-size'), 64)
    .option('--repeats <n>', 'timed repetitions for --latency', parsePositiveInt('--repeats'), 20)
    .option('--backend <name>', 'backend for --latency: auto | webgpu | tensorflow | wasm | cpu', parseBackendChoice, 'auto')
    .option('--json', 'print one JSON object')
    .action(async (arch: string, opts: ArchOpts) => {
      let spec = resolveArch(readSpecArgument(arch));
      if (opts.input || opts.classes) spec = withData(spec, opts.input ?? spec.input, opts.classes ?? spec.classes);
      const cost = analyseCost(spec);
      let latency: { backend: string; rows: LatencyRow[] } | null = null;
      if (opts.latency) {
        // Loaded on demand: TensorFlow.js is only needed to measure.
        const { selectBackend } = await import('../../engine/backend/select-backend.ts');
        const { measureLatency } = await import('../../engine/analysis/latency.ts');
        const backend = await selectBackend(opts.backend);
        latency = { backend: backend.name, rows: await measureLatency(spec, { batchSizes: [1, opts.batchSize], repeats: opts.repeats }) };
      }
      if (opts.json) {
        printJson({ arch: spec.id ?? null, spec, layers: cost.layers, totals: cost.totals, latency });
        return;
      }
      console.log(`${spec.id ?? spec.family}: input ${spec.input.join('x')}, ${spec.classes} classes`);
      console.log(
        table(
          ['layer', 'kind', 'output', 'params', 'MACs', 'FLOPs'],
          cost.layers.map((l) => [l.name, l.kind, l.outShape.join('x'), l.params, l.macs, l.flops]),
          ['l', 'l', 'l', 'r', 'r', 'r'],
        ),
      );
      const t = cost.totals;
      console.log(`total: params ${si(t.params)} (${t.params}), MACs ${si(t.macs)}, FLOPs ${si(t.flops)} (${t.flops})`);
      for (const r of latency?.rows ?? []) {
        console.log(`latency on ${latency!.backend}: batch ${r.batchSize}: ${r.medianMs.toFixed(2)} ms median of ${r.repeats} (${r.imagesPerSec.toFixed(0)} images/s)`);
      }
    });
}
