// The one surgery every method shares. Pure: base weights in, pruned weights out, nothing mutated.
// Structured plans: both specs are traced with channel labels (channel-trace.ts); each pruned
// parameter is gathered from the base parameter of the same name, along its output axis at the
// positions of the pruned layer's output labels among the base layer's, and along its input axis
// likewise (a depthwise conv along its channels, which are its input's). That one rule covers VGG (incl. the classifier's inputs after pool or flatten), ResNet
// inner widths, PreResNet conv outputs and channel selections, DenseNet selections, ImageNet ResNet.
// A plan that removes residual branches (Sparse Structure Selection) is matched against the base traced
// without them too (the streams they summed into are the same sums then); its `scaleOutputs` multiply a
// layer's output parameters. A block's scale, one number, is copied.
// Unstructured plans: same shapes, each masked weight multiplied by its 0/1 mask.
import { isDeepStrictEqual } from 'node:util';
import type { PruningPlan } from '../../../src-shared/pruning.ts';
import { PruningPlanSchema } from '../../../src-shared/pruning.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { parseOrThrow } from '../../../src-shared/validate.ts';
import { collectParams } from '../models/build.ts';
import { familyOf } from '../models/register-all.ts';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import type { ParamSpec } from '../models/ops.ts';
import { Interner, traceChannels, type LayerChannels } from './channel-trace.ts';
import { decodeMask } from './masks.ts';
import { channelOf } from './readers.ts';

/** Parses a plan read from a file, the store or the wire; throws ValidationError naming the field. */
export function parsePlan(value: unknown, where = 'pruning plan'): PruningPlan {
  return parseOrThrow(PruningPlanSchema, value, where);
}

/** Index lists that take a base layer's parameters to the pruned layer's: null means "all, in order". */
interface LayerGather {
  input: Int32Array | null;
  output: Int32Array | null;
}

export function applyPlan(plan: PruningPlan, baseWeights: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  const baseParams = collectParams(plan.base);
  for (const p of baseParams) {
    const v = baseWeights.get(p.name);
    if (!v) throw new ValidationError(`base weights lack parameter '${p.name}'`);
    if (v.length !== size(p.shape)) {
      throw new ValidationError(`base parameter '${p.name}' has ${v.length} values, expected ${size(p.shape)} for [${p.shape}]`);
    }
  }
  return plan.kind === 'unstructured' ? applyMasks(plan, baseParams, baseWeights) : gatherAll(plan, baseParams, baseWeights);
}

function applyMasks(plan: PruningPlan, baseParams: ParamSpec[], weights: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  if (!isDeepStrictEqual(plan.base, plan.pruned)) {
    throw new ValidationError(`plan field 'pruned': an unstructured plan keeps the base architecture`);
  }
  const known = new Set(baseParams.map((p) => p.name));
  for (const name of Object.keys(plan.masks ?? {})) {
    if (!known.has(name)) throw new ValidationError(`plan field 'masks.${name}': the base model has no such parameter`);
  }
  const out = new Map<string, Float32Array>();
  for (const p of baseParams) {
    const v = Float32Array.from(weights.get(p.name)!);
    const encoded = plan.masks?.[p.name];
    if (encoded !== undefined) {
      const mask = decodeMask(encoded, v.length, `plan field 'masks.${p.name}'`);
      for (let i = 0; i < v.length; i++) if (!mask[i]) v[i] = 0;
    }
    out.set(p.name, v);
  }
  return out;
}

