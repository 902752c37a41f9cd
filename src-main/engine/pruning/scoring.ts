// The arithmetic channel importances share (importance/): per-filter and per-input L1 sums, and `topK`,
// which turns scores (larger = more important) into kept indices.
import { ValidationError } from '../../../src-shared/errors.ts';

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
