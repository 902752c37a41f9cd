// Filter L1 norm, Σ|w| over (k, k, in) per output filter: Li et al., "Pruning Filters for Efficient
// ConvNets", ICLR 2017 (a coupled unit: the mean over its layers). For a channel selection, the L1 of the consumer's input weights that read it.
import { filterL1, inputL1, weightOf } from '../scoring.ts';
import { meanOverLayers, type Importance } from './importance.ts';

export const l1Importance: Importance = {
  id: 'l1',
  description: 'filter L1 norm Σ|w| (Li et al., ICLR 2017)',
  cannotScore: () => null,
  scores(unit, weights) {
    if (unit.kind === 'conv') return meanOverLayers(unit, (l) => filterL1(weightOf(weights, `${l.layer}.weight`), unit.width));
    // The consumer reads the selected channels: weight [..., candidates, consumerOut].
    const byInput = inputL1(weightOf(weights, `${unit.consumer}.weight`), unit.candidates.length, unit.consumerOut);
    const out = new Float64Array(unit.full);
    unit.candidates.forEach((c, j) => (out[c] = byInput[j]!));
    return out;
  },
};
