// Default data-parallel workers: every core, but no shard of fewer than 32 images (batch norm computes
// each shard's own moments); --threads as given; native TensorFlow and WebGPU always whole batches.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import type { BackendInfo } from '../../src-main/engine/backend/select-backend.ts';
import { MIN_SHARD_IMAGES, resolveThreads, threadsNote } from '../../src-main/jobs/train-run.ts';

const on = (name: string): BackendInfo => ({ name } as BackendInfo);
const cores = availableParallelism();

test('by default at most batch / 32 shards, and never more than the cores', () => {
  assert.equal(MIN_SHARD_IMAGES, 32);
  assert.equal(resolveThreads(undefined, on('wasm'), 64), Math.min(cores, 2));
  assert.equal(resolveThreads(undefined, on('wasm'), 16), 1, 'a batch of 16 is one shard');
  assert.equal(resolveThreads(undefined, on('cpu'), 4096), Math.min(cores, 128));
  assert.equal(resolveThreads(undefined, on('wasm')), cores, 'without a batch size: every core');
});

test('--threads is taken as given; native TensorFlow and WebGPU take whole batches', () => {
  assert.equal(resolveThreads(3, on('wasm'), 16), 3);
  assert.equal(resolveThreads(undefined, on('tensorflow'), 256), 1);
  assert.equal(resolveThreads(4, on('webgpu'), 256), 1);
  assert.throws(() => resolveThreads(0, on('wasm'), 64), /--threads: expected an integer from 1 to 64, got 0/);
});

test('what the thread count means, as the status lines say it', () => {
  assert.equal(threadsNote(on('webgpu'), 1), 'the whole batch on the device', 'a GPU has no data-parallel threads');
  assert.equal(threadsNote({ name: 'tensorflow', nativeThreads: 2 } as BackendInfo, 1), '2 TensorFlow intra-op threads');
  assert.equal(threadsNote({ name: 'wasm', nativeThreads: null } as BackendInfo, 2), '2 data-parallel threads');
});
