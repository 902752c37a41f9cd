// Top-5 accuracy (the ImageNet protocol reports it beside top-1): each epoch's on the test split, and the run's
// at its last evaluated epoch and at its best epoch. Existing rows get nulls: their datasets reported top-1 only.
import type { Migration } from './index.ts';

const SQL = `
ALTER TABLE epoch_metrics ADD COLUMN test_top5 REAL;
ALTER TABLE runs ADD COLUMN test_top5 REAL;
ALTER TABLE runs ADD COLUMN best_test_top5 REAL;
`;

export const top5: Migration = {
  version: 5,
  name: 'top5',
  up(db) {
    db.exec(SQL);
  },
};
