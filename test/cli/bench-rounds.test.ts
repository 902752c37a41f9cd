// bench-rounds.ts: figures are medians over rounds; a ratio pairs the pwb and PyTorch figures of one round.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BenchRow } from '../../src-main/cli/commands/bench.ts';
import { combineRounds, median, type Round, type TorchFigures } from '../../src-main/cli/commands/bench-rounds.ts';

function row(train: number | null, infer: number | null, error: string | null = null): BenchRow {
  return {
    model: 'bench_cnn', backend: 'tensorflow', threads: 2, batchSize: 64, inferBatchSize: 256,
    trainImagesPerSec: train, inferImagesPerSec: infer, inferThreads: 2, backendReason: 'r',
    torchTrainImagesPerSec: null, torchInferImagesPerSec: null, trainRatio: null, inferRatio: null,
    trainRatioRange: null, inferRatioRange: null, rounds: 1, warmupSteps: 1, timedSteps: 1, error, torchError: null,
  };
}

const round = (r: BenchRow, torch: TorchFigures): Round => ({ rows: [r], torch: new Map([['bench_cnn 2', torch]]) });

test('median of odd and even counts; null for none', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), null);
});

test('the ratio is the median of per-round ratios, not the ratio of medians', () => {
  // The machine slows in round 2 for both sides: per-round ratios 1.0, 1.0, 0.5.
  const out = combineRounds([
    round(row(100, 1000), { train: 100, infer: 500 }),
    round(row(50, 1000), { train: 50, infer: 500 }),
    round(row(100, 1000), { train: 200, infer: 500 }),
  ], null)[0]!;
  assert.equal(out.rounds, 3);
  assert.equal(out.trainImagesPerSec, 100);
  assert.equal(out.torchTrainImagesPerSec, 100);
  assert.equal(out.trainRatio, 1);
  assert.deepEqual(out.trainRatioRange, [0.5, 1]);
  assert.equal(out.inferRatio, 2);
  assert.deepEqual(out.inferRatioRange, [2, 2]);
  assert.equal(out.torchError, null);
});

test('a failed round is left out of the figures and its error kept', () => {
  const out = combineRounds([
    round(row(100, 1000), { train: 100, infer: 500 }),
    round(row(null, null, 'out of memory'), { train: 100, infer: 500 }),
    round(row(120, 1000), { error: 'torch crashed' }),
  ], null)[0]!;
  assert.equal(out.trainImagesPerSec, 110);
  assert.equal(out.trainRatio, 1);
  assert.deepEqual(out.trainRatioRange, [1, 1]);
  assert.equal(out.error, 'out of memory');
  assert.equal(out.torchError, 'torch crashed');
});

test('without PyTorch every row says why and has no ratio', () => {
  const out = combineRounds([round(row(100, 1000), { error: 'x' })], 'skipped (--no-torch)')[0]!;
  assert.equal(out.trainRatio, null);
  assert.equal(out.trainRatioRange, null);
  assert.equal(out.torchError, 'skipped (--no-torch)');
});
