// Parsers for command-line values. Each failure is a ValidationError naming the option and the value.
import { existsSync, readFileSync } from 'node:fs';
import { ValidationError, NotFoundError } from '../../src-shared/errors.ts';

export function parsePositiveInt(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new ValidationError(`${option}: expected a positive integer, got '${value}'`);
    return n;
  };
}

export function parseInteger(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new ValidationError(`${option}: expected an integer, got '${value}'`);
    return n;
  };
}

export function parseNumber(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new ValidationError(`${option}: expected a number, got '${value}'`);
    return n;
  };
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
  if (!existsSync(value)) throw new NotFoundError(`${value}: no such file`);
  try {
    return JSON.parse(readFileSync(value, 'utf8'));
  } catch (e) {
    throw new ValidationError(`${value}: not valid JSON (${(e as Error).message})`);
  }
}

export function readJsonFile(path: string): unknown {
  if (!existsSync(path)) throw new NotFoundError(`${path}: no such file`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ValidationError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}
