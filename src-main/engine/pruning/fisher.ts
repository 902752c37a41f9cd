// Fisher pruning's loop: fine-tune the trained network and remove one channel every `pruneEvery` steps,
// the channel whose removal the Fisher approximation says costs the least loss (Theis, Korshunova,
// Tejani, Huszár, "Faster gaze prediction with dense networks and Fisher pruning", 2018, eq. 8; in the
// form of BayesWatch pytorch-prunes, Crowley et al., `MaskBlock._fisher`, `Pruner.fisher_prune`).
// Each gated channel's output is multiplied by a per-example gate m[n, c] = 1 (0 once removed): the loss
// gradient of the gate is Δ[n, c] = Σ_hw a·∂L/∂a, the activation–gradient product over the map, and the
// channel's signal is 0.5·mean_n Δ², summed over the steps since the last removal and divided by their
// number. The smallest goes (optionally traded against the FLOPs it saves, Theis et al. eq. 9: signal −
// β·ΔFLOPs/FLOPs of the base); then the sums restart. A unit keeps at least one channel (the reference
// lets a residual block's inner width reach 0; our units may sit where the network would break).
// Gating after the unit's BN equals gating after its ReLU (Σ a·g is the same on both sides of a ReLU), so
// this is the reference's mask after BN–ReLU; a removed channel's readers see exactly 0, so cutting it
// out afterwards changes nothing.
// Its state — weights, momentum, removed channels, the signal sums, data position — is written now and then
// (after a removal, every 30 s at most), on a cancel and at the end (PlanningData.statePath): a resume
// continues exactly from the last step written.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { CancelledError, DataError, ValidationError } from '../../../src-shared/errors.ts';
import { analyseCost } from '../analysis/cost.ts';
import { Model } from '../models/model.ts';
import * as tf from '../tf.ts';
import { Sgd } from '../training/sgd.ts';
import { crossEntropy } from '../training/step.ts';
import type { PlanningData } from './method.ts';
import { readPlanningState, writePlanningState } from './planning-state.ts';
import { unitReaders } from './readers.ts';
import { prunableUnits, specWithKept, type PrunableUnit } from './units.ts';

/** A unit whose channels a gate switches off: after `gate` (its BN, or its own layer where no BN follows). */
export interface GatedUnit {
  unit: PrunableUnit;
  /** The unit's id (conv layer or selected BN). */
  id: string;
  /** The layer whose output the gate multiplies. */
  gate: string;
  /** Channels of that output (a selection's: the full tensor's). */
  width: number;
  /** The channels it may keep (a selection's candidates; every channel of a conv). */
  candidates: number[];
}

/**
 * The units Fisher pruning gates: channel selections, and feature convs read only by convs or dense
 * layers (a channel summed into a residual stream or passed through a depthwise conv lives on past
 * its BN, so a gate there would not be its removal).
 */
export function gatedUnits(spec: ArchSpec): GatedUnit[] {
  const units = prunableUnits(spec);
  const convs = units.filter((u) => u.kind === 'conv' && u.role === 'feature');
  const readers = unitReaders(spec, convs.filter((u) => u.kind === 'conv'));
  return units.flatMap((u): GatedUnit[] => {
    if (u.kind === 'select') return [{ unit: u, id: u.bn, gate: u.bn, width: u.full, candidates: [...u.candidates] }];
    if (u.role !== 'feature' || typeof readers.get(u.layer) === 'string') return [];
    return [{ unit: u, id: u.layer, gate: u.bn || u.layer, width: u.width, candidates: Array.from({ length: u.width }, (_, i) => i) }];
  });
}

export interface FisherSchedule {
  /** Channels to remove. */
  remove: number;
  pruneEvery: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
  /** β of the FLOPs trade-off (0: the signal alone, as the reference). */
  flopsWeight: number;
  /** Seconds between state writes, at least (default 30; written at the first removal after, and at the end). */
  saveEverySeconds?: number;
}

export interface FisherResult {
  /** Kept channels per unit id, of the units that lost some. */
  kept: Map<string, number[]>;
  /** [unit id, channel] in the order removed. */
  removed: Array<[string, number]>;
  /** The fine-tuned weights at the end (removed channels still there, their outputs gated to 0). */
  weights: Map<string, Float32Array>;
}

/** 0.5 · mean over the batch of Δ², per channel: Δ [n, c] row-major. */
export function fisherSignal(delta: ArrayLike<number>, n: number, channels: number): Float64Array {
  const out = new Float64Array(channels);
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) out[c]! += delta[i * channels + c]! ** 2;
  for (let c = 0; c < channels; c++) out[c] = (0.5 * out[c]!) / n;
  return out;
}

