// The limiter behind --parallel-runs: never more than N runs hold a slot, waiting runs get theirs in the
// order they asked, and after a failure no waiting run starts (the first failure is kept).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSlots, SlotsStopped } from '../../src-main/jobs/run-slots.ts';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('at most N hold a slot; the others start in the order they asked, as slots are given back', async () => {
  const slots = runSlots(2);
  const started: number[] = [];
  const releases = new Map<number, () => void>();
  for (const i of [1, 2, 3, 4]) void slots.acquire().then((release) => (started.push(i), releases.set(i, release)));
  await tick();
  assert.deepEqual(started, [1, 2]);
  releases.get(2)!();
  releases.get(2)!(); // giving a slot back twice frees it once
  await tick();
  assert.deepEqual(started, [1, 2, 3]);
  releases.get(1)!();
  await tick();
  assert.deepEqual(started, [1, 2, 3, 4]);
  releases.get(3)!();
  releases.get(4)!();
  const again = await slots.acquire();
  const twice = await slots.acquire();
  let third = false;
  void slots.acquire().then(() => (third = true));
  await tick();
  assert.equal(third, false, 'a third run started beside two');
  again();
  twice();
});

test('after a failure the waiting runs are turned away, new ones too, and the first failure is the one kept', async () => {
  const slots = runSlots(1);
  const hold = await slots.acquire();
  const waiting = slots.acquire();
  const first = new Error('run 7 failed: disk full');
  slots.fail(first);
  slots.fail(new Error('a later one'));
  await assert.rejects(waiting, SlotsStopped);
  await assert.rejects(slots.acquire(), SlotsStopped);
  assert.equal(slots.failure, first);
  hold();
});
