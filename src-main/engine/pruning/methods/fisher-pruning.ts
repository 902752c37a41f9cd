// Fisher pruning: Theis, Korshunova, Tejani, Huszár, "Faster gaze prediction with dense networks and Fisher
// pruning", 2018, as Crowley, Turner, Storkey, O'Boyle run it ("A Closer Look at Structured Pruning for
// Neural Network Compression", 2018; BayesWatch pytorch-prunes, prune.py): starting from the trained
// network, fine-tune and remove the channel of smallest Fisher signal every `pruneEvery` mini-batches
// until `fraction` of the gated channels (or `channels` of them) are gone (the loop: fisher.ts). The
// pruned network's fine-tuning starts from the weights the loop ends with (finetuneFrom 'planning');
// Scratch-E/B train the architecture it found from a fresh initialisation, as pytorch-prunes'
// `train.py --deploy`. Defaults are pytorch-prunes' WRN ones (lr 8e-4, momentum 0.9, wd 5e-4, batch 128,
// one channel every 100 batches).
// Where it differs: the loop runs on one thread; a unit keeps at least one channel; gated units are the
// channels only convs or dense layers read (pytorch-prunes gates only the inner channels of residual and
// dense blocks: the same units on those networks) — behind an activation that maps 0 to something else
// (a sigmoid) a gate of 0 would not be the channel's removal.
import { z } from 'zod';
import { type PruningMethod, checkSupports, needsImages, parseParams, structuredPlan } from '../method.ts';
import { fisherPrune, gatedUnits } from '../fisher.ts';
import { prunableUnits } from '../units.ts';

const ParamsSchema = z
  .strictObject({
    /** Fraction of the gated channels removed (pytorch-prunes counts prunes: 1300 of WRN-40-2's 1344 channels). */
    fraction: z.number().gt(0).lt(1).optional(),
    /** Or the number of channels removed. */
    channels: z.number().int().positive().optional(),
    /** Mini-batches of fine-tuning between removals (pytorch-prunes --prune_every). */
    pruneEvery: z.number().int().positive().max(100000).default(100),
    lr: z.number().positive().max(10).default(8e-4),
    momentum: z.number().min(0).lt(1).default(0.9),
    weightDecay: z.number().min(0).max(1).default(5e-4),
    batchSize: z.number().int().positive().max(65536).default(128),
    /** β of the FLOPs trade-off: signal − β·(FLOPs the removal saves / the base's FLOPs); 0 (default) as pytorch-prunes. */
    flopsWeight: z.number().min(0).max(1e6).default(0),
  })
  .refine((p) => (p.fraction === undefined) !== (p.channels === undefined), { message: "give exactly one of 'fraction' or 'channels'", path: ['fraction'] });
type Params = z.infer<typeof ParamsSchema>;

export const fisherPruning: PruningMethod = {
  id: 'fisher',
  paper: 'Theis et al., "Faster gaze prediction with dense networks and Fisher pruning", 2018 (as Crowley et al., "A Closer Look at Structured Pruning", 2018)',
  kind: 'automatic',
  paramsSchema: ParamsSchema,
  // A short run (2 removals, 2 batches apart) that suits any network, as a form's starting point; a study sets
  // `fraction` and the reference's 100 (the presets do).
  exampleParams: { channels: 2, pruneEvery: 2 },
  needs: 'gateable-units',

  // At --scale s the batches between removals shrink as the epochs do (the removals do not: the same architecture search, shorter).
  scaleParams(params, scale) {
    const p = params as Params;
    return { ...p, pruneEvery: Math.max(1, Math.round(p.pruneEvery * scale)) };
  },

  plan(spec) {
    checkSupports(fisherPruning, spec);
    throw needsImages(fisherPruning);
  },

  async planFromData(spec, weights, raw, _rng, data) {
    checkSupports(fisherPruning, spec);
    const params = parseParams<Params>(fisherPruning, raw);
    const gated = gatedUnits(spec);
    const total = gated.reduce((a, g) => a + g.candidates.length, 0);
    const remove = params.channels ?? Math.floor(total * params.fraction!);
    // No random choice: the loop's data order and draws are the planning data's (the baseline's seed).
    const result = await fisherPrune(spec, weights, { ...params, remove }, data, fisherPruning.id);
    const plan = structuredPlan(fisherPruning.id, params, spec, prunableUnits(spec), result.kept);
    return data.statePath ? { ...plan, finetuneFrom: 'planning' } : plan;
  },
};
