// What the UI needs to compose an experiment and to draw one, from the registries and the cost
// model: the datasets, architectures and methods to choose from (each method's params as JSON
// Schema, for a generated form), the cost of a spec before it runs, and the per-layer widths of a
// finished plan. Kept apart from the API so the API layer imports no engine code directly.
import { createRequire } from 'node:module';
import { z } from 'zod';
import type { ArchSpec } from '../../src-shared/arch-spec.ts';
import { PrunedRegimeSchema, runsInAll } from '../../src-shared/experiment-spec.ts';
import { PruningPlanSchema, type PruningPlan } from '../../src-shared/pruning.ts';
import { parseOrThrow } from '../../src-shared/validate.ts';
import type { CostEstimate, ExperimentDetail, OptionsInfo } from '../../src-shared/workbench-api.ts';
import { analyseCost } from '../engine/analysis/cost.ts';
import { describeDatasets } from '../engine/datasets/registry.ts';
import { families } from '../engine/models/register-all.ts';
import { scratchBEpochs } from '../engine/pruning/budget.ts';
import { supportedFamilies } from '../engine/pruning/method.ts';
import { methods } from '../engine/pruning/methods/register-all.ts';
import { prepareExperiment } from '../jobs/experiment-prepare.ts';
import type { Db } from '../store/db.ts';
import { listPlans } from '../store/plans.ts';
import type { DenseNetSpec } from '../engine/models/densenet.ts';

export async function describeOptions(): Promise<Omit<OptionsInfo, 'queue'>> {
  const datasets = (await describeDatasets()).map((d) => ({
    id: d.id, name: d.name, present: d.present, classes: d.classes, inputShape: d.inputShape ? ([...d.inputShape] as [number, number, number]) : null,
  }));
  const archs = families.flatMap((f) => Object.keys(f.variants).map((id) => ({ id, family: f.family as ArchSpec['family'] })));
  const described = methods.map((m) => ({
    id: m.id, paper: m.paper, kind: m.kind, families: supportedFamilies(m),
    // 'input': what a form may send (defaults are optional); unrepresentable parts become {}.
    paramsJsonSchema: z.toJSONSchema(m.paramsSchema, { io: 'input', unrepresentable: 'any' }),
    exampleParams: structuredClone(m.exampleParams),
  }));
  return { datasets, archs, methods: described, regimes: [...PrunedRegimeSchema.options], backends: installedBackends() };
}

/** The backends a job could use here: WebGPU and native TensorFlow only where their packages are installed. */
function installedBackends(): string[] {
  const resolver = createRequire(import.meta.url);
  const has = (pkg: string): boolean => {
    try {
      resolver.resolve(`${pkg}/package.json`);
      return true;
    } catch {
      return false;
    }
  };
  return [
    ...(has('webgpu') ? ['webgpu'] : []),
    ...(has('@tensorflow/tfjs-node-gpu') || has('@tensorflow/tfjs-node') ? ['tensorflow'] : []), 'wasm', 'cpu',
  ];
}

/** Params, FLOPs, epochs and run count of a spec, validated as a run would be (nothing is written). */
export async function estimateCost(raw: unknown, where = 'spec'): Promise<CostEstimate> {
  const prepared = await prepareExperiment(raw, where);
  const { spec, base, predefinedTarget } = prepared;
  const seed = spec.seeds[0]!;
  const baseline = prepared.configFor('baseline', seed);
  const finetune = prepared.configFor('finetune', seed);
  const baseCost = analyseCost(base).totals;
  const baseName = base.id ?? base.family;
  const prunedCost = predefinedTarget ? analyseCost(predefinedTarget).totals : null;
  return {
    base: { arch: baseName, params: baseCost.params, flops: baseCost.flops },
    pruned: prunedCost && predefinedTarget
      ? { arch: predefinedTarget.id ?? `${baseName}_${spec.method.id}`, params: prunedCost.params, flops: prunedCost.flops }
      : null,
    epochs: {
      baseline: baseline.epochs,
      finetune: finetune.epochs,
      scratchE: baseline.epochs,
      scratchB: prunedCost
        ? scratchBEpochs(baseline.epochs, baseCost.flops, prunedCost.flops, { capMultiple: spec.scratchB.capMultiple ?? undefined })
        : null,
    },
    runs: runsInAll(spec),
  };
}

/**
 * Channels per layer, large vs pruned, from every stored plan of the experiment: the mean over seeds and
 * each seed (network slimming and magnitude prune each seed differently); null until a plan exists.
 * Conv and dense output widths, except DenseNet, whose pruning selects each layer's input channels.
 */
export function planWidths(db: Db, experimentId: number): ExperimentDetail['widths'] {
  const plans = listPlans(db, experimentId).map((p) => ({
    seed: p.seed,
    at: p.chainLr === null ? {} : { lr: p.chainLr },
    plan: parseOrThrow(PruningPlanSchema, JSON.parse(p.planJson), `experiment ${experimentId} plan (seed ${p.seed}${p.chainLr === null ? '' : `, lr ${p.chainLr}`})`),
  }));
  if (plans.length === 0) return null;
  const each = plans.map(({ seed, at, plan }) => ({ seed, at, ...widthsOfPlan(plan) }));
  const first = each[0]!;
  const comparable = each.filter((w) => w.layers.length === first.layers.length);
  return {
    quantity: first.quantity,
    layers: first.layers,
    base: first.base,
    pruned: first.layers.map((_, i) => comparable.reduce((sum, w) => sum + w.pruned[i]!, 0) / comparable.length),
    seeds: comparable.map((w) => ({ seed: w.seed, ...w.at, pruned: w.pruned })),
  };
}

function widthsOfPlan(plan: PruningPlan): { quantity: 'output channels' | 'input channels'; layers: string[]; base: number[]; pruned: number[] } {
  if (plan.base.family === 'densenet' && plan.pruned.family === 'densenet') {
    const baseCfg = (plan.base as DenseNetSpec).cfg;
    const n = (baseCfg.length - 3) / 3;
    const layers = baseCfg.map((_, k) => {
      const b = Math.floor(k / (n + 1));
      const j = k % (n + 1);
      return k === 3 * n + 2 ? 'bn' : j < n ? `dense${b + 1}.${j}` : `trans${b + 1}`;
    });
    return { quantity: 'input channels', layers, base: [...baseCfg], pruned: [...(plan.pruned as DenseNetSpec).cfg] };
  }
  const widthLayers = (spec: ArchSpec) => analyseCost(spec).layers.filter((l) => l.kind === 'conv' || l.kind === 'dense');
  const base = widthLayers(plan.base);
  const pruned = widthLayers(plan.pruned);
  const prunedByName = new Map(pruned.map((l) => [l.name, l.outShape.at(-1)!]));
  return {
    quantity: 'output channels',
    layers: base.map((l) => l.name),
    base: base.map((l) => l.outShape.at(-1)!),
    pruned: base.map((l, i) => prunedByName.get(l.name) ?? pruned[i]?.outShape.at(-1) ?? l.outShape.at(-1)!),
  };
}
