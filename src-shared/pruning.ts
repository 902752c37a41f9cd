// PruningPlan: the JSON a pruning method produces and the shared surgery (engine/pruning/apply-plan.ts)
// replays. A plan names the base and the pruned ArchSpec and, for structured pruning, which output
// channels each changed conv/dense layer keeps; PreResNet/DenseNet channel selections live in the
// pruned spec's `select` lists. Unstructured plans keep the architecture and carry weight masks.
import { z } from 'zod';
import { ArchSpecSchema } from './arch-spec.ts';

export const PRUNING_PLAN_VERSION = 1;

export const PruningPlanKindSchema = z.enum(['structured', 'unstructured']);

const ascending = (list: readonly number[]): boolean => list.every((v, i) => i === 0 || v > list[i - 1]!);

export const PruningPlanSchema = z
  .strictObject({
    version: z.literal(PRUNING_PLAN_VERSION),
    /** Id of the PruningMethod that made the plan (snake_case, stable). */
    method: z.string().regex(/^[a-z0-9_]+$/),
    /** The method's parameters after parsing (defaults filled in), so the plan says how it was made. */
    params: z.record(z.string(), z.unknown()),
    kind: PruningPlanKindSchema,
    base: ArchSpecSchema,
    pruned: ArchSpecSchema,
    /** Layer name → kept output-channel indices (ascending) of every conv/dense whose width changes. */
    keep: z.record(z.string(), z.array(z.number().int().nonnegative())),
    /**
     * Unstructured only: parameter name → base64 bitmask of kept weights over the parameter's flat
     * (row-major, tfjs layout) values; bit i of the mask is bit (i % 8) of byte ⌊i / 8⌋ (LSB first).
     */
    masks: z.record(z.string(), z.string()).optional(),
    /**
     * Structured only: layer name (one of `keep`'s) → one factor per kept channel, in `keep`'s order:
     * every conv or dense weight that reads that channel is multiplied by it along its input axis
     * (ThiNet's least-squares rescaling of the next layer).
     */
    rescale: z.record(z.string(), z.array(z.number().finite())).optional(),
    /**
     * Structured only: layer name → one factor its output is multiplied by — a BN's γ and β, a conv's weight
     * and bias (a removed residual block's scale λ folded into the layer before it, Sparse Structure Selection).
     */
    scaleOutputs: z.record(z.string(), z.number().finite()).optional(),
    /**
     * 'planning': the method fine-tuned the network while it chose (Fisher pruning), so the finetune regime
     * starts from the weights its planning ended with (kept beside the plan), not from the baseline's:
     * 'planning', of the base network (cut by the plan); 'planning-pruned', of the pruned one already (ThiNet
     * fine-tuned between layers: the plan's rescale is in them).
     */
    finetuneFrom: z.enum(['planning', 'planning-pruned']).optional(),
    /**
     * Where the plan departs from what its params asked, one sentence each (channels restored to keep a
     * layer alive, a layer a mask empties): shown as warnings beside the results.
     */
    notes: z.array(z.string().max(1000)).max(100).optional(),
  })
  .superRefine((plan, ctx) => {
    for (const [layer, list] of Object.entries(plan.keep)) {
      if (!ascending(list)) ctx.addIssue({ code: 'custom', path: ['keep', layer], message: 'kept indices must be strictly ascending' });
      if (list.length === 0) ctx.addIssue({ code: 'custom', path: ['keep', layer], message: 'a layer must keep at least one channel' });
    }
    if (plan.kind === 'unstructured' && !plan.masks) {
      ctx.addIssue({ code: 'custom', path: ['masks'], message: 'an unstructured plan needs masks' });
    }
    for (const [layer, factors] of Object.entries(plan.rescale ?? {})) {
      const kept = plan.keep[layer];
      if (!kept) ctx.addIssue({ code: 'custom', path: ['rescale', layer], message: 'rescales only a layer the plan keeps channels of' });
      else if (factors.length !== kept.length) {
        ctx.addIssue({ code: 'custom', path: ['rescale', layer], message: `needs one factor per kept channel (${kept.length}), got ${factors.length}` });
      }
    }
    if (plan.kind === 'unstructured' && (plan.rescale || plan.scaleOutputs)) {
      ctx.addIssue({ code: 'custom', path: [plan.rescale ? 'rescale' : 'scaleOutputs'], message: 'an unstructured plan rescales nothing' });
    }
    if (plan.kind === 'structured' && plan.masks) {
      ctx.addIssue({ code: 'custom', path: ['masks'], message: 'a structured plan carries no masks' });
    }
  });

export type PruningPlan = z.infer<typeof PruningPlanSchema>;
export type PruningPlanKind = z.infer<typeof PruningPlanKindSchema>;

/** How a method decides the pruned widths: fixed by the user, found by the algorithm, or weight masks. */
export const PruningMethodKindSchema = z.enum(['predefined', 'automatic', 'unstructured']);
export type PruningMethodKind = z.infer<typeof PruningMethodKindSchema>;
