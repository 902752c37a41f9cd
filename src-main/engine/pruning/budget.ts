// Scratch-B: train the pruned network for the large one's compute budget (Liu et al., ICLR 2019 §4;
// anchors-mission §1.4). epochs = ⌊baseEpochs · F_base / F_pruned⌋, optionally capped at
// capMultiple · baseEpochs (RNP's ImageNet L1/regression/ThiNet main_B.py: ratio ≥ 2 → 180 = 2 · 90);
// learning-rate milestones keep their fraction of the run: m → ⌊epochs · m / baseEpochs⌋.
// CIFAR (RNP main_B.py): 160 epochs, milestones 80/120 → ⌊50%⌋, ⌊75%⌋ of the new length.
// Fine-tuning epochs are not added to the budget (author, RNP issue #48).
import { ValidationError } from '../../../src-shared/errors.ts';

export interface ScratchBBudget {
  epochs: number;
  /** F_base / F_pruned. */
  ratio: number;
  /** The base milestones scaled to the new length. */
  milestones: number[];
}

export interface ScratchBOptions {
  /** Cap at capMultiple · baseEpochs (2 for RNP's ImageNet L1/regression/ThiNet code); none by default. */
  capMultiple?: number;
  /** The base schedule's milestones in epochs; default ⌊50%⌋, ⌊75%⌋ of baseEpochs (RNP CIFAR). */
  milestones?: readonly number[];
}

/** Scratch-B's epoch count. */
export function scratchBEpochs(baseEpochs: number, flopsBase: number, flopsPruned: number, opts: ScratchBOptions = {}): number {
  return scratchBBudget(baseEpochs, flopsBase, flopsPruned, opts).epochs;
}

/** Scratch-B's epochs, FLOP ratio and scaled milestones. */
export function scratchBBudget(baseEpochs: number, flopsBase: number, flopsPruned: number, opts: ScratchBOptions = {}): ScratchBBudget {
  if (!Number.isInteger(baseEpochs) || baseEpochs <= 0) throw new ValidationError(`Scratch-B: base epochs must be a positive integer (got ${baseEpochs})`);
  if (!(flopsBase > 0) || !(flopsPruned > 0)) throw new ValidationError(`Scratch-B: FLOPs must be positive (got ${flopsBase}, ${flopsPruned})`);
  const ratio = flopsBase / flopsPruned;
  let epochs = Math.floor((baseEpochs * flopsBase) / flopsPruned);
  if (opts.capMultiple !== undefined) epochs = Math.min(epochs, Math.floor(opts.capMultiple * baseEpochs));
  epochs = Math.max(1, epochs);
  const base = opts.milestones ?? [Math.floor(baseEpochs * 0.5), Math.floor(baseEpochs * 0.75)];
  const milestones = base.map((m) => Math.floor((epochs * m) / baseEpochs));
  return { epochs, ratio, milestones };
}
