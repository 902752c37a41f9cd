// Residual blocks a ResNet can lose, and the scale that decides which (Sparse Structure Selection, Huang &
// Wang, ECCV 2018: "the pruned network is shallower"). The two optional fields a ResNet family's spec adds:
//   residual     one flag per block position, stage by stage: false = the block's residual branch is gone and
//                the block is its shortcut alone — the identity, or where the block changes the shape its
//                projection (ImageNet) or zero-padding (CIFAR option A). A stage may keep none of its branches
//                (SSS's ResNet-41 keeps none of ResNet-50's first stage). Absent: every branch is there. The
//                widths (cfg) of a removed block stay in place, unread, so block names never shift.
//   blockScales  true: every kept branch's output is multiplied by a learned scalar λ before the sum (layer
//                `${block}.lambda`, parameter `${block}.lambda.scale`): the network SSS trains, λ sparse.
import { z } from 'zod';
import { ValidationError } from '../../../src-shared/errors.ts';

export const residualBlockFields = {
  residual: z.array(z.boolean()).optional(),
  blockScales: z.boolean().optional(),
};

export interface ResidualFields {
  residual?: boolean[] | undefined;
  blockScales?: boolean | undefined;
}

/** Whether block `k` (0-based over all stages) still has its residual branch. */
export function branchKept(spec: ResidualFields, k: number): boolean {
  return spec.residual?.[k] ?? true;
}

/** How many of `blocks` blocks keep their branch. */
export function keptBranches(spec: ResidualFields, blocks: number): number {
  return spec.residual ? spec.residual.filter(Boolean).length : blocks;
}

/** One line naming the field when `residual` does not have one flag per block. */
export function checkResidual(family: string, spec: ResidualFields, blocks: number): void {
  if (spec.residual && spec.residual.length !== blocks) {
    throw new ValidationError(
      `${family} spec: field 'residual' must have one flag per block (${blocks}), got ${spec.residual.length}`,
    );
  }
}

/** The scale layer of a block's branch, where the spec trains with block scales. */
export function scaleLayer(block: string): string {
  return `${block}.lambda`;
}

/** What a family whose blocks can lose their branches offers (ModelFamily.residualBlocks). */
export interface ResidualBlocks<S> {
  /** `spec` keeping the branches `residual` flags (one per block; absent: all), with or without scales; depth recomputed. */
  withBranches(spec: S, change: { residual: boolean[] | undefined; blockScales: boolean }): S;
  /** One flag per block position: whether its branch is there (a fresh array). */
  branches(spec: S): boolean[];
}

/** How a family counts: its block positions, and the depth `kept` branches make. */
export interface BranchCount<S> {
  blocks(spec: S): number;
  depth(spec: S, kept: number): number;
}

/** A family's ResidualBlocks from how it counts (the same rewrite of the two fields for every ResNet family). */
export function residualBlocksBy<S extends ResidualFields & { depth: number }>(count: BranchCount<S>): ResidualBlocks<S> {
  return {
    withBranches(spec, { residual, blockScales }) {
      const { residual: _r, blockScales: _s, ...rest } = spec;
      const kept = residual ? residual.filter(Boolean).length : count.blocks(spec);
      return { ...rest, depth: count.depth(spec, kept), ...(residual ? { residual: [...residual] } : {}), ...(blockScales ? { blockScales } : {}) } as S;
    },
    branches(spec) {
      return Array.from({ length: count.blocks(spec) }, (_, k) => spec.residual?.[k] ?? true);
    },
  };
}

/** checkResidual, then one line naming 'depth' when it is not what the kept branches make. */
export function checkBranchDepth<S extends ResidualFields & { depth: number }>(family: string, spec: S, count: BranchCount<S>): void {
  const blocks = count.blocks(spec);
  checkResidual(family, spec, blocks);
  const kept = keptBranches(spec, blocks);
  if (spec.depth !== count.depth(spec, kept)) {
    throw new ValidationError(`${family} spec: field 'depth' is ${spec.depth} but the ${kept} residual branches 'residual' keeps make ${count.depth(spec, kept)}`);
  }
}
