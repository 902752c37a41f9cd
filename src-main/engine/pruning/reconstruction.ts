// What ThiNet and the regression method share: widths from a predefined target, then, for every unit
// the target narrows, its readers' output entries sampled on training images as per-channel
// contributions (contributions.ts); a method's `choose` keeps channels from them; the kept channels'
// least-squares factors (`rescale`) go into the plan for applyPlan, or (`refit`, the regression method's) the
// readers' weights are refitted on the kept channels (refit.ts) and handed on as the planning's weights.
import { z } from 'zod';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { CancelledError, DataError, ValidationError } from '../../../src-shared/errors.ts';
import { PRUNING_PLAN_VERSION, type PruningPlan } from '../../../src-shared/pruning.ts';
import { collectParams } from '../models/build.ts';
import { blockInputs, withInputSelected, type BlockInput } from './input-selection.ts';
import { Rng, type RngState } from '../random.ts';
import { finetuneBatches, type StreamPosition } from './finetune-batches.ts';
import { readPlanningState, writePlanningState, type PlanningSgd } from './planning-state.ts';
import { refitReaders } from './refit.ts';
import { Contributions, rescaleFactors, sampleContributions } from './contributions.ts';
import { layerInputs } from './layer-inputs.ts';
import { applyPlan } from './apply-plan.ts';
import { checkSupports, needsImages, parseParams, specForTarget, structuredPlan, type PlanningData, type PruningMethod } from './method.ts';
import { unitReaders, type ChannelReader } from './readers.ts';
import type { ConvUnit } from './units.ts';
import { WidthTargetSchema, targetUnits, targetWidths } from './widths.ts';

/** The params; `refit` defaults to the method's own procedure (the regression method refits, ThiNet rescales). */
export const reconstructionParamsSchema = (refitByDefault: boolean) => z.strictObject({
  widthsFrom: WidthTargetSchema,
  /** Training images sampled (ThiNet: 10 per ImageNet class); fewer where the set is smaller. */
  images: z.number().int().positive().default(256),
  /** Output entries sampled per image and reading layer (both papers: 10). */
  locations: z.number().int().positive().default(10),
  /** Rescale the readers' weights on the kept channels by least squares, as both papers reconstruct. */
  rescale: z.boolean().default(true),
  /**
   * Refit the readers' weights on what is left of their input by least squares, towards the un-pruned network's
   * outputs (He et al.'s reconstruction, refit.ts); supersedes `rescale`; needs layerByLayer. The refitted weights
   * are the planning's own: the finetune regime starts from them (as from ThiNet's fine-tuned ones); where the
   * planning keeps no state file (`pwb prune`), the plan's kept channels alone replay on the trained weights.
   */
  refit: z.boolean().default(refitByDefault),
  /**
   * Choose layer by layer in forward order, each on the network with the earlier layers already pruned
   * (ThiNet's and the regression paper's procedure; `finetune` adds ThiNet's fine-tuning between layers); off: every
   * layer in one pass on the trained network (one forward pass per image instead of one per layer).
   */
  layerByLayer: z.boolean().default(true),
  /**
   * Fine-tuning after each layer is pruned (ThiNet §3.3: "fine-tune" between layers), on the training
   * batches: the next layer is chosen on the fine-tuned network, and the finetune regime starts from the
   * weights after the last layer's. Absent: none (the plan then replays on the baseline's weights).
   */
  finetune: z
    .strictObject({
      batches: z.number().int().positive().max(1_000_000),
      lr: z.number().positive().max(10).default(1e-3),
      momentum: z.number().min(0).lt(1).default(0.9),
      weightDecay: z.number().min(0).max(1).default(5e-4),
      batchSize: z.number().int().positive().max(65536).default(64),
    })
    .optional(),
});
export type ReconstructionParams = z.infer<ReturnType<typeof reconstructionParamsSchema>>;

