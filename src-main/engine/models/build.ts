// From an ArchSpec to its parameter list and initial values, backend-free: the shape interpreter
// walks the family's forward once; initialisation follows the family's InitScheme (ops.ts).
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { Rng } from '../random.ts';
import type { ParamSpec } from './ops.ts';
import { initSchemeOf } from './family.ts';
import { checkSpec, familyOf } from './register-all.ts';
import { traceShapes, type ShapeTrace } from './shape-ops.ts';

/** Validates `spec`, then runs its forward on shapes: parameters and per-layer cost in call order. */
export function traceSpec(spec: ArchSpec): ShapeTrace {
  const family = familyOf(checkSpec(spec));
  return traceShapes(family, spec);
}

export function collectParams(spec: ArchSpec): ParamSpec[] {
  return traceSpec(spec).params;
}

/** The conv weights of `spec` (what unstructured and filter-mask methods prune), in collectParams order. */
export function convWeightParams(spec: ArchSpec): ParamSpec[] {
  return collectParams(spec).filter((p) => p.layerKind === 'conv' && p.role === 'weight');
}

/**
 * Fresh parameters for `spec`, keyed by ParamSpec.name, drawn from `rng` in collectParams order
 * (so a seed fixes every value). Conv weight ~ N(0, 2/fan); conv bias 0; BN γ = scheme on feature
 * maps and 1 on feature vectors (InitScheme.bnGamma), β 0,
 * running mean 0, var 1, a block's scale 1; dense 'normal_0.01' → N(0, 0.01²) with bias 0, 'torch_default' →
 * weight and bias ~ U(±1/√fan_in).
 */
export function initParams(spec: ArchSpec, rng: Rng): Map<string, Float32Array> {
  const scheme = initSchemeOf(familyOf(spec), spec);
  const values = new Map<string, Float32Array>();
  for (const p of collectParams(spec)) {
    const a = new Float32Array(p.shape.reduce((x, y) => x * y, 1));
    const normal = (std: number): void => {
      for (let i = 0; i < a.length; i++) a[i] = std * rng.normal();
    };
    const uniform = (bound: number): void => {
      for (let i = 0; i < a.length; i++) a[i] = bound * (2 * rng.uniform() - 1);
    };
    if (p.role === 'gamma') a.fill(p.bnOver === 'features' ? 1 : scheme.bnGamma);
    else if (p.role === 'running_var' || p.role === 'scale') a.fill(1);
    else if ((p.layerKind === 'conv' || p.layerKind === 'depthwise') && p.role === 'weight') normal(Math.sqrt(2 / p.fan));
    else if (p.layerKind === 'dense' && scheme.dense === 'torch_default') uniform(1 / Math.sqrt(p.fan));
    else if (p.layerKind === 'dense' && p.role === 'weight') normal(0.01);
    // everything else (biases, β, running mean) stays 0
    values.set(p.name, a);
  }
  return values;
}

/**
 * The weights a run of `spec` starts from when it inherits none (every baseline, every structured scratch
 * run): initParams drawn from the seed's 'init' stream. The lottery ticket resets to exactly these.
 */
export function initialWeights(spec: ArchSpec, seed: number): Map<string, Float32Array> {
  return initParams(spec, Rng.fromSeed(seed, 'init'));
}
