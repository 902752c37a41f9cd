// The lottery ticket (Frankle & Carbin, ICLR 2019) as Liu et al. (ICLR 2019, §6) test it: the pruned
// network starts from the large network's own initial values of what it keeps — the kept channels'
// weights (structured plans) or the kept weights under their masks (unstructured) — instead of a fresh
// random initialisation (Scratch-E, the "random init" it is compared with). One-shot: the plan is made
// once from the trained baseline.
import type { PruningPlan } from '../../../src-shared/pruning.ts';
import { initialWeights } from '../models/build.ts';
import { applyPlan } from './apply-plan.ts';

/** The winning ticket of `plan` for the baseline trained with `seed`: its initial weights, pruned by the plan. */
export function winningTicket(plan: PruningPlan, seed: number): Map<string, Float32Array> {
  return applyPlan(plan, initialWeights(plan.base, seed));
}
