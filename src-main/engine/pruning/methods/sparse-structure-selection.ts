// Sparse Structure Selection: Huang & Wang, "Data-Driven Sparse Structure Selection for Deep Neural Networks",
// ECCV 2018, as compared in Liu et al., ICLR 2019 (Table 5; RNP imagenet/sparse-structure-selection/README.md).
// Training the large model: every residual branch's output is multiplied by a scaling factor λ (initial 1,
// ModelFamily.residualBlocks' blockScales), and λ is trained by accelerated proximal gradient with an L1
// penalty γ (apg.ts), which drives some λ to exactly 0. The released code (TuSimple/sparse-structure-selection)
// scales blocks with γ = 0.01 on ImageNet ResNet-50 (config/cfgs.py); its groups-level variant (ResNeXt) is not
// here. Planning: every block whose |λ| ≤ `threshold` (0: exactly the zeros) loses its branch — the network
// is shallower, whole stages may keep none — and each kept λ is folded into the layer that feeds it (the
// branch's last BN), so the pruned network computes what the large one did, with no scales left to train.
import { z } from 'zod';
import type { ArchSpec } from '../../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../../src-shared/errors.ts';
import { PRUNING_PLAN_VERSION } from '../../../../src-shared/pruning.ts';
import { familyOf } from '../../models/register-all.ts';
import type { ResidualFields } from '../../models/residual-blocks.ts';
import { apgRule } from '../apg.ts';
import { traceChannels, type ChannelTrace } from '../channel-trace.ts';
import { checkSupports, parseParams, type PruningMethod } from '../method.ts';

const ParamsSchema = z.strictObject({
  /** The L1 penalty γ on the block scales (the released config: 0.01 on ImageNet ResNet-50). */
  gamma: z.number().nonnegative().default(0.01),
  /** Blocks whose |λ| is at most this lose their branch (0: those APG drove to exactly 0). */
  threshold: z.number().nonnegative().default(0),
});
type Params = z.infer<typeof ParamsSchema>;

const isBlockScale = (name: string): boolean => name.endsWith('.lambda.scale');

/** The layer whose output a scale multiplies: the last BN, conv or dense before it with exactly its channels. */
function feederOf(trace: ChannelTrace, scale: string): string {
  const input = trace.layers.get(scale)!.input;
  let found: string | null = null;
  for (const [name, l] of trace.layers) {
    if (name === scale) break;
    if (l.kind !== 'scale' && l.kind !== 'depthwise' && l.output.length === input.length && l.output.every((c, i) => c === input[i])) found = name;
  }
  if (!found) throw new ValidationError(`block scale '${scale}' follows no BN, conv or dense layer to fold it into`);
  return found;
}

function withBranches(spec: ArchSpec, residual: boolean[] | undefined, blockScales: boolean): ArchSpec {
  const blocks = familyOf(spec).residualBlocks!;
  return blocks.withBranches(spec, { residual, blockScales });
}

export const sparseStructureSelection: PruningMethod = {
  id: 'sparse_structure_selection',
  paper: 'Huang & Wang, "Data-Driven Sparse Structure Selection for Deep Neural Networks", ECCV 2018',
  kind: 'automatic',
  paramsSchema: ParamsSchema,
  // Random weights give λ in [0.2, 1.2) (test helpers): this threshold removes some blocks, as training would.
  exampleParams: { threshold: 0.7 },
  needs: 'residual-blocks',

  training: {
    trainingSpec(spec) {
      checkSupports(sparseStructureSelection, spec);
      return withBranches(spec, (spec as ResidualFields).residual, true);
    },
    proximal(raw) {
      const { gamma } = parseParams<Params>(sparseStructureSelection, raw);
      return apgRule(gamma, isBlockScale, 'every residual block scale λ');
    },
  },

  plan(spec, weights, raw) {
    checkSupports(sparseStructureSelection, spec);
    const params = parseParams<Params>(sparseStructureSelection, raw);
    if (!(spec as ResidualFields).blockScales) {
      throw new ValidationError(
        `pruning method '${sparseStructureSelection.id}' removes the residual blocks whose scale λ trained to zero, and this ${spec.family} spec has no block scales (field 'blockScales'): ` +
          `run it in an experiment, which trains the large model with them, or prune weights trained with blockScales: true`,
      );
    }
    const trace = traceChannels(spec);
    const scales = [...trace.layers].filter(([, l]) => l.kind === 'scale').map(([name]) => name);
    const flags = (spec as ResidualFields).residual?.slice() ?? scales.map(() => true);
    const positions = flags.flatMap((kept, k) => (kept ? [k] : []));
    if (positions.length !== scales.length) throw new ValidationError(`${spec.family} spec: ${scales.length} block scales for ${positions.length} residual branches`);
    const scaleOutputs: Record<string, number> = {};
    let removed = 0;
    scales.forEach((layer, j) => {
      const lambda = weights.get(`${layer}.scale`)?.[0];
      if (lambda === undefined) throw new ValidationError(`weights lack parameter '${layer}.scale'`);
      if (Math.abs(lambda) <= params.threshold) {
        flags[positions[j]!] = false;
        removed++;
      } else if (lambda !== 1) {
        scaleOutputs[feederOf(trace, layer)] = lambda;
      }
    });
    const pruned = withBranches(spec, flags.every(Boolean) ? undefined : flags, false);
    // A plan's notes say where it departs from what was asked: here, where nothing or everything was removed.
    const notes = removed === 0
      ? [`no block scale λ reached ${params.threshold} or below: no block was removed (the scales are folded in); train the large model longer or raise 'gamma'`]
      : removed === scales.length
        ? [`every block scale λ reached ${params.threshold} or below: every residual branch was removed, leaving the stem, the shortcuts and the classifier; lower 'gamma'`]
        : [];
    return {
      version: PRUNING_PLAN_VERSION, method: sparseStructureSelection.id, params, kind: 'structured',
      base: structuredClone(spec), pruned, keep: {}, ...(Object.keys(scaleOutputs).length > 0 ? { scaleOutputs } : {}), ...(notes.length > 0 ? { notes } : {}),
    };
  },
};
