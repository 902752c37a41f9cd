// The schema's history: an explicit list, in order. A migration, once released, never changes;
// a schema change is a new file here with the next version.
import type { Db } from '../db.ts';
import { initial } from './001-initial.ts';
import { plans } from './002-plans.ts';
import { heldOut } from './003-held-out.ts';
import { lotteryRegime } from './004-lottery-regime.ts';
import { top5 } from './005-top5.ts';
import { archLatency } from './006-arch-latency.ts';
import { roundRegime } from './007-round-regime.ts';
import { learningRateChains } from './008-learning-rate-chains.ts';

export interface Migration {
  readonly version: number;
  /** snake_case, recorded in schema_migrations. */
  readonly name: string;
  /** Runs inside the migration transaction; must not change PRAGMAs (they are no-ops in a transaction). */
  up(db: Db): void;
  /**
   * It drops and recreates a table (SQLite's way to change a constraint): the migration then runs with
   * foreign-key enforcement off, so the drop deletes no child rows, and the foreign-key check after it
   * must come back empty.
   */
  readonly rebuildsTables?: boolean;
}

export const MIGRATIONS: readonly Migration[] = [initial, plans, heldOut, lotteryRegime, top5, archLatency, roundRegime, learningRateChains];
