// Shared by the pruning tests: small specs per family, weights with non-trivial BN statistics, the
// oracle (the base model with the removed channels' contributions zeroed), and eval-mode logits.
import assert from 'node:assert/strict';
import * as tf from '../../../src-main/engine/tf.ts';
import type { ArchFamily, ArchSpec } from '../../../src-shared/arch-spec.ts';
import type { PruningPlan } from '../../../src-shared/pruning.ts';
import { collectParams, initParams } from '../../../src-main/engine/models/build.ts';
import { Model } from '../../../src-main/engine/models/model.ts';
import { families, familyOf } from '../../../src-main/engine/models/register-all.ts';
import { decodeMasks } from '../../../src-main/engine/pruning/masks.ts';
import { unitReaders } from '../../../src-main/engine/pruning/readers.ts';
import { prunableUnits, unitLayers, type ConvUnit } from '../../../src-main/engine/pruning/units.ts';
import type { PlanningData } from '../../../src-main/engine/pruning/method.ts';
import { Rng } from '../../../src-main/engine/random.ts';

/** Small specs per family, each a distinct case for surgery (heads, shortcuts, selections): the families' own examples. */
export const TEST_SPECS: Record<ArchFamily, Array<{ label: string; spec: ArchSpec }>> = Object.fromEntries(
  families.map((f) => [f.family, f.examples.map(({ label, spec }) => ({ label, spec: structuredClone(spec) as ArchSpec }))]),
);

