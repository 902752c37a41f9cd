// Filter L2 norm, √Σw² over (k, k, in) per output filter: the criterion of Soft Filter Pruning (He et al.,
// IJCAI 2018) and of the "norm" baselines of later work. Conv units only.
import { weightOf } from '../scoring.ts';
import { meanOverLayers, type Importance } from './importance.ts';

/** L2 norm of each output filter of a [..., out] weight. */
export function filterL2(weight: ArrayLike<number>, outChannels: number): Float64Array {
  const norms = new Float64Array(outChannels);
  for (let i = 0; i < weight.length; i++) norms[i % outChannels]! += weight[i]! * weight[i]!;
  return norms.map(Math.sqrt);
}

export const l2Importance: Importance = {
  id: 'l2',
  description: 'filter L2 norm √Σw² (He et al., IJCAI 2018)',
  cannotScore: (unit) => (unit.kind === 'conv' ? null : 'a channel selection has no filters of its own'),
  scores(unit, weights) {
    if (unit.kind !== 'conv') throw new Error(`l2 importance scores conv units, not selection '${unit.bn}'`);
    return meanOverLayers(unit, (l) => filterL2(weightOf(weights, `${l.layer}.weight`), unit.width));
  },
};
