// Every model family, as an explicit list (tfjs register_all style). A new family is one file plus
// one line here; conformance tests loop over `families` and their variants.
import { ArchSpecSchema, type ArchSpec } from '../../../src-shared/arch-spec.ts';
import { NotFoundError, ValidationError } from '../../../src-shared/errors.ts';
import { parseOrThrow } from '../../../src-shared/validate.ts';
import { densenet } from './densenet.ts';
import { densenetBc } from './densenet-bc.ts';
import { graph } from './graph.ts';
import { mobileNetV2 } from './mobilenetv2.ts';
import type { ModelFamily } from './family.ts';
import { preresnet } from './preresnet.ts';
import { resnetImagenet } from './resnet-imagenet.ts';
import { resnet } from './resnet.ts';
import { traceShapes } from './shape-ops.ts';
import { vgg } from './vgg.ts';
import { wideResNet } from './wrn.ts';

export const families: ModelFamily<any>[] = [vgg, resnet, preresnet, densenet, densenetBc, resnetImagenet, wideResNet, mobileNetV2, graph];

/** Every variant id, family by family. */
export function archIds(): string[] {
  return families.flatMap((f) => Object.keys(f.variants));
}

export function familyOf(spec: ArchSpec): ModelFamily {
  const family = families.find((f) => f.family === spec.family);
  if (!family) {
    throw new NotFoundError(`no model family '${spec.family}'; known: ${families.map((f) => f.family).join(', ')}`);
  }
  return family;
}

/**
 * `spec` checked against its family's strict schema (every field, the field named when one is wrong, no
 * unknown fields), then the family's own rules; returns the parsed spec. For a spec from outside.
 */
export function checkSpec(spec: ArchSpec, where = 'arch spec'): ArchSpec {
  const family = families.find((f) => f.family === spec.family);
  if (!family) {
    throw new ValidationError(`${where}: field 'family': no model family '${spec.family}'; known: ${families.map((f) => f.family).join(', ')}`);
  }
  const parsed = parseOrThrow(family.schema, spec, `${where} (${spec.family})`);
  family.validate(parsed);
  return parsed;
}

/** checkSpec, then a shape pass (catches inputs too small for the network, bad select indices). */
export function validateSpec(spec: ArchSpec): void {
  traceShapes(familyOf(spec), checkSpec(spec));
}

/** A variant id → a fresh copy of its spec; anything else is parsed as an ArchSpec and validated. */
export function resolveArch(idOrSpec: string | unknown): ArchSpec {
  if (typeof idOrSpec === 'string') {
    for (const f of families) {
      const spec = f.variants[idOrSpec];
      if (spec) return structuredClone(spec);
    }
    throw new NotFoundError(`unknown architecture '${idOrSpec}'; valid ids: ${archIds().join(', ')}`);
  }
  const spec = checkSpec(parseOrThrow(ArchSpecSchema, idOrSpec, 'arch spec'));
  traceShapes(familyOf(spec), spec);
  return spec;
}

/** A copy of `spec` for another dataset: input [h, w, c] and class count replaced. */
export function withData(spec: ArchSpec, input: [number, number, number], classes: number): ArchSpec {
  return { ...structuredClone(spec), input: [...input], classes };
}