/**
 * A reconstruction method: predefined widths, planned from images by `choose` (the kept channels of one unit
 * from its contributions and target width); the rest — params, target spec, refusals — shared.
 */
export interface ReconstructionOptions {
  /** Whether the readers are refitted by default (`params.refit`). */
  refit: boolean;
  /** Whether the method chooses which channels of their stream ResNet blocks' first convs read (a target's `inputWidths`). */
  inputSelection: boolean;
}

export function reconstructionMethod(
  id: string, paper: string, choose: (contrib: Contributions, width: number) => number[], opts: ReconstructionOptions,
): PruningMethod {
  const method: PruningMethod = {
    id,
    paper,
    kind: 'predefined',
    paramsSchema: reconstructionParamsSchema(opts.refit),
    exampleParams: { widthsFrom: { ratio: 0.5 } },
    needs: 'reconstructable-convs',
    targetSpec(spec, raw) {
      checkSupports(method, spec);
      return specForTarget(spec, parseParams<ReconstructionParams>(method, raw).widthsFrom, `${id} params.widthsFrom`, opts);
    },
    plan(spec) {
      checkSupports(method, spec);
      throw needsImages(method);
    },
    planFromData(spec, weights, raw, rng, data) {
      checkSupports(method, spec);
      return reconstructionPlan(id, spec, weights, parseParams<ReconstructionParams>(method, raw), rng, data, choose, opts);
    },
  };
  return method;
}

/** Images read per forward pass. */
const CHUNK = 32;

type Choose = (contrib: Contributions, width: number) => number[];

/** A block whose first conv is to read fewer channels of its stream (the target's inputWidths). */
interface NarrowedInput extends BlockInput {
  width: number;
}

/**
 * The plan: for each narrowed unit, `choose(contributions, width)` gives its kept channels (ascending); then, where
 * the target has input widths, for each block the channels of its stream its first conv reads, chosen the same way
 * from their contributions to that conv's output.
 */
export async function reconstructionPlan(
  method: string, spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>, params: ReconstructionParams, rng: Rng, data: PlanningData,
  choose: Choose, opts: ReconstructionOptions,
): Promise<PruningPlan> {
  const { units, widths, name, inputWidths } = targetWidths(spec, params.widthsFrom, `${method} params.widthsFrom`, opts);
  const narrowed = units.filter((u) => widths.get(u.layer)! < u.width);
  const blocks = inputWidths ? blockInputs(spec)! : [];
  const inputs = blocks.filter((b) => inputWidths![b.block]! < b.full).map((b) => ({ ...b, width: inputWidths![b.block]! }));
  if (data.size < 1) throw new ValidationError(`pruning method '${method}' needs training images: the dataset has none`);
  const count = Math.min(params.images, data.size);
  const order = rng.shuffle(Int32Array.from({ length: data.size }, (_, i) => i)).subarray(0, count);
  const kept = new Map<string, number[]>();
  const rescale: Record<string, number[]> = {};
  const selected = new Map<number, number[]>();
  const planSoFar = (): PruningPlan => {
    const plan = structuredPlan(method, params, spec, units, kept, name);
    const pruned = [...selected].reduce((s, [block, list]) => withInputSelected(s, blocks, block, list), plan.pruned);
    return { ...plan, pruned, ...(Object.keys(rescale).length > 0 ? { rescale: { ...rescale } } : {}) };
  };
  const decide = (u: ConvUnit, contrib: Contributions): void => {
    const list = choose(contrib, widths.get(u.layer)!);
    kept.set(u.layer, list);
    if (params.rescale && !params.refit) rescale[u.layer] = Array.from(rescaleFactors(contrib, list), (f) => Math.fround(f));
  };
  if (params.finetune && !params.layerByLayer) throw new ValidationError(`${method} params.finetune: fine-tuning between layers needs layerByLayer (leave it on, or drop finetune)`);
  if (params.refit && !params.layerByLayer) throw new ValidationError(`${method} params.refit: refitting the readers layer by layer needs layerByLayer (leave it on, or set refit to false)`);
  if (inputs.length > 0 && !params.layerByLayer) throw new ValidationError(`${method} params.widthsFrom: the blocks' input channels are chosen layer by layer: leave layerByLayer on`);
  if (params.finetune || params.refit || inputs.length > 0) {
    return movingPlan(method, spec, weights, params, rng, data, narrowed, order, { kept, rescale, selected, planSoFar, decide }, { inputs, blocks, choose });
  }
  if (!params.layerByLayer) {
    const contrib = await sample(method, spec, weights, narrowed, order, params.locations, rng, data);
    for (const u of narrowed) decide(u, contrib.get(u.layer)!);
  } else {
    // In forward order, each unit on the network with the units before it already pruned (and rescaled).
    for (const u of narrowed) {
      const sofar = planSoFar();
      const current = targetUnits(sofar.pruned).find((x) => x.layer === u.layer)!;
      const contrib = await sample(method, sofar.pruned, applyPlan(sofar, weights), [current], order, params.locations, rng, data);
      decide(u, contrib.get(u.layer)!);
    }
  }
  return planSoFar();
}

