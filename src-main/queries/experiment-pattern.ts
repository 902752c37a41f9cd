// The width pattern of a finished experiment's plans (engine/pruning/patterns.ts): what `pwb pattern`
// prints and what the `guided` method takes.
import { PruningPlanSchema } from '../../src-shared/pruning.ts';
import { ValidationError } from '../../src-shared/errors.ts';
import { parseOrThrow } from '../../src-shared/validate.ts';
import { patternOf, type WidthPattern } from '../engine/pruning/patterns.ts';
import type { Db } from '../store/db.ts';
import { getExperiment } from '../store/experiments.ts';
import { listPlans } from '../store/plans.ts';

export function experimentPattern(db: Db, experimentId: number): WidthPattern {
  getExperiment(db, experimentId); // NotFoundError naming it
  const stored = listPlans(db, experimentId);
  if (stored.length === 0) throw new ValidationError(`experiment ${experimentId} has no pruning plan yet: its baselines have not finished`);
  const plans = stored.map((p) => parseOrThrow(PruningPlanSchema, JSON.parse(p.planJson), `experiment ${experimentId} plan (seed ${p.seed})`));
  // An experiment of several learning rates has a plan per seed and rate: each counts, each seed is named once.
  return patternOf(plans, [...new Set(stored.map((p) => p.seed))]);
}
