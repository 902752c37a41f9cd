// The contract of a pruning method: one file per method (methods/*.ts), listed in methods/register-all.ts.
// A method scores channels (an importance, importance/), plans which to keep, and returns a PruningPlan; the shared,
// pure applyPlan (apply-plan.ts) does the surgery. Params arrive raw (from a CLI flag, a preset, the
// UI) and every entry point parses them with `paramsSchema`, so a plan's `params` are the parsed ones.
import type { z } from 'zod';
import type { ArchFamily, ArchSpec } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { PRUNING_PLAN_VERSION, type PruningMethodKind, type PruningPlan } from '../../../src-shared/pruning.ts';
import { parseOrThrow } from '../../../src-shared/validate.ts';
import type { Rng } from '../random.ts';
import * as tf from '../tf.ts';
import { convWeightParams } from '../models/build.ts';
import type { ProximalUpdate } from '../training/sgd.ts';
import type { Model } from '../models/model.ts';
import { families, familyOf } from '../models/register-all.ts';
import { prunableUnits, specWithKept, unitId, type PrunableUnit } from './units.ts';
import { gatedUnits } from './fisher.ts';
import { unitReaders } from './readers.ts';
import { targetUnits, targetWidths, type WidthTarget } from './widths.ts';
import { blockInputs, withInputWidths } from './input-selection.ts';

/**
 * An extra gradient added while training the large model (Network Slimming's L1 sparsity on BN γ).
 * Two forms of the same rule: `extraGradient` on plain arrays (tests, other backends) and
 * `addToGradients` on tfjs tensors, for the training step between tf.variableGrads and the optimiser.
 */
export interface GradientRegularizer {
  /** Human-readable rule, e.g. "1e-4 · sign(γ) on every BN γ". */
  describe: string;
  appliesTo(paramName: string): boolean;
  /** The gradient term to add for this parameter's current value, or null if it gets none. */
  extraGradient(paramName: string, value: Float32Array): Float32Array | null;
  /**
   * For every [name, variable] it applies to, replaces grads[variable.name] (tf.variableGrads keys)
   * by grad + term, disposing the old gradient tensor.
   */
  addToGradients(params: ReadonlyArray<readonly [string, tf.Variable]>, grads: tf.NamedTensorMap): void;
}

/** Changes a training model's weights in place at an epoch's end (train.ts TrainOptions.afterEpoch). */
export interface EpochHook {
  /** Human-readable rule, e.g. "zero the 30% smallest-L2 filters of every conv". */
  describe: string;
  apply(model: Model): void;
}

/**
 * A step replacing SGD's update of some parameters while the large model trains (Sparse Structure
 * Selection's accelerated proximal gradient on its block scales), see Sgd's ProximalUpdate.
 */
export interface ProximalRule extends ProximalUpdate {
  /** Human-readable rule, e.g. "APG with γ = 0.01 on every block scale λ". */
  describe: string;
}

/** A method's training-time needs, each optional; the experiment runner applies them without knowing the method. */
export interface MethodTraining {
  /** The large model's architecture where the method trains it its own way (SSS: a scale on every residual branch). */
  trainingSpec?(spec: ArchSpec, params: unknown): ArchSpec;
  /** A proximal update of some parameters while the large model trains; null when these params ask for none. */
  proximal?(params: unknown): ProximalRule | null;
  /** Sparsity regulariser for training the large model; null when these params ask for none. */
  regularizer?(params: unknown): GradientRegularizer | null;
  /** A step at every epoch's end while the large model trains (Soft Filter Pruning's zeroing); null for none. */
  afterEpoch?(params: unknown): EpochHook | null;
  /**
   * Fresh weights for the scratch regimes of a masked plan (the architecture is the base's): the method's
   * reference rule. Without one, magnitude's (RNP weight-level: He normal with fan = non-zero weights / in).
   */
  scratchInit?(plan: PruningPlan, seed: number): Map<string, Float32Array>;
}

/**
 * Training images for a method that chooses from activations (ThiNet): normalised as training sees
 * them, never augmented. Read on demand, so an image folder is never loaded whole.
 */
export interface PlanningData {
  /** How many training images there are. */
  size: number;
  /** Images [indices.length, h, w, c] (the spec's input shape), float32. */
  read(indices: ArrayLike<number>): Promise<Float32Array>;
  /**
   * Labelled, shuffled and augmented mini-batches of the same images, as the baseline trained on them,
   * for a method that fine-tunes while it plans (Fisher pruning): the order and draws depend on (seed, epoch) only.
   */
  trainBatches?(epoch: number, batchSize: number): AsyncGenerator<{ x: Float32Array; y: Int32Array; n: number }>;
  /** A long planning stops within a step when this aborts (CancelledError). */
  signal?: AbortSignal;
  /** How far a long planning has come. */
  onProgress?(progress: PlanningProgress): void;
  /**
   * Where a long planning keeps its state (written atomically now and then, and at its end) and continues
   * from after a crash; absent, it keeps nothing. A plan whose fine-tuning starts from the planning's
   * weights (PruningPlan.finetuneFrom) reads them from here.
   */
  statePath?: string;
}

