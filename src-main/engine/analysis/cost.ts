// Parameters, MACs and FLOPs of an ArchSpec, per layer and in total, for one example at spec.input.
// FLOPs follow RNP's compute_flops.py (anchors-mission §1.7; rules in models/shape-ops.ts), so ratios
// (Scratch-B epochs = epochs × FLOPs(large) / FLOPs(pruned)) match the reference. `params` counts
// trainable tensors only (conv/dense weights and biases, BN γ and β), as RNP's totals do.
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { traceSpec } from '../models/build.ts';
import type { LayerCost } from '../models/shape-ops.ts';

/** One layer's cost: name, kind, per-example output shape, params, MACs, FLOPs. */
export type LayerCostRow = LayerCost;

export interface CostReport {
  layers: LayerCostRow[];
  totals: { params: number; macs: number; flops: number };
}

export function analyseCost(spec: ArchSpec): CostReport {
  const layers = traceSpec(spec).layers.map((l) => ({ ...l, outShape: [...l.outShape] }));
  const totals = { params: 0, macs: 0, flops: 0 };
  for (const l of layers) {
    totals.params += l.params;
    totals.macs += l.macs;
    totals.flops += l.flops;
  }
  return { layers, totals };
}
