// A slice of the fault-injection campaign (campaign.ts) in every `npm test`: one kill at each kill point
// (inside a checkpoint write, at its rename, on a database write, at a random time), resumed to the end
// with the uninterrupted run's metrics; each kind of checkpoint damage once, refused with one line and
// nothing changed. `npm run faults` runs the whole campaign and prints its counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../cli/helpers.ts';
import { damageCampaign, DAMAGES, killCampaign, KILL_POINTS } from './campaign.ts';

test('kill -9 at each kill point, resumed: no epoch lost or repeated, the same metrics as an uninterrupted run', { timeout: 300_000 }, async (t) => {
  const report = await killCampaign(tempDir(t, 'pwb-faults-'), KILL_POINTS.length, 1, (l) => t.diagnostic(l));
  assert.equal(report.kills, KILL_POINTS.length);
  for (const p of KILL_POINTS) assert.equal(report.byPoint[p], 1, p);
  assert.ok(report.runsRecovered >= 1);
  t.diagnostic(JSON.stringify(report));
});

test('every kind of checkpoint damage: resume refused with one line naming it, nothing stored changed', { timeout: 300_000 }, async (t) => {
  const report = await damageCampaign(tempDir(t, 'pwb-faults-'), 1, 2, (l) => t.diagnostic(l));
  assert.equal(report.damaged, DAMAGES.length);
  t.diagnostic(JSON.stringify(report));
});
