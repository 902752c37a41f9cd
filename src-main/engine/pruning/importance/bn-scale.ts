// |γ| of the BN on a unit's channels: Network Slimming's scaling-factor importance (Liu et al., ICCV 2017).
import { weightOf } from '../scoring.ts';
import type { Importance } from './importance.ts';

/** |γ| per channel. */
export function bnScale(gamma: Float32Array): Float64Array {
  return Float64Array.from(gamma, Math.abs);
}

export const bnScaleImportance: Importance = {
  id: 'bn_scale',
  description: 'BN scaling factor |γ| (Liu et al., ICCV 2017)',
  cannotScore: (unit) => (unit.bn === '' ? `layer '${unit.kind === 'conv' ? unit.layer : unit.bn}' has no BN whose γ would score it` : null),
  scores(unit, weights) {
    return bnScale(weightOf(weights, `${unit.bn}.gamma`));
  },
};