function gatherAll(plan: PruningPlan, baseParams: ParamSpec[], weights: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  if (plan.base.family !== plan.pruned.family) {
    throw new ValidationError(`plan field 'pruned.family': '${plan.pruned.family}' differs from the base's '${plan.base.family}'`);
  }
  const interner = new Interner();
  const base = traceChannels(withBranchesOf(plan.base, plan.pruned), {}, interner);
  const pruned = traceChannels(plan.pruned, plan.keep, interner);
  for (const [layer, q] of pruned.layers) {
    const b = base.layers.get(layer);
    if (q.kind !== 'bn' && q.kind !== 'depthwise' && b && b.output.length !== q.output.length && !plan.keep[layer]) {
      throw new ValidationError(
        `layer '${layer}' has ${q.output.length} outputs in the pruned spec and ${b.output.length} in the base, ` +
          `but plan field 'keep' does not list which it keeps`,
      );
    }
  }
  const baseByName = new Map(baseParams.map((p) => [p.name, p]));
  const gathers = new Map<string, LayerGather>();
  const gatherFor = (layer: string): LayerGather => {
    let g = gathers.get(layer);
    if (!g) {
      const b = base.layers.get(layer);
      const q = pruned.layers.get(layer);
      if (!b || !q || b.kind !== q.kind) throw new ValidationError(`layer '${layer}' of the pruned spec has no counterpart in the base spec`);
      g = { input: positions(layer, 'input', b, q), output: positions(layer, 'output', b, q) };
      gathers.set(layer, g);
    }
    return g;
  };

  const out = new Map<string, Float32Array>();
  for (const p of collectParams(plan.pruned)) {
    const b = baseByName.get(p.name);
    if (!b || b.role !== p.role || b.shape.length !== p.shape.length) {
      throw new ValidationError(`pruned parameter '${p.name}' [${p.shape}] has no matching base parameter`);
    }
    const value = weights.get(p.name)!;
    if (p.role === 'scale') {
      out.set(p.name, Float32Array.from(value));
      continue;
    }
    const g = gatherFor(p.layer);
    // conv weight [k, k, in, out], dense weight [in, out]: gather the last two axes; vectors [c]:
    // BN indexes its input channels (= its output), a bias its output channels. A depthwise weight
    // [k, k, c, 1] and its bias index the channels it reads (= writes).
    const depthwise = b.layerKind === 'depthwise';
    const rows = p.role === 'weight' ? g.input : null;
    const cols = depthwise ? (p.role === 'weight' ? null : g.input) : p.role === 'weight' || p.role === 'bias' ? g.output : g.input;
    const v = p.role === 'weight' ? gather2(value, b.shape, rows, cols) : gather2(value, [1, b.shape[0]!], null, cols);
    if (plan.rescale && p.role === 'weight' && !depthwise) rescaleInputs(v, p.shape, pruned.layers.get(p.layer)!.input, plan);
    if (v.length !== size(p.shape)) throw new ValidationError(`surgery made ${v.length} values for '${p.name}' [${p.shape}]`);
    const factor = plan.scaleOutputs?.[p.layer];
    if (factor !== undefined && p.role !== 'running_mean' && p.role !== 'running_var') for (let i = 0; i < v.length; i++) v[i] = v[i]! * factor;
    out.set(p.name, v);
  }
  for (const layer of Object.keys(plan.scaleOutputs ?? {})) {
    if (!pruned.layers.has(layer)) throw new ValidationError(`plan field 'scaleOutputs.${layer}': the pruned spec has no layer of that name`);
  }
  return out;
}

/**
 * The inverse of a plan's surgery, for choosing again on the base architecture (iterative pruning's next
 * round): the pruned network's weights put back at their base positions, zeros where the plan removed
 * channels (their filters, BN entries and the weights reading them). An unstructured plan's weights already
 * have the base's shapes. Plans that rescale or remove residual branches are refused (nothing reads them so).
 */
export function embedInBase(plan: PruningPlan, prunedWeights: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  if (plan.kind === 'unstructured') return new Map([...prunedWeights].map(([k, v]) => [k, Float32Array.from(v)]));
  if (plan.rescale || plan.scaleOutputs || withBranchesOf(plan.base, plan.pruned) !== plan.base) {
    throw new ValidationError(`plan of '${plan.method}': a plan that rescales or removes blocks cannot be undone into the base architecture`);
  }
  const interner = new Interner();
  const base = traceChannels(plan.base, {}, interner);
  const pruned = traceChannels(plan.pruned, plan.keep, interner);
  const baseByName = new Map(collectParams(plan.base).map((p) => [p.name, p]));
  const out = new Map<string, Float32Array>();
  for (const p of collectParams(plan.pruned)) {
    const b = baseByName.get(p.name)!;
    const value = prunedWeights.get(p.name);
    if (!value || value.length !== size(p.shape)) throw new ValidationError(`pruned weights lack parameter '${p.name}' [${p.shape}]`);
    if (p.role === 'scale') {
      out.set(p.name, Float32Array.from(value));
      continue;
    }
    const bl = base.layers.get(p.layer)!;
    const ql = pruned.layers.get(p.layer)!;
    const g = { input: positions(p.layer, 'input', bl, ql), output: positions(p.layer, 'output', bl, ql) };
    const depthwise = b.layerKind === 'depthwise';
    const rows = p.role === 'weight' ? g.input : null;
    const cols = depthwise ? (p.role === 'weight' ? null : g.input) : p.role === 'weight' || p.role === 'bias' ? g.output : g.input;
    const shape = p.role === 'weight' ? b.shape : [1, b.shape[0]!];
    out.set(p.name, scatter2(value, shape, rows, cols));
  }
  return out;
}

