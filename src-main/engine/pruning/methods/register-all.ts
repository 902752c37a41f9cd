// Every pruning method, as an explicit list (tfjs register_all style). A new method is one file plus
// one line here; the conformance tests loop over `methods` and the families each supports.
import { NotFoundError } from '../../../../src-shared/errors.ts';
import type { PruningMethod } from '../method.ts';
import { blockTarget } from './block-target.ts';
import { byImportance } from './by-importance.ts';
import { channelRegression } from './channel-regression.ts';
import { fisherPruning } from './fisher-pruning.ts';
import { guided } from './guided.ts';
import { l1Norm } from './l1-norm.ts';
import { magnitude } from './magnitude.ts';
import { networkSlimming } from './network-slimming.ts';
import { randomChannels } from './random.ts';
import { softFilter } from './soft-filter.ts';
import { sparseStructureSelection } from './sparse-structure-selection.ts';
import { thinet } from './thinet.ts';
import { uniform } from './uniform.ts';

export const methods: PruningMethod[] = [l1Norm, networkSlimming, magnitude, uniform, randomChannels, guided, softFilter, byImportance, thinet, channelRegression, sparseStructureSelection, blockTarget, fisherPruning];

export function methodIds(): string[] {
  return methods.map((m) => m.id);
}

export function getMethod(id: string): PruningMethod {
  const method = methods.find((m) => m.id === id);
  if (!method) throw new NotFoundError(`unknown pruning method '${id}'; valid ids: ${methodIds().join(', ')}`);
  return method;
}
