// Every boundary parses before it trusts: this turns a zod failure into one ValidationError line
// that names where the input came from, the field path and the offending value.
import type { z } from 'zod';
import { ValidationError } from './errors.ts';

/** Deeper than this, a document is refused before any recursive code (the schema, canonical JSON) sees it. */
export const MAX_JSON_DEPTH = 64;
/** Keys JavaScript gives meaning to on every object: never data. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Refuses what a schema cannot see or would choke on: nesting deeper than MAX_JSON_DEPTH (a stack
 * overflow later) and the reserved keys `__proto__`, `constructor`, `prototype` (dropped or misread
 * silently), naming the field. Iterative, so any depth is safe to check.
 */
export function checkJsonShape(value: unknown, where: string): void {
  const stack: Array<{ v: unknown; path: string[] }> = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= MAX_JSON_DEPTH) {
      throw new ValidationError(`${where}: nested deeper than ${MAX_JSON_DEPTH} levels (at '${path.slice(0, 6).join('.')}…'); flatten it`);
    }
    for (const key of Object.keys(v)) {
      const at = [...path, key];
      if (RESERVED_KEYS.has(key)) throw new ValidationError(`${where}: field '${at.join('.')}': '${key}' is a reserved name, not allowed as a key`);
      stack.push({ v: (v as Record<string, unknown>)[key], path: at });
    }
  }
}

/** UTF-8 text of `bytes`, or a ValidationError naming `where` and the first bad byte (no silent U+FFFD). */
export function decodeUtf8(bytes: Uint8Array, where: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    throw new ValidationError(`${where}: not valid UTF-8 (byte ${bad} is 0x${bytes[bad]?.toString(16).padStart(2, '0')}); save it as UTF-8`);
  }
}

/** Where the first malformed sequence starts (for the message; TextDecoder is the judge). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const extra = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (extra < 0) return i;
    for (let k = 1; k <= extra; k++) if (i + k >= bytes.length || (bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += extra + 1;
  }
  return Math.max(0, bytes.length - 1);
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  checkJsonShape(value, where);
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