interface PlanSoFar {
  kept: Map<string, number[]>;
  rescale: Record<string, number[]>;
  /** Per block, the stream channels its first conv reads (chosen so far). */
  selected: Map<number, number[]>;
  planSoFar(): PruningPlan;
  decide(u: ConvUnit, contrib: Contributions): void;
}

/**
 * Layer by layer, the weights moving on with the network — pruned, rescaled or refitted (`params.refit`), then
 * `params.finetune` batches of fine-tuning — so the plan's keep lists give the architecture and the state file the
 * weights (finetuneFrom 'planning-pruned'). The state after each layer — its choices, weights, draws and data
 * position — is written to data.statePath; a resume continues after the last layer saved (a layer cut short is redone).
 */
async function movingPlan(
  method: string, spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>, params: ReconstructionParams, rng: Rng, data: PlanningData,
  narrowed: readonly ConvUnit[], order: Int32Array, sofar: PlanSoFar,
  selection: { inputs: readonly NarrowedInput[]; blocks: readonly BlockInput[]; choose: Choose },
): Promise<PruningPlan> {
  const schedule = params.finetune;
  const total = narrowed.length + selection.inputs.length;
  const label = (i: number): string => (i < narrowed.length ? narrowed[i]!.layer : `${selection.inputs[i - narrowed.length]!.conv1} inputs`);
  const saved = data.statePath ? readLayerState(data.statePath, spec, method) : null;
  let current = saved?.weights ?? new Map(weights);
  const draws = saved ? Rng.fromState(saved.state.rng) : rng;
  const at: StreamPosition = saved ? { epoch: saved.state.epoch, batch: saved.state.batch } : { epoch: 0, batch: 0 };
  for (const [layer, list] of saved?.state.kept ?? []) sofar.kept.set(layer, list);
  Object.assign(sofar.rescale, saved?.state.rescale ?? {});
  for (const [block, list] of saved?.state.selected ?? []) sofar.selected.set(block, list);
  let done = saved?.state.layers ?? 0;
  let currentSpec = sofar.planSoFar().pruned;
  const report = (info: string): void => data.onProgress?.({ done, total, unit: 'layers pruned', info });
  report(done === 0 ? 'choosing the first layer' : `resumed after layer ${label(done - 1)}`);
  const save = (): void => {
    if (!data.statePath) return;
    writeLayerState(data.statePath, spec, method, schedule ?? NO_FINETUNE, current, {
      layers: done + 1, kept: [...sofar.kept], rescale: { ...sofar.rescale }, selected: [...sofar.selected], rng: draws.state(), epoch: at.epoch, batch: at.batch,
    });
  };
  const finetune = async (cut: Map<string, Float32Array>): Promise<string | null> => {
    const tuned = schedule ? await finetuneBatches(currentSpec, cut, schedule, data, at, `pruning method '${method}'`) : null;
    current = tuned?.weights ?? cut;
    return tuned ? `fine-tuned ${schedule!.batches} batches, loss ${tuned.loss.toFixed(3)}` : null;
  };
  for (; done < total; done++) {
    if (data.signal?.aborted) throw new CancelledError(`cancelled while pruning (${done} of ${total} layers pruned)`);
    if (done >= narrowed.length) {
      // A block's first conv: which channels of its stream it reads, then the conv refitted (or rescaled) on them.
      const b = selection.inputs[done - narrowed.length]!;
      const reader: ChannelReader = { layer: b.conv1, kind: 'conv', inputs: Array.from({ length: b.full }, (_, c) => [c]) };
      const contrib = (await sampleReaders(currentSpec, current, new Map([[b.conv1, { width: b.full, readers: [reader] }]]), order, params.locations, draws, data)).get(b.conv1)!;
      const list = selection.choose(contrib, b.width);
      const keptInputs = new Set(list);
      const removed = new Set(Array.from({ length: b.full }, (_, c) => c).filter((c) => !keptInputs.has(c)));
      const before = params.refit
        ? await refitReaders(method, { spec, weights }, { spec: currentSpec, weights: current }, [reader], removed, order, params.locations, draws, data)
        : params.rescale ? scaledInputs(currentSpec, current, b.conv1, list, rescaleFactors(contrib, list)) : current;
      const next = withInputSelected(currentSpec, selection.blocks, b.block, list);
      const cut = applyPlan({ version: PRUNING_PLAN_VERSION, method, params, kind: 'structured', base: currentSpec, pruned: next, keep: {} }, before);
      sofar.selected.set(b.block, list);
      currentSpec = next;
      const tuned = await finetune(cut);
      save();
      const did = [params.refit ? 'refitted' : null, tuned].filter((d) => d !== null);
      data.onProgress?.({ done: done + 1, total, unit: 'layers pruned', info: [`${b.conv1} reads ${b.width} of ${b.full} inputs`, ...did].join(', ') });
      continue;
    }
    const u = narrowed[done]!;
    const unit = targetUnits(currentSpec).find((x) => x.layer === u.layer)!;
    sofar.decide(u, (await sample(method, currentSpec, current, [unit], order, params.locations, draws, data)).get(u.layer)!);
    const kept = new Set(sofar.kept.get(u.layer)!);
    // This layer's readers refitted, its cut (and rescale) on the weights as they are now, then the fine-tuning.
    let before: ReadonlyMap<string, Float32Array> = current;
    if (params.refit) {
      const readers = unitReaders(currentSpec, [unit]).get(u.layer) as ChannelReader[]; // sample() refused the unreadable
      const removed = new Set(Array.from({ length: unit.width }, (_, c) => c).filter((c) => !kept.has(c)));
      before = await refitReaders(method, { spec, weights }, { spec: currentSpec, weights: current }, readers, removed, order, params.locations, draws, data);
    }
    const step = structuredPlan(method, params, currentSpec, targetUnits(currentSpec), new Map([[u.layer, sofar.kept.get(u.layer)!]]));
    const cut = applyPlan(sofar.rescale[u.layer] ? { ...step, rescale: { [u.layer]: sofar.rescale[u.layer]! } } : step, before);
    currentSpec = step.pruned;
    const tuned = await finetune(cut);
    save();
    const did = [params.refit ? 'readers refitted' : null, tuned].filter((d) => d !== null);
    data.onProgress?.({ done: done + 1, total, unit: 'layers pruned', info: [u.layer, ...did].join(', ') });
  }
  const plan = sofar.planSoFar();
  return data.statePath ? { ...plan, finetuneFrom: 'planning-pruned' } : plan;
}

