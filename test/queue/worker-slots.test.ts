// `pwb worker --gpus … --parallel n`: which worker processes start, what each is called and which device it sees.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workerSlots } from '../../src-main/cli/commands/worker.ts';

test('worker slots: one per device, n per device, or n on this machine; each named after its place', () => {
  assert.deepEqual(workerSlots(null, 1, 'box'), [{ name: 'box', gpu: null }], 'the plain worker: this process');
  assert.deepEqual(workerSlots(null, 2, 'box'), [{ name: 'box:1', gpu: null }, { name: 'box:2', gpu: null }]);
  assert.deepEqual(workerSlots(['0', '1'], 1, 'box'), [{ name: 'box:gpu0', gpu: '0' }, { name: 'box:gpu1', gpu: '1' }]);
  assert.deepEqual(workerSlots(['3'], 2, 'box').map((s) => [s.name, s.gpu]), [['box:gpu3.1', '3'], ['box:gpu3.2', '3']]);
  assert.equal(workerSlots(['0', '1', '2', '3'], 3, 'h').length, 12);
});
