// From a SQLite row to the object the other layers see: snake_case columns become camelCase keys,
// `<name>_json` columns become `<name>` parsed, and the result is parsed through its zod schema.
import type { z } from 'zod';
import { DataError, ValidationError } from '../../src-shared/errors.ts';
import { parseOrThrow } from '../../src-shared/validate.ts';

export type SqlRow = Record<string, unknown>;

/** A row that does not fit its schema is damaged data: DataError naming the table and row. */
export function parseRow<S extends z.ZodType>(schema: S, row: SqlRow, where: string): z.infer<S> {
  const obj: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (column.endsWith('_json')) obj[camel(column.slice(0, -5))] = JSON.parse(value as string);
    else obj[camel(column)] = value;
  }
  try {
    return parseOrThrow(schema, obj, where);
  } catch (e) {
    if (e instanceof ValidationError) throw new DataError(`damaged row in the database: ${e.message}`);
    throw e;
  }
}

function camel(column: string): string {
  return column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** SQLite stores NaN as NULL; ±Infinity is mapped to NULL too, so a diverged loss reads back as null. */
export function finiteOrNull(x: number | null | undefined): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}
