// Weight masks as they travel in a PruningPlan: base64 of a bitmask over a parameter's flat values,
// bit i = bit (i % 8) of byte ⌊i / 8⌋ (LSB first); 1 = kept.
import { ValidationError } from '../../../src-shared/errors.ts';
import type { PruningPlan } from '../../../src-shared/pruning.ts';
import { collectParams } from '../models/build.ts';

/** keep[i] truthy → bit set. */
export function encodeMask(keep: ArrayLike<number | boolean>): string {
  const bytes = new Uint8Array(Math.ceil(keep.length / 8));
  for (let i = 0; i < keep.length; i++) if (keep[i]) bytes[i >> 3]! |= 1 << (i & 7);
  return Buffer.from(bytes).toString('base64');
}

/** 0/1 per value; throws ValidationError (naming `where`) when the mask does not cover `length` values. */
export function decodeMask(encoded: string, length: number, where: string): Uint8Array {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length !== Math.ceil(length / 8)) {
    throw new ValidationError(`${where}: mask covers ${bytes.length * 8} values, the parameter has ${length}`);
  }
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (bytes[i >> 3]! >> (i & 7)) & 1;
  return out;
}

/** A plan's masks as 0/1 Float32Arrays by parameter name (masked parameters only), for training. */
export function decodeMasks(plan: PruningPlan): Map<string, Float32Array> {
  const sizes = new Map(collectParams(plan.base).map((p) => [p.name, p.shape.reduce((a, b) => a * b, 1)]));
  const out = new Map<string, Float32Array>();
  for (const [name, encoded] of Object.entries(plan.masks ?? {})) {
    const n = sizes.get(name);
    if (n === undefined) throw new ValidationError(`plan field 'masks.${name}': the base model has no such parameter`);
    out.set(name, Float32Array.from(decodeMask(encoded, n, `plan field 'masks.${name}'`)));
  }
  return out;
}
