// The schema's history: an explicit list, in order. A migration, once released, never changes;
// a schema change is a new file here with the next version.
import type { Db } from '../db.ts';
import { initial } from './001-initial.ts';
import { plans } from './002-plans.ts';
import { heldOut } from './003-held-out.ts';

export interface Migration {
  readonly version: number;
  /** snake_case, recorded in schema_migrations. */
  readonly name: string;
  /** Runs inside the migration transaction; must not change PRAGMAs (they are no-ops in a transaction). */
  up(db: Db): void;
}

export const MIGRATIONS: readonly Migration[] = [initial, plans, heldOut];