/**
 * The channel to remove: the smallest score among active channels of units with more than one active,
 * the earlier unit and channel on a tie; null when every unit is down to one channel.
 */
export function nextRemoval(scores: readonly Float64Array[], active: readonly Uint8Array[]): [number, number] | null {
  let best: [number, number] | null = null;
  let bestScore = Infinity;
  active.forEach((mask, u) => {
    if (mask.reduce((a, b) => a + b, 0) < 2) return;
    mask.forEach((on, c) => {
      if (on && scores[u]![c]! < bestScore) {
        bestScore = scores[u]![c]!;
        best = [u, c];
      }
    });
  });
  return best;
}

const SAVE_EVERY_S = 30;

interface PlanningState {
  removed: Array<[string, number]>;
  /** Each unit's signal summed since the last removal (JSON numbers round-trip doubles exactly). */
  sums: number[][];
  /** Steps done, the epoch they are in and the batches of that epoch consumed. */
  step: number;
  epoch: number;
  batch: number;
}

/** Runs the loop on `spec` from `weights`; `data` gives the batches and, optionally, where to keep state. */
export async function fisherPrune(
  spec: ArchSpec, weights: ReadonlyMap<string, Float32Array>, schedule: FisherSchedule, data: PlanningData, method: string,
): Promise<FisherResult> {
  if (!data.trainBatches) throw new ValidationError(`pruning method '${method}' fine-tunes while it prunes: it needs labelled training batches (run it in an experiment, or give 'pwb prune' --dataset <id>)`);
  const gated = gatedUnits(spec);
  const prunable = gated.reduce((a, g) => a + g.candidates.length - 1, 0);
  if (schedule.remove > prunable) {
    throw new ValidationError(`${method} params: cannot remove ${schedule.remove} channels: this ${spec.family} spec's gated units can lose ${prunable} (each keeps one)`);
  }
  const saved = data.statePath ? readState(data.statePath, spec) : null;
  const model = Model.fromWeights(spec, saved?.weights ?? weights);
  const params = model.trainable();
  const sgd = new Sgd({ momentum: schedule.momentum, nesterov: false, weightDecay: schedule.weightDecay });
  const active = gated.map((g) => Uint8Array.from({ length: g.width }, (_, c) => (g.candidates.includes(c) ? 1 : 0)));
  const index = new Map(gated.map((g, i) => [g.id, i]));
  const state: PlanningState = saved?.state ?? { removed: [], sums: [], step: 0, epoch: 0, batch: 0 };
  for (const [id, c] of state.removed) active[index.get(id)!]![c] = 0;
  if (saved) sgd.importState(params, saved.momentum);
  const sums = gated.map((g, u) => (state.sums[u]?.length === g.width ? Float64Array.from(state.sums[u]!) : new Float64Array(g.width)));
  const baseFlops = analyseCost(spec).totals.flops;
  let lastSave = performance.now();
  let lossAvg = NaN;
  const report = (): void => data.onProgress?.({
    done: state.removed.length, total: schedule.remove, unit: 'channels removed',
    info: `step ${state.step}${Number.isFinite(lossAvg) ? `, loss ${lossAvg.toFixed(3)}` : ''}`,
  });
  const save = async (): Promise<void> => {
    if (!data.statePath) return;
    writeState(data.statePath, spec, schedule, { ...state, sums: sums.map((v) => [...v]) }, await model.exportWeights(), await sgd.exportState());
    lastSave = performance.now();
  };
  try {
    report();
    while (state.removed.length < schedule.remove) {
      const stream = data.trainBatches(state.epoch, schedule.batchSize);
      let b = 0;
      for await (const batch of stream) {
        if (b++ < state.batch) continue; // a resumed epoch: the batches before the saved position were trained on
        await nextTurn();
        if (data.signal?.aborted) {
          await save(); // everything up to this step, so a resume repeats nothing
          throw new CancelledError(`cancelled while pruning (${state.removed.length} of ${schedule.remove} channels removed)`);
        }
        const loss = await gatedStep(model, sgd, params, gated, active, sums, batch, schedule.lr);
        lossAvg = Number.isFinite(lossAvg) ? 0.98 * lossAvg + 0.02 * loss : loss;
        state.step++;
        state.batch = b;
        if (state.step % schedule.pruneEvery !== 0) continue;
        const scores = sums.map((s) => s.map((v) => v / schedule.pruneEvery));
        if (schedule.flopsWeight > 0) {
          const savings = flopsSavings(spec, gated, active);
          scores.forEach((s, u) => s.forEach((v, c) => (s[c] = v - (schedule.flopsWeight * savings[u]!) / baseFlops)));
        }
        const next = nextRemoval(scores, active)!;
        active[next[0]]![next[1]] = 0;
        state.removed.push([gated[next[0]]!.id, next[1]]);
        for (const s of sums) s.fill(0);
        report();
        if (state.removed.length >= schedule.remove) break;
        if (performance.now() - lastSave >= (schedule.saveEverySeconds ?? SAVE_EVERY_S) * 1000) await save();
      }
      if (state.removed.length < schedule.remove) {
        state.epoch++;
        state.batch = 0;
      }
    }
    await save();
    const kept = new Map<string, number[]>();
    gated.forEach((g, u) => {
      const list = g.candidates.filter((c) => active[u]![c] === 1);
      if (list.length < g.candidates.length) kept.set(g.id, list);
    });
    return { kept, removed: state.removed, weights: await model.exportWeights() };
  } finally {
    sgd.dispose();
    model.dispose();
  }
}