/** Family initialisation, then BN γ, β and running statistics drawn at random so BN is not trivial. */
export function randomWeights(spec: ArchSpec, seed: number): Map<string, Float32Array> {
  const rng = Rng.fromSeed(seed, 'weights');
  const values = initParams(spec, rng);
  for (const p of collectParams(spec)) {
    const v = values.get(p.name)!;
    for (let i = 0; i < v.length; i++) {
      if (p.role === 'gamma') v[i] = (0.2 + rng.uniform()) * (rng.uniform() < 0.1 ? -1 : 1);
      else if (p.role === 'beta') v[i] = 0.2 * rng.normal();
      else if (p.role === 'running_mean') v[i] = 0.2 * rng.normal();
      else if (p.role === 'running_var') v[i] = 0.5 + rng.uniform();
      else if (p.role === 'bias') v[i] = 0.1 * rng.normal();
      else if (p.role === 'scale') v[i] = 0.2 + rng.uniform();
    }
  }
  return values;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * The oracle: the base weights with every removed channel's contribution zeroed — removed conv/dense
 * outputs get zero weights, bias and following BN γ and β (so they output exactly 0 after BN/ReLU);
 * channels a selection drops get zero input weights in the layer that reads the selection.
 * Independent of the surgery: it uses only the plan's keep lists, the pruned spec's select lists and
 * which BN follows which conv. Unstructured plans: the base weights times their masks.
 */
/**
 * The oracle network and weights for a plan: the base with zeroedBase's weights; where the plan removes residual
 * branches of a base trained without block scales (block_target), the base with scales, 1 on every branch
 * before zeroedBase sets the removed ones to 0 (a removed branch then adds nothing, as in the pruned network).
 */
export function oracleBase(plan: PruningPlan, weights: ReadonlyMap<string, Float32Array>): { spec: ArchSpec; weights: Map<string, Float32Array> } {
  const flags = (plan.pruned as { residual?: boolean[] }).residual;
  if (!flags || (plan.base as { blockScales?: boolean }).blockScales) return { spec: plan.base, weights: zeroedBase(plan, weights) };
  const scaled = familyOf(plan.base).residualBlocks!.withBranches(plan.base, { residual: (plan.base as { residual?: boolean[] }).residual, blockScales: true });
  const withScales = new Map(weights);
  for (const p of collectParams(scaled)) if (p.role === 'scale') withScales.set(p.name, Float32Array.of(1));
  return { spec: scaled, weights: zeroedBase({ ...plan, base: scaled }, withScales) };
}

export function zeroedBase(plan: PruningPlan, weights: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  const out = new Map([...weights].map(([k, v]) => [k, Float32Array.from(v)]));
  const shapes = new Map(collectParams(plan.base).map((p) => [p.name, p.shape]));
  const zeroColumns = (name: string, columns: number[]): void => {
    const v = out.get(name);
    if (!v) return;
    const shape = shapes.get(name)!;
    const c = shape[shape.length - 1]!;
    const drop = new Uint8Array(c);
    for (const j of columns) drop[j] = 1;
    for (let i = 0; i < v.length; i++) if (drop[i % c]) v[i] = 0;
  };
  const zeroInputs = (name: string, inputs: number[]): void => {
    const v = out.get(name)!;
    const shape = shapes.get(name)!;
    const [cin, cout] = shape.slice(-2) as [number, number];
    const drop = new Uint8Array(cin);
    for (const j of inputs) drop[j] = 1;
    for (let i = 0; i < v.length; i++) if (drop[Math.floor(i / cout) % cin]) v[i] = 0;
  };
  // A depthwise weight [k, k, c, 1] holds its channels on axis −2; its bias and BN vectors on the last.
  const zeroChannels = (name: string, channels: number[]): void => {
    const shape = shapes.get(name);
    if (shape?.length === 4 && shape[3] === 1) zeroInputs(name, channels);
    else zeroColumns(name, channels);
  };
  const params = collectParams(plan.base);
  if (plan.kind === 'unstructured') {
    for (const [name, mask] of decodeMasks(plan)) out.get(name)!.forEach((_, i, v) => (v[i]! *= mask[i]!));
    return out;
  }
  // A plan that removes residual branches (SSS): each removed block's scale λ is 0 in the base, its block
  // then adds nothing to its shortcut.
  const flags = (plan.pruned as { residual?: boolean[] }).residual;
  if (flags) {
    const baseFlags = (plan.base as { residual?: boolean[] }).residual ?? flags.map(() => true);
    const positions = baseFlags.flatMap((kept, k) => (kept ? [k] : []));
    const scales = params.filter((p) => p.role === 'scale');
    assert.equal(scales.length, positions.length, 'one scale per residual branch of the base');
    scales.forEach((p, j) => {
      if (!flags[positions[j]!]) out.get(p.name)!.fill(0);
    });
  }
  const units = prunableUnits(plan.base);
  const seen = new Set<string>();
  for (const u of units) {
    if (u.kind === 'conv') {
      const keep = plan.keep[u.layer];
      if (!keep) continue;
      const removed = range(u.width).filter((c) => !keep.includes(c));
      // A coupled unit (channels a residual sum joins): every member loses the same channels, so the sum's
      // removed channels are 0 + 0.
      for (const { layer, bn } of unitLayers(u)) {
        assert.deepEqual(plan.keep[layer], keep, `coupled layer '${layer}' keeps what '${u.layer}' keeps`);
        seen.add(layer);
        for (const name of [`${layer}.weight`, `${layer}.bias`, `${bn}.gamma`, `${bn}.beta`]) zeroColumns(name, removed);
        // A depthwise conv right after the unit's BN (MobileNetV2) works on the same channels: a removed
        // channel is gone from it and from the BN after it too (else that BN's β would feed the next conv).
        const dw = depthwiseAfter(params, bn, u.width);
        if (dw) for (const name of [`${dw.layer}.weight`, `${dw.layer}.bias`, `${dw.bn}.gamma`, `${dw.bn}.beta`]) zeroChannels(name, removed);
      }
    } else {
      const select = (plan.pruned as { select?: number[][] }).select?.[u.selectIndex] ?? range(u.full);
      zeroInputs(`${u.consumer}.weight`, range(u.full).filter((c) => !select.includes(c)));
    }
  }
  const unknown = Object.keys(plan.keep).filter((l) => !seen.has(l));
  if (unknown.length > 0) throw new Error(`plan keeps channels of layers the oracle does not know: ${unknown.join(', ')}`);
  // A rescaling plan (ThiNet): every layer reading a kept channel has its weights on that channel scaled.
  for (const [layer, factors] of Object.entries(plan.rescale ?? {})) {
    const unit = units.find((u) => u.kind === 'conv' && u.layer === layer) as ConvUnit | undefined;
    if (!unit) throw new Error(`plan rescales '${layer}', which is no conv unit`);
    const readers = unitReaders(plan.base, [unit]).get(layer);
    if (!Array.isArray(readers)) throw new Error(`plan rescales '${layer}', whose readers are unknown: ${readers}`);
    for (const r of readers) {
      const v = out.get(`${r.layer}.weight`)!;
      const [cin, cout] = shapes.get(`${r.layer}.weight`)!.slice(-2) as [number, number];
      const factor = new Float64Array(cin).fill(1);
      plan.keep[layer]!.forEach((c, j) => {
        for (const i of r.inputs[c]!) factor[i] = factors[j]!;
      });
      for (let k = 0; k < v.length; k++) v[k] = v[k]! * factor[Math.floor(k / cout) % cin]!;
    }
  }
  return out;
}

/** The depthwise conv whose parameters come right after BN `bn`'s (in collectParams order) over its `width` channels, and the BN after it. */
function depthwiseAfter(params: ReturnType<typeof collectParams>, bn: string, width: number): { layer: string; bn: string } | null {
  const i = params.findIndex((p) => p.name === `${bn}.running_var`);
  const next = params[i + 1];
  if (i < 0 || !next || next.layerKind !== 'depthwise' || next.shape[2] !== width) return null;
  const after = params.slice(i + 1).find((p) => p.layerKind === 'bn');
  return after ? { layer: next.layer, bn: after.layer } : null;
}

export function randomInput(spec: ArchSpec, batch: number, seed: number): tf.Tensor4D {
  const rng = Rng.fromSeed(seed, 'input');
  const [h, w, c] = spec.input;
  return tf.tensor4d(Float32Array.from({ length: batch * h * w * c }, () => rng.normal()), [batch, h, w, c]);
}

/** `size` random training images of the spec's input shape, as a data-aware method reads them; image i is the same on every read. */
export function randomImages(spec: ArchSpec, size: number): PlanningData {
  const per = spec.input[0] * spec.input[1] * spec.input[2];
  const all = Float32Array.from({ length: size * per }, ((rng) => () => rng.normal())(Rng.fromSeed(size, 'images')));
  const read = async (indices: ArrayLike<number>): Promise<Float32Array> => {
    const out = new Float32Array(indices.length * per);
    Array.from(indices).forEach((i, k) => out.set(all.subarray(i * per, (i + 1) * per), k * per));
    return out;
  };
  return {
    size,
    read,
    // As training batches: a rotation by epoch, image i labelled i mod classes.
    async *trainBatches(epoch, batchSize) {
      const order = Array.from({ length: size }, (_, i) => (i + epoch) % size);
      for (let at = 0; at < size; at += batchSize) {
        const idx = order.slice(at, at + batchSize);
        yield { x: await read(idx), y: Int32Array.from(idx, (i) => i % spec.classes), n: idx.length };
      }
    },
  };
}

/** Eval-mode logits of `spec` with `weights` on x, as a plain array (read with await data(): webgpu). */
export async function evalLogits(spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>, x: tf.Tensor): Promise<Float32Array> {
  const model = Model.fromWeights(spec, weights);
  const logits = tf.tidy(() => model.forward(x, false).logits);
  try {
    return (await logits.data()) as Float32Array;
  } finally {
    logits.dispose();
    model.dispose();
  }
}

/** max|a − b| / max|b|. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}

/** Count of trainable values in a weight map, per the spec's parameter list. */
export function trainableCount(spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>): number {
  return collectParams(spec).filter((p) => p.trainable).reduce((s, p) => s + weights.get(p.name)!.length, 0);
}

/** A graph with one conv whose channels reach a sum (no ratio may narrow it) and no channel selections. */
export function sumOnlyGraph(input: [number, number, number]): ArchSpec {
  return {
    family: 'graph', input, classes: 10, output: 'fc',
    nodes: [
      { op: 'conv', id: 'c', inputs: ['input'], filters: input[2], kernel: 3 },
      { op: 'add', id: 's', inputs: ['c', 'input'] },
      { op: 'global_avg_pool', id: 'g', inputs: ['s'] },
      { op: 'dense', id: 'fc', inputs: ['g'], units: 10 },
    ],
  } as ArchSpec;
}
