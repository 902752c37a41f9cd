// Channel importance, apart from which widths a method prunes to and from the surgery (Torch-Pruning's
// split of importance, pruner and dependency graph): an Importance scores every candidate channel of a
// pruning unit, larger = keep. A method composes one with a width rule — predefined widths
// (widths.ts: a named target, a cfg, per-layer or per-stage ratios) or a global threshold (network
// slimming) — and `keepMostImportant` does the rest. Each importance is one file in this folder and one
// line in register-all.ts.
import type { Rng } from '../../random.ts';
import { topK } from '../scoring.ts';
import { unitLayers, type ConvUnit, type CoupledLayer, type PrunableUnit } from '../units.ts';

export interface Importance {
  id: string;
  /** What it measures, and where it comes from. */
  description: string;
  /** Why it cannot score `unit` (e.g. no BN to read γ from), or null when it can. */
  cannotScore(unit: PrunableUnit): string | null;
  /**
   * One score per channel of the unit's tensor: a conv unit's output channels [width], a selection's full
   * tensor [full] (only its candidates are read). Deterministic given `rng`'s state.
   */
  scores(unit: PrunableUnit, weights: ReadonlyMap<string, Float32Array>, rng: Rng): Float64Array;
}

/**
 * Kept channels per conv unit for target `widths`: the most important of every unit narrowed below its
 * width (units kept whole are left out and cost no scoring, nor any of `rng`).
 */
export function keepMostImportant(
  importance: Importance,
  units: readonly ConvUnit[],
  widths: ReadonlyMap<string, number>,
  weights: ReadonlyMap<string, Float32Array>,
  rng: Rng,
): Map<string, number[]> {
  const kept = new Map<string, number[]>();
  for (const u of units) {
    const width = widths.get(u.layer)!;
    if (width < u.width) kept.set(u.layer, topK(importance.scores(u, weights, rng), width));
  }
  return kept;
}

/**
 * A conv unit's score per channel from each of its layers: the layer's own for a plain unit, the mean over
 * its members for one a residual sum couples (as DepGraph reduces a group's importance), so a coupled
 * channel is ranked on the same scale as a single layer's.
 */
export function meanOverLayers(unit: ConvUnit, score: (layer: CoupledLayer) => Float64Array): Float64Array {
  const layers = unitLayers(unit);
  if (layers.length === 1) return score(layers[0]!);
  const out = new Float64Array(unit.width);
  for (const layer of layers) score(layer).forEach((v, c) => (out[c]! += v / layers.length));
  return out;
}
