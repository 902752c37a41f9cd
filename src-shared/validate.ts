// Every boundary parses before it trusts: this turns a zod failure into one ValidationError line
// that names where the input came from, the field path and the offending value.
import type { z } from 'zod';
import { ValidationError } from './errors.ts';

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  const got = valueAt(value, issue.path);
  const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)?.slice(0, 80)})`;
  throw new ValidationError(`${where}: field '${path}': ${issue.message}${shown}`);
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
