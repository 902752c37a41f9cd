// Parsers for command-line values. Each failure is a ValidationError naming the option and the value.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { ValidationError, NotFoundError } from '../../src-shared/errors.ts';
import { checkJsonShape, decodeUtf8 } from '../../src-shared/validate.ts';

/** Decimal notation only: JavaScript's Number() would also take '0x1', '0b1', '0o7', ' 1 ' and ''. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const INTEGER = /^[+-]?\d+$/;

export function parsePositiveInt(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!INTEGER.test(value) || !Number.isSafeInteger(n) || n < 1) throw new ValidationError(`${option}: expected a positive integer, got '${value}'`);
    return n;
  };
}

export function parseInteger(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!INTEGER.test(value) || !Number.isSafeInteger(n)) throw new ValidationError(`${option}: expected an integer, got '${value}'`);
    return n;
  };
}

export function parseNumber(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!DECIMAL.test(value) || !Number.isFinite(n)) throw new ValidationError(`${option}: expected a decimal number, got '${value}'`);
    // The engine computes in float32: a value that rounds to 0 there would silently be 0.
    if (n !== 0 && Math.fround(n) === 0) throw new ValidationError(`${option}: ${value} is 0 in float32 (the engine's precision); use a value of at least 1.2e-38`);
    return n;
  };
}

/** Options a command may take more than once (they collect their values). */
const REPEATABLE = new Set(['--param']);

/**
 * Refuses an option given twice (`--epochs 3 --epochs 5`, `--augment --no-augment`): which one wins
 * would be a guess. Stops at `--`.
 */
export function checkDuplicateOptions(argv: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const [i, token] of argv.entries()) {
    if (token === '--') break;
    if (!token.startsWith('--')) continue;
    const name = token.split('=')[0]!;
    const base = name.startsWith('--no-') ? `--${name.slice('--no-'.length)}` : name;
    if (REPEATABLE.has(base)) continue;
    const next = argv[i + 1];
    const shown = !token.includes('=') && next !== undefined && !next.startsWith('--') ? `${token} ${next}` : token;
    const first = seen.get(base);
    if (first !== undefined) {
      throw new ValidationError(`${base} is given twice (${first} and ${shown}); give it once`);
    }
    seen.set(base, shown);
  }
}

export function parseNumberList(option: string): (value: string) => number[] {
  return (value) => (value.trim() === '' ? [] : value.split(',').map((v) => parseNumber(option)(v.trim())));
}

export function parseInputShape(value: string): [number, number, number] {
  const parts = value.split(/[x,]/).map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isInteger(p) || p < 1)) {
    throw new ValidationError(`--input: expected HxWxC such as 32x32x3, got '${value}'`);
  }
  return parts as [number, number, number];
}

/** An id stays a string; an existing `.json` path (or any path that exists) is read and parsed. */
export function readSpecArgument(value: string): string | unknown {
  const looksLikePath = value.endsWith('.json') || value.includes('/');
  if (!looksLikePath) return value;
  return readJsonFile(value);
}

/** A spec or config file is small; anything larger is not one (the same limit as an API request body). */
export const MAX_JSON_FILE_BYTES = 1024 * 1024;

/** A JSON document from `path`: at most 1 MB, valid UTF-8, valid JSON, not nested absurdly deep. */
export function readJsonFile(path: string, limit: { bytes: number; what: string } = { bytes: MAX_JSON_FILE_BYTES, what: 'a spec or config file' }): unknown {
  if (!existsSync(path)) throw new NotFoundError(`${path}: no such file`);
  const stat = statSync(path);
  if (!stat.isFile()) throw new ValidationError(`${path}: not a file`);
  if (stat.size > limit.bytes) {
    throw new ValidationError(`${path}: ${stat.size} bytes; ${limit.what} is at most ${limit.bytes} bytes`);
  }
  const text = decodeUtf8(readFileSync(path), path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ValidationError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  checkJsonShape(parsed, path);
  return parsed;
}
