// Measured inference latency of an architecture on the current backend: the median wall time of
// repeated forward passes (eval mode, random weights — latency does not depend on their values).
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { Model } from '../models/model.ts';
import { Rng } from '../random.ts';
import * as tf from '../tf.ts';

export interface LatencyRow {
  batchSize: number;
  /** Median milliseconds per forward pass of the whole batch. */
  medianMs: number;
  imagesPerSec: number;
  repeats: number;
}

export async function measureLatency(
  spec: ArchSpec,
  opts: { batchSizes: number[]; repeats?: number; warmup?: number },
): Promise<LatencyRow[]> {
  const repeats = opts.repeats ?? 20;
  const warmup = opts.warmup ?? 3;
  const model = Model.create(spec, Rng.fromSeed(0, 'latency'));
  try {
    const rows: LatencyRow[] = [];
    for (const batchSize of opts.batchSizes) {
      const x = tf.randomNormal([batchSize, ...spec.input], 0, 1, 'float32', 1);
      const times: number[] = [];
      for (let i = 0; i < warmup + repeats; i++) {
        const t0 = performance.now();
        const logits = tf.tidy(() => model.forward(x, false).logits);
        await logits.data();
        logits.dispose();
        if (i >= warmup) times.push(performance.now() - t0);
      }
      x.dispose();
      times.sort((a, b) => a - b);
      const medianMs = times[Math.floor(times.length / 2)]!;
      rows.push({ batchSize, medianMs, imagesPerSec: (batchSize * 1000) / medianMs, repeats });
    }
    return rows;
  } finally {
    model.dispose();
  }
}
