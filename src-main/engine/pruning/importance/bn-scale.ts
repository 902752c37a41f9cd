// |γ| of the BN on a unit's channels: Network Slimming's scaling-factor importance (Liu et al., ICCV 2017);
// for a coupled unit the mean over its layers' BNs.
import { weightOf } from '../scoring.ts';
import { unitLayers } from '../units.ts';
import { meanOverLayers, type Importance } from './importance.ts';

/** |γ| per channel. */
export function bnScale(gamma: Float32Array): Float64Array {
  return Float64Array.from(gamma, Math.abs);
}

export const bnScaleImportance: Importance = {
  id: 'bn_scale',
  description: 'BN scaling factor |γ| (Liu et al., ICCV 2017)',
  cannotScore(unit) {
    if (unit.kind === 'select') return null;
    const without = unitLayers(unit).find((l) => l.bn === '');
    return without ? `layer '${without.layer}' has no BN whose γ would score it` : null;
  },
  scores(unit, weights) {
    if (unit.kind === 'select') return bnScale(weightOf(weights, `${unit.bn}.gamma`));
    return meanOverLayers(unit, (l) => bnScale(weightOf(weights, `${l.bn}.gamma`)));
  },
};
