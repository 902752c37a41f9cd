// `pwb prune --arch <id> --method <id> [--param k=v …] [--weights ckpt]`: the pruned ArchSpec with
// its params and FLOPs. Predefined targets need no weights; automatic and unstructured methods read
// a checkpoint's weights (and `--out` saves the replayable plan).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ValidationError } from '../../../src-shared/errors.ts';
import { parseInputShape, parsePositiveInt, readSpecArgument } from '../args.ts';
import { percent, printJson, si } from '../format.ts';

interface PruneOpts {
  arch: string;
  method: string;
  param: string[];
  weights?: string;
  dataset?: string;
  input?: [number, number, number];
  classes?: number;
  seed: number;
  out?: string;
  json?: boolean;
}

function collectParam(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** k=v pairs; a value is read as JSON when it parses (numbers, arrays, booleans), else as a string. */
export function parseParamPairs(pairs: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new ValidationError(`--param: expected key=value, got '${pair}'`);
    const value = pair.slice(at + 1);
    try {
      params[pair.slice(0, at)] = JSON.parse(value);
    } catch {
      params[pair.slice(0, at)] = value;
    }
  }
  return params;
}

/** The --dataset's training images for a data-aware method, on the automatically chosen backend. */
async function trainingImages(method: string, opts: PruneOpts, input: readonly number[]) {
  if (!opts.dataset) {
    throw new ValidationError(`method '${method}' chooses channels from activations on training images: pass --dataset <id>, the data --weights was trained on`);
  }
  const { openDataset } = await import('../../engine/datasets/registry.ts');
  const { planningImages } = await import('../../engine/datasets/planning-images.ts');
  const { selectBackend } = await import('../../engine/backend/select-backend.ts');
  const dataset = await openDataset(opts.dataset);
  if (dataset.inputShape.some((d, i) => d !== input[i])) {
    throw new ValidationError(`--dataset ${opts.dataset}: its images are ${dataset.inputShape.join('x')}, the checkpoint's network takes ${input.join('x')}`);
  }
  await selectBackend('auto');
  return {
    ...planningImages(dataset, { seed: opts.seed }),
    // A long planning (Fisher pruning fine-tunes while it prunes) says how far it is, a line every tenth of the way.
    onProgress: (p: { done: number; total: number; unit: string; info: string }) => {
      if (p.done === p.total || p.done % Math.max(1, Math.ceil(p.total / 10)) === 0) process.stderr.write(`planning: ${p.done}/${p.total} ${p.unit} (${p.info})\n`);
    },
  };
}

export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description('show the pruned architecture a method gives (params, FLOPs); with --weights, plan from trained weights')
    .requiredOption('--arch <arch>', 'architecture id or ArchSpec JSON file')
    .requiredOption('--method <id>', 'pruning method id, e.g. l1_norm, network_slimming, magnitude, thinet')
    .option('--param <k=v>', 'method parameter (repeatable), e.g. target=vgg16_a, ratio=0.5, percent=0.7', collectParam, [])
    .option('--weights <checkpoint>', 'a run\'s checkpoint (last.ckpt) to plan from; required by automatic methods')
    .option('--dataset <id>', 'the training data of --weights, for methods that choose from activations (thinet)')
    .option('--input <HxWxC>', 'input shape, e.g. 32x32x3', parseInputShape)
    .option('--classes <n>', 'number of classes', parsePositiveInt('--classes'))
    .option('--seed <n>', 'seed for methods that draw at random', parsePositiveInt('--seed'), 1)
    .option('--out <plan.json>', 'write the plan (JSON, replayable) here; needs --weights')
    .option('--json', 'print one JSON object {base, pruned, params, flops, plan?}')
    .action(async (opts: PruneOpts) => {
      const { resolveArch, withData } = await import('../../engine/models/register-all.ts');
      const { analyseCost } = await import('../../engine/analysis/cost.ts');
      const { getMethod } = await import('../../engine/pruning/methods/register-all.ts');
      const { parseParams, planPruning } = await import('../../engine/pruning/method.ts');
      const { prunableUnits } = await import('../../engine/pruning/units.ts');
      let base = resolveArch(readSpecArgument(opts.arch));
      if (opts.input || opts.classes) base = withData(base, opts.input ?? base.input, opts.classes ?? base.classes);
      const method = getMethod(opts.method);
      const params = parseParams<Record<string, unknown>>(method, parseParamPairs(opts.param));
      let pruned;
      let plan = null;
      if (opts.weights) {
        const { readCheckpoint } = await import('../../engine/training/checkpoint.ts');
        const { Rng } = await import('../../engine/random.ts');
        const ckpt = readCheckpoint(opts.weights);
        base = ckpt.spec;
        const images = method.planFromData ? await trainingImages(method.id, opts, base.input) : null;
        plan = await planPruning(method, base, ckpt.weights, params, Rng.fromSeed(opts.seed, 'prune'), images);
        pruned = plan.pruned;
        if (opts.out) writeFileSync(opts.out, `${JSON.stringify(plan)}\n`);
      } else if (method.targetSpec) {
        if (opts.out) throw new ValidationError('--out needs --weights: a plan records which channels are kept');
        pruned = method.targetSpec(base, params);
      } else {
        throw new ValidationError(`method '${method.id}' (${method.kind}) decides from trained weights: pass --weights <checkpoint>`);
      }
      const b = analyseCost(base).totals;
      const p = analyseCost(pruned).totals;
      if (opts.json) return printJson({ base, pruned, params: { base: b.params, pruned: p.params }, flops: { base: b.flops, pruned: p.flops }, plan });
      console.log(`${base.id ?? base.family} → ${pruned.id ?? 'pruned'} by ${method.id} ${JSON.stringify(params)}`);
      if (pruned.depth !== base.depth) console.log(`depth ${String(base.depth)} → ${String(pruned.depth)}: residual branches kept ${JSON.stringify(pruned.residual)}`);
      if (pruned.cfg !== undefined) console.log(`cfg: ${JSON.stringify(pruned.cfg)}`);
      if (Array.isArray(pruned.inputSelect)) console.log(`block inputs read: ${JSON.stringify((pruned.inputSelect as number[][]).map((l) => l.length))}`);
      else console.log(`widths: ${prunableUnits(pruned).map((u) => (u.kind === 'conv' ? `${u.layer} ${u.width}` : `${u.bn} ${u.candidates.length}`)).join(', ')}`);
      console.log(`params ${si(b.params)} → ${si(p.params)} (−${percent(1 - p.params / b.params, 1)}), FLOPs ${si(b.flops)} → ${si(p.flops)} (−${percent(1 - p.flops / b.flops, 1)})`);
      if (opts.out) console.log(`plan written to ${opts.out}`);
    });
}
