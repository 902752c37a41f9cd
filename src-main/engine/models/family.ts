// The contract of a model family: one file per family (vgg.ts, resnet.ts, …), listed in register-all.ts.
// A variant is a dictionary of arguments: an ArchSpec with CIFAR-10 input (32×32×3, 10 classes) by default.
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import type { InitScheme, Ops } from './ops.ts';

export interface ModelFamily<S extends ArchSpec = ArchSpec> {
  family: S['family'];
  /** Where the architecture and its initialisation come from (paper, reference file). */
  source: string;
  init: InitScheme;
  /** Where a variant's initialisation differs from the family's `init` (e.g. VggSpec.reference). */
  initFor?(spec: S): InitScheme;
  /** Named variants, keyed by their stable snake_case id. */
  variants: Record<string, S>;
  /** Throws ValidationError naming the field when the spec is inconsistent (e.g. cfg of the wrong length). */
  validate(spec: S): void;
  /** Logits for a batch of images x ([h, w, c] per example) -> [classes]. */
  forward<T>(ops: Ops<T>, x: T, spec: S): T;
}

/** The initialisation `spec` gets: its family's, or the variant's own where the family says so. */
export function initSchemeOf<S extends ArchSpec>(family: ModelFamily<S>, spec: S): InitScheme {
  return family.initFor?.(spec) ?? family.init;
}
