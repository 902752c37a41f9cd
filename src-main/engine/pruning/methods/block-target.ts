// Residual branches removed to a fixed target: the architectures Sparse Structure Selection found on ImageNet
// ResNet-50 (Huang & Wang, ECCV 2018), which Liu et al. (ICLR 2019, Table 5) train from scratch — RNP
// imagenet/sparse-structure-selection ships only those networks (ResNet-26/32/41, models/resnet-imagenet.ts),
// not the pruning. Predefined: the target, a registered variant of the base's family, says which blocks keep
// their branch; the blocks that lose it keep their shortcut (the identity, or the projection); every other
// weight is the base's, so fine-tuning has a start. For the branches SSS's own training would remove, run
// sparse_structure_selection instead.
import { z } from 'zod';
import type { ArchSpec } from '../../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../../src-shared/errors.ts';
import { PRUNING_PLAN_VERSION } from '../../../../src-shared/pruning.ts';
import { archIds, familyOf, resolveArch } from '../../models/register-all.ts';
import type { ResidualFields } from '../../models/residual-blocks.ts';
import { checkSupports, parseParams, type PruningMethod } from '../method.ts';

const ParamsSchema = z.union([
  /** A registered architecture of the base's family with the same blocks and widths, and `residual` flags (e.g. resnet41_sss). */
  z.strictObject({ target: z.string().regex(/^[a-z0-9_]+$/) }),
  /** Or the blocks to lose their branch, by position (0-based over all stages, in forward order). */
  z.strictObject({ remove: z.array(z.number().int().nonnegative()).min(1) }),
]);
type Params = z.infer<typeof ParamsSchema>;

/** The base with the target's branches (or without the `remove`d ones): its own input, classes and widths. */
function prunedFor(spec: ArchSpec, params: Params): ArchSpec {
  checkSupports(blockTarget, spec);
  const blocks = familyOf(spec).residualBlocks!;
  if ('remove' in params) {
    const flags = blocks.branches(spec);
    const outside = params.remove.find((k) => k >= flags.length);
    if (outside !== undefined) throw new ValidationError(`${blockTarget.id} params: field 'remove': block ${outside} does not exist; this spec has ${flags.length} (0–${flags.length - 1})`);
    for (const k of params.remove) flags[k] = false;
    return blocks.withBranches(spec, { residual: flags, blockScales: false });
  }
  const field = `${blockTarget.id} params: field 'target'`;
  if (!archIds().includes(params.target)) throw new ValidationError(`${field}: no architecture '${params.target}'; see \`pwb arch\``);
  const target = resolveArch(params.target) as ArchSpec & ResidualFields;
  const same = (k: string): boolean => JSON.stringify((target as Record<string, unknown>)[k]) === JSON.stringify((spec as Record<string, unknown>)[k]);
  if (target.family !== spec.family || !target.residual || !['block', 'blocks', 'cfg'].every(same)) {
    throw new ValidationError(`${field}: '${params.target}' is not ${spec.id ?? spec.family} with residual branches removed (another family, other blocks or widths, or no 'residual' flags)`);
  }
  return { ...blocks.withBranches(spec, { residual: target.residual, blockScales: false }), id: params.target };
}

export const blockTarget: PruningMethod = {
  id: 'block_target',
  paper: 'Huang & Wang, "Data-Driven Sparse Structure Selection for Deep Neural Networks", ECCV 2018: its ImageNet ResNet-26/32/41, as Liu et al., ICLR 2019 (Table 5) train them',
  kind: 'predefined',
  paramsSchema: ParamsSchema,
  exampleParams: { remove: [1] },
  needs: 'residual-blocks',

  targetSpec(spec, raw) {
    return prunedFor(spec, parseParams<Params>(blockTarget, raw));
  },

  plan(spec, _weights, raw) {
    const params = parseParams<Params>(blockTarget, raw);
    return { version: PRUNING_PLAN_VERSION, method: blockTarget.id, params, kind: 'structured', base: structuredClone(spec), pruned: prunedFor(spec, params), keep: {} };
  },
};