/** gather2's inverse: `value` (rows × cols of each outer block) written into zeros of `shape` at those rows and cols. */
function scatter2(value: Float32Array, shape: readonly number[], rows: Int32Array | null, cols: Int32Array | null): Float32Array {
  const r = shape[shape.length - 2]!;
  const c = shape[shape.length - 1]!;
  const out = new Float32Array(size(shape));
  const outer = out.length / (r * c);
  const nr = rows ? rows.length : r;
  const nc = cols ? cols.length : c;
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < nr; i++) {
      const rowStart = (o * r + (rows ? rows[i]! : i)) * c;
      for (let j = 0; j < nc; j++) out[rowStart + (cols ? cols[j]! : j)] = value[k++]!;
    }
  }
  return out;
}

/**
 * Multiplies a pruned conv/dense weight ([…, in, out]) along its input axis by the plan's factor for the
 * unit channel each input is (its label), where the plan rescales that unit.
 */
function rescaleInputs(v: Float32Array, shape: readonly number[], inputs: readonly string[], plan: PruningPlan): void {
  const cin = shape[shape.length - 2]!;
  const cout = shape[shape.length - 1]!;
  const factor = new Float64Array(cin).fill(1);
  let any = false;
  for (const [layer, factors] of Object.entries(plan.rescale!)) {
    const at = new Map(plan.keep[layer]!.map((c, j) => [c, j]));
    inputs.forEach((label, i) => {
      const c = channelOf(label, layer);
      if (c === null) return;
      const j = at.get(c);
      if (j === undefined) throw new ValidationError(`plan field 'rescale.${layer}': channel ${c} is read but not kept`);
      factor[i] = factors[j]!;
      any = true;
    });
  }
  if (!any) return;
  for (let k = 0; k < v.length; k++) v[k] = v[k]! * factor[Math.floor(k / cout) % cin]!;
}

/** Where each pruned label sits among the base labels; null when they are the same list. */
function positions(layer: string, side: 'input' | 'output', base: LayerChannels, pruned: LayerChannels): Int32Array | null {
  const b = base[side];
  const q = pruned[side];
  if (b.length === q.length && b.every((l, i) => l === q[i])) return null;
  const index = new Map<string, number>();
  const ambiguous = new Set<string>();
  b.forEach((l, i) => (index.has(l) ? ambiguous.add(l) : index.set(l, i)));
  const out = new Int32Array(q.length);
  q.forEach((l, j) => {
    const i = index.get(l);
    if (i === undefined || ambiguous.has(l)) {
      throw new ValidationError(
        `layer '${layer}': pruned ${side} channel ${j} (${l}) is ${i === undefined ? 'not' : 'not uniquely'} a channel of the base layer`,
      );
    }
    out[j] = i;
  });
  return out;
}

/** value viewed as [outer, r, c] (shape's last two axes r, c); keeps rows and cols (null = all). */
function gather2(value: Float32Array, shape: readonly number[], rows: Int32Array | null, cols: Int32Array | null): Float32Array {
  const r = shape[shape.length - 2]!;
  const c = shape[shape.length - 1]!;
  const outer = value.length / (r * c);
  if (!rows && !cols) return Float32Array.from(value);
  const nr = rows ? rows.length : r;
  const nc = cols ? cols.length : c;
  const out = new Float32Array(outer * nr * nc);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < nr; i++) {
      const rowStart = (o * r + (rows ? rows[i]! : i)) * c;
      if (cols) for (let j = 0; j < nc; j++) out[k++] = value[rowStart + cols[j]!]!;
      else for (let j = 0; j < nc; j++) out[k++] = value[rowStart + j]!;
    }
  }
  return out;
}

/**
 * `base` without the branches `pruned` removed (its own scales kept): the two then compute the same residual
 * streams, so their channels match. `base` itself where the pruned spec removes none.
 */
function withBranchesOf(base: ArchSpec, pruned: ArchSpec): ArchSpec {
  const residual = (pruned as { residual?: boolean[] }).residual;
  const blocks = familyOf(base).residualBlocks;
  if (!blocks || !residual || residual.every(Boolean)) return base;
  return blocks.withBranches(base, { residual, blockScales: (base as { blockScales?: boolean }).blockScales ?? false });
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