export interface PlanningProgress {
  done: number;
  total: number;
  /** What the numbers count, e.g. "channels removed". */
  unit: string;
  /** One line on the current state, e.g. "step 4200, loss 0.412". */
  info: string;
}

export interface PruningMethod {
  /** Stable snake_case id (stored in SQLite and in plans). */
  id: string;
  /** The paper it implements. */
  paper: string;
  kind: PruningMethodKind;
  /** Strict zod schema of the params (unknown keys rejected); defaults filled in. */
  paramsSchema: z.ZodType;
  /** Params that work for every family it supports: UI defaults and the conformance tests' input. */
  exampleParams: Record<string, unknown>;
  /** What it prunes (see MethodNeeds): it is offered for every spec whose traced units have it. */
  needs: MethodNeeds;
  /** What the method asks of training, beyond the plan (none for most): the runner calls it blind. */
  training?: MethodTraining;
  /** Predefined methods: the pruned ArchSpec from the spec and params alone (no weights needed). */
  targetSpec?(spec: ArchSpec, params: unknown): ArchSpec;
  /**
   * The (parsed) params of an experiment run at `scale` < 1, which shrinks epochs and data alike: a method
   * whose own work counts training steps (Fisher's batches between removals) shrinks them too. Absent: unchanged.
   */
  scaleParams?(params: Record<string, unknown>, scale: number): Record<string, unknown>;
  /**
   * Iterative pruning: the params of round `round` of `rounds` (1-based; the last round's are `params`
   * themselves), each round removing the same fraction of what the previous one left, its plan made from
   * the weights the previous round trained. Absent: the method prunes in one shot only.
   */
  roundParams?(params: Record<string, unknown>, round: number, rounds: number): Record<string, unknown>;
  /** The plan from trained weights; a method that needs images (planFromData) refuses here in one line. */
  plan(spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>, params: unknown, rng: Rng): PruningPlan;
  /** The plan from trained weights and activations on training images (ThiNet); planPruning calls it. */
  planFromData?(spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>, params: unknown, rng: Rng, data: PlanningData): Promise<PruningPlan>;
}

/** A method's plan: from the images where it reads activations (`data` then required), else from the weights alone. */
export async function planPruning(
  method: PruningMethod, spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>, params: unknown, rng: Rng, data: PlanningData | null,
): Promise<PruningPlan> {
  // Without images, a method that needs them refuses in its `plan`, in one line.
  return method.planFromData && data ? method.planFromData(spec, weights, params, rng, data) : method.plan(spec, weights, params, rng);
}

/** The refusal of a method's `plan` when it needs images: what to give it instead. */
export function needsImages(method: Pick<PruningMethod, 'id'>): ValidationError {
  return new ValidationError(
    `pruning method '${method.id}' chooses channels from activations on training images: run it in an experiment, or give 'pwb prune' --dataset <id>`,
  );
}

/** Whether the method trains its large model another way than plain SGD on the plain network (these params). */
export function trainsItsOwnBaseline(method: Pick<PruningMethod, 'training'>, params: unknown): boolean {
  const t = method.training;
  return Boolean(t?.regularizer?.(params) || t?.afterEpoch?.(params) || t?.proximal?.(params) || t?.trainingSpec);
}

/** The method's params parsed by its schema; ValidationError naming the field otherwise. */
export function parseParams<T = Record<string, unknown>>(method: Pick<PruningMethod, 'id' | 'paramsSchema'>, params: unknown): T {
  return parseOrThrow(method.paramsSchema, params ?? {}, `${method.id} params`) as T;
}

/**
 * What a method prunes, checked on a spec's traced units (unit-trace.ts), never on its family's name:
 *   'feature-convs'  conv outputs the forward marks prunable, outside the classifier (L1 norm, uniform, random)
 *   'bn-units'       conv outputs or channel selections, each with the BN whose γ scores it (network slimming;
 *                    units with no BN keep their channels)
 *   'conv-weights'   conv weights, one by one (unstructured magnitude)
 *   'reconstructable-convs'  feature convs, every one read directly by conv or dense layers (not summed into a
 *                    residual stream, not through a depthwise conv): ThiNet reconstructs those readers' outputs
 *   'residual-blocks'  residual blocks whose branch can be scaled and removed (the family's residualBlocks),
 *                    at least one still there (Sparse Structure Selection)
 *   'gateable-units'  channel selections, or feature convs only convs or dense layers read: a gate on their
 *                    output is their removal (Fisher pruning, fisher.ts gatedUnits)
 */
