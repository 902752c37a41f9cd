// The training images a run trained on (its held-out part and image limit applied), read on demand,
// normalised and never augmented: what a data-aware pruning method (ThiNet) samples activations from —
// and, for a method that fine-tunes while it plans (Fisher), the same images as training batches.
import type { Dataset } from './dataset.ts';
import { batches, epochOrder, type Batch } from './batches.ts';
import { heldOutSplit } from './held-out.ts';

export interface PlanningImages {
  size: number;
  /** Images [indices.length, h, w, c] by position in the training set (0 … size − 1). */
  read(indices: ArrayLike<number>): Promise<Float32Array>;
  /** The same images as training batches: shuffled by (seed, epoch), augmented as the config trains. */
  trainBatches(epoch: number, batchSize: number): AsyncGenerator<Batch>;
}

export function planningImages(
  ds: Dataset, config: { seed: number; valSplit?: number | null; trainLimit?: number | null; augment?: boolean | null },
): PlanningImages {
  const heldOut = config.valSplit ? heldOutSplit(ds.train.labels, config.valSplit) : null;
  const pool = epochOrder(ds.train.size, {
    batchSize: 1, seed: config.seed, epoch: 0, shuffle: false, augment: false, limit: config.trainLimit ?? undefined, indices: heldOut?.train,
  });
  return {
    size: pool.length,
    async read(indices) {
      const chosen = Array.from(indices, (i) => pool[i]!);
      const it = batches(ds, 'train', { batchSize: chosen.length, seed: config.seed, epoch: 0, shuffle: false, augment: false, indices: chosen });
      const first = await it.next();
      await it.return(undefined);
      return first.done ? new Float32Array(0) : first.value.x;
    },
    trainBatches(epoch, batchSize) {
      return batches(ds, 'train', {
        batchSize, seed: config.seed, epoch, shuffle: true, augment: config.augment ?? ds.augmentByDefault, indices: pool,
      });
    },
  };
}
