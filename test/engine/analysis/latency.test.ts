import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { measureLatency } from '../../../src-main/engine/analysis/latency.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { resolveArch, withData } from '../../../src-main/engine/models/register-all.ts';
import * as tf from '../../../src-main/engine/tf.ts';

before(async () => {
  await selectBackend('wasm');
});

test('latency: median of repeated forward passes at each batch size, nothing leaked', async () => {
  const spec = withData(resolveArch('vgg_mini'), [28, 28, 1], 10);
  const tensorsBefore = tf.memory().numTensors;
  const rows = await measureLatency(spec, { batchSizes: [1, 32], repeats: 5, warmup: 1 });
  assert.deepEqual(rows.map((r) => r.batchSize), [1, 32]);
  for (const r of rows) {
    assert.equal(r.repeats, 5);
    assert.ok(r.medianMs > 0 && Number.isFinite(r.medianMs));
    assert.ok(Math.abs(r.imagesPerSec - (r.batchSize * 1000) / r.medianMs) < 1e-9);
  }
  assert.ok(rows[1]!.medianMs > rows[0]!.medianMs, 'a batch of 32 should take longer than one image');
  assert.equal(tf.memory().numTensors, tensorsBefore);
});
