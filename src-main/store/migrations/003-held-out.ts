// Held-out accuracy (TrainConfig.valSplit): each epoch's loss and accuracy on the held-out part of the
// training split, and the run's held-out accuracy at its best epoch — which is then chosen on those
// images rather than on the test set. Existing rows get nulls: they chose their best epoch on the test set.
import type { Migration } from './index.ts';

const SQL = `
ALTER TABLE epoch_metrics ADD COLUMN val_loss REAL;
ALTER TABLE epoch_metrics ADD COLUMN val_acc REAL;
ALTER TABLE runs ADD COLUMN best_val_acc REAL;
`;

export const heldOut: Migration = {
  version: 3,
  name: 'held_out',
  up(db) {
    db.exec(SQL);
  },
};
