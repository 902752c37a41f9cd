// Channel importance (scoring), kept apart from planning (which channels) and surgery (apply-plan.ts).
// Every score is "larger = more important"; `topK` turns scores into kept indices.
import { ValidationError } from '../../../src-shared/errors.ts';
import type { ConvUnit, PrunableUnit } from './units.ts';

/**
 * Per output channel, Σ|w| over every other axis: conv weight [k, k, in, out] → [out] (Li et al.'s
 * filter L1 norm, with the absolute value), dense weight [in, out] → [out].
 */
export function filterL1(weight: Float32Array, outChannels: number): Float64Array {
  const scores = new Float64Array(outChannels);
  for (let i = 0; i < weight.length; i++) scores[i % outChannels]! += Math.abs(weight[i]!);
  return scores;
}

/** Per input channel, Σ|w| over every other axis: weight [..., in, out] → [in]. */
export function inputL1(weight: Float32Array, inChannels: number, outChannels: number): Float64Array {
  const scores = new Float64Array(inChannels);
  for (let i = 0; i < weight.length; i++) scores[Math.floor(i / outChannels) % inChannels]! += Math.abs(weight[i]!);
  return scores;
}

/** |γ| per channel: Network Slimming's scaling-factor importance. */
export function bnScale(gamma: Float32Array): Float64Array {
  return Float64Array.from(gamma, Math.abs);
}

/** Indices of the k largest scores among `candidates`, ascending; ties go to the lower index. */
export function topK(scores: ArrayLike<number>, k: number, candidates?: readonly number[]): number[] {
  const pool = candidates ? [...candidates] : Array.from({ length: scores.length }, (_, i) => i);
  pool.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return pool.slice(0, k).sort((a, b) => a - b);
}

export function weightOf(weights: ReadonlyMap<string, Float32Array>, name: string): Float32Array {
  const w = weights.get(name);
  if (!w) throw new ValidationError(`weights lack parameter '${name}'; prune a trained model of this spec`);
  return w;
}

/**
 * L1 importance of a unit's candidate channels, indexed like candidatesOf(unit): a conv unit's filters,
 * or for a selection the consumer's input weights that read each channel.
 */
export function unitL1(unit: PrunableUnit, weights: ReadonlyMap<string, Float32Array>): Float64Array {
  if (unit.kind === 'conv') return filterL1(weightOf(weights, `${unit.layer}.weight`), unit.width);
  // The consumer reads the selected channels: weight [..., candidates, consumerOut].
  const byInput = inputL1(weightOf(weights, `${unit.consumer}.weight`), unit.candidates.length, unit.consumerOut);
  const out = new Float64Array(unit.full);
  unit.candidates.forEach((c, j) => (out[c] = byInput[j]!));
  return out;
}

/**
 * Kept channels per conv unit for target `widths`: the largest-L1 filters of every unit narrowed below
 * its width (how the predefined methods choose channels; units kept whole are left out).
 */
export function keepLargestL1(
  units: readonly ConvUnit[], widths: ReadonlyMap<string, number>, weights: ReadonlyMap<string, Float32Array>,
): Map<string, number[]> {
  const kept = new Map<string, number[]>();
  for (const u of units) {
    const width = widths.get(u.layer)!;
    if (width < u.width) kept.set(u.layer, topK(unitL1(u, weights), width));
  }
  return kept;
}
