// Every channel importance, as an explicit list. A new one is one file in this folder plus one line here.
import { NotFoundError } from '../../../../src-shared/errors.ts';
import { bnScaleImportance } from './bn-scale.ts';
import type { Importance } from './importance.ts';
import { l1Importance } from './l1.ts';
import { l2Importance } from './l2.ts';
import { randomImportance } from './random.ts';

export const importances: Importance[] = [l1Importance, l2Importance, bnScaleImportance, randomImportance];

export function getImportance(id: string): Importance {
  const found = importances.find((i) => i.id === id);
  if (!found) throw new NotFoundError(`no channel importance '${id}'; known: ${importances.map((i) => i.id).join(', ')}`);
  return found;
}
