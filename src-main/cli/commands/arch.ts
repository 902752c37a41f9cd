// `pwb arch <arch-id|spec.json>`: per-layer widths, params, MACs and FLOPs (reference convention).
import type { Command } from 'commander';
import { analyseCost } from '../../engine/analysis/cost.ts';
import { resolveArch, withData } from '../../engine/models/register-all.ts';
import { readSpecArgument, parseInputShape, parsePositiveInt } from '../args.ts';
import { printJson, si, table } from '../format.ts';

export function registerArch(program: Command): void {
  program
    .command('arch')
    .description('show an architecture: per-layer widths, params, MACs and FLOPs')
    .argument('<arch>', 'architecture id (e.g. vgg16, resnet56) or a path to an ArchSpec JSON file')
    .option('--input <HxWxC>', 'input shape, e.g. 32x32x3', parseInputShape)
    .option('--classes <n>', 'number of classes', parsePositiveInt('--classes'))
    .option('--json', 'print one JSON object')
    .action((arch: string, opts: { input?: [number, number, number]; classes?: number; json?: boolean }) => {
      let spec = resolveArch(readSpecArgument(arch));
      if (opts.input || opts.classes) spec = withData(spec, opts.input ?? spec.input, opts.classes ?? spec.classes);
      const cost = analyseCost(spec);
      if (opts.json) {
        printJson({ arch: spec.id ?? null, spec, layers: cost.layers, totals: cost.totals });
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
    });
}