/** One SGD step with every gated unit's gates as inputs; their gradients' Fisher signal added to `sums`. Returns the loss. */
async function gatedStep(
  model: Model, sgd: Sgd, params: Array<[string, tf.Variable]>, gated: readonly GatedUnit[], active: readonly Uint8Array[],
  sums: Float64Array[], batch: { x: Float32Array; y: Int32Array; n: number }, lr: number,
): Promise<number> {
  const { n } = batch;
  const gateVars = gated.map((g, u) => tf.tidy(() => tf.variable(tf.mul(tf.ones([n, g.width]), tf.tensor1d(Float32Array.from(active[u]!))), true)));
  const x = tf.tensor4d(batch.x, [n, ...model.spec.input]);
  const y = tf.tensor1d(batch.y, 'int32');
  try {
    let stats: ReturnType<Model['forward']>['ops']['batchStats'] = [];
    const gates = new Map(gated.map((g, u) => [g.gate, gateVars[u]! as tf.Tensor]));
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(x, true, undefined, gates);
      stats = out.ops.batchStats;
      return crossEntropy(out.logits, y, model.spec.classes);
    }, [...params.map(([, v]) => v), ...gateVars]);
    model.applyBatchStats(stats);
    const gateGrads = gateVars.map((v) => grads[v.name]!);
    const signals = gateGrads.map((g) => tf.tidy(() => tf.mul(tf.mean(tf.square(g), 0), 0.5)));
    const weightGrads: tf.NamedTensorMap = {};
    for (const [, v] of params) weightGrads[v.name] = grads[v.name]!;
    sgd.step(params, weightGrads, lr);
    const [lossValue, ...signalValues] = await Promise.all([value.data(), ...signals.map((s) => s.data())]);
    signalValues.forEach((s, u) => s.forEach((v, c) => (sums[u]![c]! += v)));
    tf.dispose([value, ...Object.values(grads), ...signals]);
    return lossValue[0]!;
  } finally {
    tf.dispose([x, y, ...gateVars]);
  }
}

/** FLOPs each unit's next removal saves, at the current widths. */
function flopsSavings(spec: ArchSpec, gated: readonly GatedUnit[], active: readonly Uint8Array[]): number[] {
  const units = prunableUnits(spec);
  const keptNow = (u: number, less = false): number[] => {
    const list = gated[u]!.candidates.filter((c) => active[u]![c] === 1);
    return less ? list.slice(1) : list;
  };
  const flopsWith = (drop: number | null): number => {
    const kept = new Map(gated.map((g, u) => [g.id, keptNow(u, u === drop)]));
    return analyseCost(specWithKept(spec, units, kept).pruned).totals.flops;
  };
  const now = flopsWith(null);
  return gated.map((_, u) => (keptNow(u).length > 1 ? now - flopsWith(u) : 0));
}

function writeState(
  path: string, spec: ArchSpec, schedule: FisherSchedule, state: PlanningState, weights: Map<string, Float32Array>, momentum: Map<string, Float32Array>,
): void {
  writePlanningState(path, spec, schedule, state.epoch, { method: 'fisher', ...state }, weights, momentum);
}

/** The saved state where the file exists (and is this spec's), else null. */
function readState(path: string, spec: ArchSpec): { state: PlanningState; weights: Map<string, Float32Array>; momentum: Map<string, Float32Array> } | null {
  const ckpt = readPlanningState(path);
  if (!ckpt) return null;
  const p = ckpt.planning as Partial<PlanningState> & { method?: string } | undefined;
  if (p?.method !== 'fisher' || !Array.isArray(p.removed) || JSON.stringify(ckpt.spec) !== JSON.stringify(spec)) {
    throw new DataError(`${path}: not this experiment's Fisher pruning state; delete it to plan again from the baseline`);
  }
  return { state: { removed: p.removed, sums: p.sums ?? [], step: p.step!, epoch: p.epoch!, batch: p.batch! }, weights: ckpt.weights, momentum: ckpt.momentum };
}
