// The contract of a model family: one file per family (vgg.ts, resnet.ts, …), listed in register-all.ts.
// A variant is a dictionary of arguments: an ArchSpec with CIFAR-10 input (32×32×3, 10 classes) by default.
import type { z } from 'zod';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import type { InitScheme, Ops } from './ops.ts';
import type { ResidualBlocks } from './residual-blocks.ts';

/** A small spec of the family that exercises one case of its structure (a head, a shortcut, a selection). */
export interface FamilyExample<S extends ArchSpec = ArchSpec> {
  label: string;
  spec: S;
}

export interface ModelFamily<S extends ArchSpec = ArchSpec> {
  family: S['family'];
  /** The strict schema of the family's specs: the shared fields (src-shared/arch-spec.ts) and its own. */
  schema: z.ZodType<S>;
  /** Where the architecture and its initialisation come from (paper, reference file). */
  source: string;
  init: InitScheme;
  /** Where a variant's initialisation differs from the family's `init` (e.g. VggSpec.reference). */
  initFor?(spec: S): InitScheme;
  /** Named variants, keyed by their stable snake_case id. */
  variants: Record<string, S>;
  /**
   * Small specs (inputs of 8–32 px), each a distinct case of the family's structure. The model and
   * pruning conformance suites run every method on each of them: a new family is tested with no new code.
   */
  examples: FamilyExample<S>[];
  /** Throws ValidationError naming the field when the spec is inconsistent (e.g. cfg of the wrong length). */
  validate(spec: S): void;
  /** A ResNet whose blocks can lose their residual branch and scale it (residual-blocks.ts); absent elsewhere. */
  residualBlocks?: ResidualBlocks<S>;
  /** Logits for a batch of images x ([h, w, c] per example) -> [classes]. */
  forward<T>(ops: Ops<T>, x: T, spec: S): T;
}

/** The initialisation `spec` gets: its family's, or the variant's own where the family says so. */
export function initSchemeOf<S extends ArchSpec>(family: ModelFamily<S>, spec: S): InitScheme {
  return family.initFor?.(spec) ?? family.init;
}
