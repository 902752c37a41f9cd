// What a plan means for the runs that follow it, whatever its kind — so the experiment runner asks these
// and never which kind of plan, or which method, it holds:
//   planCost       params and FLOPs of the pruned network as the reference counts them (structured: the
//                  pruned spec's; masked: only the kept conv weights, each conv's FLOPs scaled by its kept
//                  fraction — RNP's weight-level rule; not rounded)
//   recordedCost   the cost a pruned run stores in place of its architecture's, where they differ
//   planMasks      the 0/1 masks training must keep applying (masked plans), or none
//   scratchStart   how a scratch run of the pruned network starts where the plan decides it (masked plans:
//                  the method's own rule, else RNP weight-level's); null = a fresh initialisation
import type { PruningPlan } from '../../../src-shared/pruning.ts';
import { analyseCost } from '../analysis/cost.ts';
import { Rng } from '../random.ts';
import { decodeMasks } from './masks.ts';
import { scratchInit } from './methods/magnitude.ts';
import { getMethod } from './methods/register-all.ts';

export function planCost(plan: PruningPlan): { params: number; flops: number } {
  if (plan.kind !== 'unstructured') {
    const { params, flops } = analyseCost(plan.pruned).totals;
    return { params, flops };
  }
  const masks = decodeMasks(plan);
  const cost = analyseCost(plan.base);
  let removed = 0;
  for (const mask of masks.values()) removed += mask.length - mask.reduce((a, b) => a + b, 0);
  let flops = 0;
  for (const layer of cost.layers) {
    const mask = masks.get(`${layer.name}.weight`);
    const kept = mask ? mask.reduce((a, b) => a + b, 0) / mask.length : 1;
    flops += layer.kind === 'conv' ? layer.flops * kept : layer.flops;
  }
  return { params: cost.totals.params - removed, flops };
}

/** The cost a pruned run records in place of its architecture's own, where they differ (masked plans: FLOPs whole); else undefined. */
export function recordedCost(plan: PruningPlan): { params: number; flops: number } | undefined {
  if (plan.kind !== 'unstructured') return undefined;
  const { params, flops } = planCost(plan);
  return { params, flops: Math.round(flops) };
}

export function planMasks(plan: PruningPlan): Map<string, Float32Array> | undefined {
  return plan.kind === 'unstructured' ? decodeMasks(plan) : undefined;
}

export function scratchStart(plan: PruningPlan, seed: number): (() => Map<string, Float32Array>) | null {
  if (plan.kind !== 'unstructured') return null;
  const own = getMethod(plan.method).training?.scratchInit;
  return () => (own ? own(plan, seed) : scratchInit(plan, Rng.fromSeed(seed, 'init')));
}