/** The training settings a state file records when nothing is fine-tuned between layers (finetune's defaults; unused). */
const NO_FINETUNE = { lr: 1e-3, momentum: 0.9, weightDecay: 5e-4, batchSize: 64 };

interface LayerState {
  layers: number;
  kept: Array<[string, number[]]>;
  rescale: Record<string, number[]>;
  /** Blocks whose first conv's inputs are chosen, with the chosen channels (absent in states of earlier versions). */
  selected?: Array<[number, number[]]>;
  rng: RngState;
  epoch: number;
  batch: number;
}

function writeLayerState(path: string, spec: ArchSpec, method: string, schedule: PlanningSgd, weights: Map<string, Float32Array>, state: LayerState): void {
  // The base spec names whose planning this is; the weights are the network pruned so far.
  writePlanningState(path, spec, schedule, state.epoch, { method, ...state }, weights);
}

function readLayerState(path: string, spec: ArchSpec, method: string): { state: LayerState; weights: Map<string, Float32Array> } | null {
  const ckpt = readPlanningState(path);
  if (!ckpt) return null;
  const p = ckpt.planning as Partial<LayerState> & { method?: string } | undefined;
  if (p?.method !== method || typeof p.layers !== 'number' || !Array.isArray(p.kept) || JSON.stringify(ckpt.spec) !== JSON.stringify(spec)) {
    throw new DataError(`${path}: not this experiment's ${method} planning state; delete it to plan again from the baseline`);
  }
  return { state: p as LayerState, weights: ckpt.weights };
}