export type MethodNeeds = 'feature-convs' | 'bn-units' | 'conv-weights' | 'reconstructable-convs' | 'residual-blocks' | 'gateable-units';

const NEEDS_TEXT: Record<MethodNeeds, string> = {
  'feature-convs': 'conv layers whose output channels can be pruned on their own',
  'bn-units': 'conv outputs or channel selections with a BN',
  'conv-weights': 'conv weights',
  'reconstructable-convs': 'conv layers whose output channels only convs or dense layers read, directly',
  'residual-blocks': 'residual blocks whose branch a scale can switch off',
  'gateable-units': 'channel selections or conv layers whose output channels only convs or dense layers read',
};

/** Whether `method` can prune `spec`. */
export function supports(method: Pick<PruningMethod, 'needs'>, spec: ArchSpec): boolean {
  switch (method.needs) {
    case 'feature-convs':
      return prunableUnits(spec).some((u) => u.kind === 'conv' && u.role === 'feature');
    case 'bn-units':
      return prunableUnits(spec).some((u) => u.bn !== '');
    case 'conv-weights':
      return convWeightParams(spec).length > 0;
    case 'reconstructable-convs': {
      const units = targetUnits(spec);
      return units.length > 0 && [...unitReaders(spec, units).values()].every((r) => typeof r !== 'string');
    }
    case 'gateable-units':
      return gatedUnits(spec).length > 0;
    case 'residual-blocks':
      return familyOf(spec).residualBlocks !== undefined && ((spec as { residual?: boolean[] }).residual ?? [true]).some(Boolean);
  }
}

export function checkSupports(method: Pick<PruningMethod, 'id' | 'needs'>, spec: ArchSpec): void {
  if (!supports(method, spec)) {
    const units = prunableUnits(spec);
    const unreadable = method.needs === 'reconstructable-convs' && targetUnits(spec).length > 0
      ? [...unitReaders(spec, targetUnits(spec))].find(([, r]) => typeof r === 'string') : undefined;
    const what = unreadable ? `in this ${spec.family} spec, layer '${unreadable[0]}': ${String(unreadable[1])}`
      : units.length > 0 && units.every((u) => u.kind === 'select') ? `this ${spec.family} spec prunes only at its channel selections` : `this ${spec.family} spec has none`;
    throw new ValidationError(`pruning method '${method.id}' needs ${NEEDS_TEXT[method.needs]}: ${what}`);
  }
}

/** The families with a registered variant or example `method` can prune (what the UI offers it for). */
export function supportedFamilies(method: Pick<PruningMethod, 'needs'>): ArchFamily[] {
  return families.filter((f) => [...Object.values(f.variants), ...f.examples.map((e) => e.spec)].some((v) => supports(method, v))).map((f) => f.family);
}

/** A structured plan from kept channels per unit id (planning's output), with the pruned spec built. */
export function structuredPlan(
  method: string,
  params: Record<string, unknown>,
  base: ArchSpec,
  units: readonly PrunableUnit[],
  kept: ReadonlyMap<string, readonly number[]>,
  prunedId?: string,
): PruningPlan {
  const { pruned, keep } = specWithKept(base, units, kept);
  if (prunedId) pruned.id = prunedId;
  return { version: PRUNING_PLAN_VERSION, method, params, kind: 'structured', base: structuredClone(base), pruned, keep };
}

/** Kept channel counts per unit id → the pruned spec, without choosing channels (predefined targets). */
/** The pruned spec a predefined width target gives (named after the target where it has a name). */
export function specForTarget(spec: ArchSpec, target: WidthTarget, where: string, opts: { inputSelection?: boolean } = {}): ArchSpec {
  const { units, widths, name, inputWidths } = targetWidths(spec, target, where, opts);
  const narrowed = specWithWidths(spec, units, widths);
  const pruned = inputWidths ? withInputWidths(narrowed, blockInputs(spec)!, inputWidths) : narrowed;
  if (name) pruned.id = name;
  return pruned;
}

export function specWithWidths(base: ArchSpec, units: readonly PrunableUnit[], widths: ReadonlyMap<string, number>): ArchSpec {
  const kept = new Map<string, number[]>();
  for (const u of units) {
    const w = widths.get(unitId(u));
    if (w === undefined) continue;
    const candidates = u.kind === 'conv' ? Array.from({ length: u.width }, (_, i) => i) : u.candidates;
    kept.set(unitId(u), candidates.slice(0, w));
  }
  return specWithKept(base, units, kept).pruned;
}
