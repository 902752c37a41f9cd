// Random importance: the "does the criterion matter?" control (Crowley et al., arXiv 1810.04622; RNP's
// `--prune random`). One Fisher–Yates shuffle of the unit's channels per unit scored; the channel the
// shuffle puts first scores highest, so keeping the top k keeps the shuffle's first k.
import type { Importance } from './importance.ts';

export const randomImportance: Importance = {
  id: 'random',
  description: 'uniformly random (a control: no criterion)',
  cannotScore: () => null,
  scores(unit, _weights, rng) {
    const n = unit.kind === 'conv' ? unit.width : unit.full;
    const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    const scores = new Float64Array(n);
    order.forEach((c, j) => (scores[c] = n - j));
    return scores;
  },
};