/** Each unit's contributions to its readers' sampled entries, on the images `order` of `data`. */
async function sample(
  method: string, spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>, units: readonly ConvUnit[], order: Int32Array, locations: number,
  rng: Rng, data: PlanningData,
): Promise<Map<string, Contributions>> {
  const readers = new Map<string, { width: number; readers: ChannelReader[] }>();
  for (const [layer, r] of unitReaders(spec, units)) {
    if (typeof r === 'string') throw new ValidationError(`pruning method '${method}' cannot choose the channels of layer '${layer}': ${r}`);
    readers.set(layer, { width: units.find((u) => u.layer === layer)!.width, readers: r });
  }
  return sampleReaders(spec, weights, readers, order, locations, rng, data);
}

/** For each id, the contributions of its `width` channels to what its readers compute, on the images `order` of `data`. */
async function sampleReaders(
  spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>, readers: ReadonlyMap<string, { width: number; readers: ChannelReader[] }>,
  order: Int32Array, locations: number, rng: Rng, data: PlanningData,
): Promise<Map<string, Contributions>> {
  const contrib = new Map([...readers].map(([id, r]) => [id, new Contributions(r.width, order.length * locations * r.readers.length)]));
  const wanted = new Set([...readers.values()].flatMap((r) => r.readers.map((x) => x.layer)));
  for (let at = 0; at < order.length; at += CHUNK) {
    const indices = order.subarray(at, at + CHUNK);
    const inputs = await layerInputs(spec, weights, await data.read(indices), indices.length, wanted);
    for (const [id, r] of readers) {
      for (const reader of r.readers) {
        sampleContributions(reader, inputs.get(reader.layer)!, weights.get(`${reader.layer}.weight`)!, locations, rng, contrib.get(id)!);
      }
    }
  }
  return contrib;
}

/** `weights` with `layer`'s weights on its input channels `kept` multiplied by `factors` (one each, in order). */
function scaledInputs(spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>, layer: string, kept: readonly number[], factors: Float64Array): Map<string, Float32Array> {
  const shape = collectParams(spec).find((p) => p.name === `${layer}.weight`)!.shape;
  const [cin, out] = [shape[shape.length - 2]!, shape[shape.length - 1]!];
  const w = Float32Array.from(weights.get(`${layer}.weight`)!);
  for (let kk = 0; kk < w.length / (cin * out); kk++) {
    kept.forEach((c, j) => {
      for (let o = 0; o < out; o++) w[(kk * cin + c) * out + o] = w[(kk * cin + c) * out + o]! * factors[j]!;
    });
  }
  return new Map(weights).set(`${layer}.weight`, w);
}
