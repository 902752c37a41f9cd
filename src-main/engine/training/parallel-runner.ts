// Data-parallel training steps over worker threads (the wasm backend is single-threaded under Node,
// so this is how training uses more than one core). Each step splits the batch into one shard per
// thread; the main thread computes shard 0 while the workers compute the others; the gradient of the
// whole batch's mean loss is the shard gradients weighted by shard size; BN normalises each shard
// with its own statistics (as PyTorch's DataParallel) while the running statistics get the pooled
// statistics of the whole batch. One SGD update on the main thread; the new weights are published to
// the workers through shared memory.
import { Worker } from 'node:worker_threads';
import { JobFailedError } from '../../../src-shared/errors.ts';
import { currentBackend } from '../backend/select-backend.ts';
import type { Model } from '../models/model.ts';
import type { BatchStats } from '../models/tf-ops.ts';
import * as tf from '../tf.ts';
import type { FromWorker, ParamSlot, ShardStats, ToWorker, WorkerInit } from './parallel-protocol.ts';
import type { Sgd } from './sgd.ts';
import { computeGradients, evalBatch } from './step.ts';
import type { StepRunner } from './step-runner.ts';

interface WorkerHandle {
  worker: Worker;
  next(): Promise<Extract<FromWorker, { type: 'done' | 'ready' | 'evaluated' }>>;
}

export async function createParallelRunner(model: Model, sgd: Sgd, threads: number): Promise<StepRunner> {
  const backend = currentBackend();
  if (!backend) throw new JobFailedError('no backend selected before starting the data-parallel runner');
  const params = model.trainable();
  const slots: ParamSlot[] = [];
  let offset = 0;
  for (const p of model.paramSpecs) {
    const v = model.variables.get(p.name)!;
    slots.push({ name: p.name, shape: v.shape, trainable: p.trainable, offset, length: v.size });
    offset += v.size;
  }
  const slotOf = new Map(slots.map((slot) => [slot.name, slot]));
  const sharedWeights = new SharedArrayBuffer(offset * 4);
  const shared = new Float32Array(sharedWeights);
  // Every parameter, BN running statistics included: workers also evaluate.
  const publish = async (): Promise<void> => {
    const values = await Promise.all(slots.map((slot) => model.variables.get(slot.name)!.data()));
    slots.forEach((slot, i) => shared.set(values[i] as Float32Array, slot.offset));
  };
  await publish();
  const init: WorkerInit = { backend: backend.name, spec: model.spec, weights: [...(await model.exportWeights())], slots, sharedWeights };
  const workers = await Promise.all(Array.from({ length: threads - 1 }, () => startWorker(init)));
  const pixels = model.spec.input.reduce((a, b) => a * b, 1);

  /** Splits a batch into one shard per thread, posts shards 1… to the workers; shard 0 stays here. */
  const sendShards = (type: 'step' | 'eval', x: Float32Array, y: Int32Array, n: number, noise?: string, top5?: boolean) => {
    const sizes = shardSizes(n, threads);
    const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const pending = workers.map((wk, i) => {
      const k = i + 1;
      if (sizes[k] === 0) return null;
      const message: Extract<ToWorker, { type: 'step' | 'eval' }> = {
        type, n: sizes[k]!,
        ...(noise !== undefined && type === 'step' ? { noise: `${noise}/shard${k}` } : {}),
        ...(top5 && type === 'eval' ? { top5 } : {}),
        x: x.slice(starts[k]! * pixels, (starts[k]! + sizes[k]!) * pixels),
        y: y.slice(starts[k]!, starts[k]! + sizes[k]!),
      };
      wk.worker.postMessage(message, [message.x.buffer as ArrayBuffer, message.y.buffer as ArrayBuffer]);
      return wk.next();
    });
    return { sizes, pending, own: { x: x.subarray(0, sizes[0]! * pixels), y: y.subarray(0, sizes[0]!) } };
  };

  return {
    threads,
    async step(x, y, n, lr, noise) {
      const { sizes, own: first, pending } = sendShards('step', x, y, n, noise);
      const own = await computeGradients(model, params, first.x, first.y, sizes[0]!, noise === undefined ? undefined : `${noise}/shard0`);
      const shards = await Promise.all(pending);

      let loss = own.loss * sizes[0]!;
      let hits = own.hits;
      const combined: tf.NamedTensorMap = {};
      tf.tidy(() => {
        for (const [name, v] of params) {
          let g = tf.mul(own.grads[v.name]!, sizes[0]! / n);
          for (const [k, shard] of shards.entries()) {
            if (!shard || shard.type !== 'done') continue;
            const slot = slotOf.get(name)!;
            g = tf.add(g, tf.mul(tf.tensor(shard.grads.subarray(slot.offset, slot.offset + slot.length), slot.shape), sizes[k + 1]! / n));
          }
          combined[v.name] = tf.keep(g);
        }
      });
      const shardStats: ShardStats[][] = [await statsToArrays(own.batchStats)];
      for (const [k, shard] of shards.entries()) {
        if (!shard || shard.type !== 'done') continue;
        loss += shard.loss * sizes[k + 1]!;
        hits += shard.hits;
        shardStats.push(shard.stats);
      }
      tf.dispose([...Object.values(own.grads), ...own.batchStats.flatMap((s) => [s.mean, s.variance])]);
      model.applyBatchStats(poolStats(shardStats));
      sgd.step(params, combined, lr);
      tf.dispose(Object.values(combined));
      await publish();
      return { loss: loss / n, hits };
    },
    syncWeights: publish,
    async evaluate(x, y, n, top5) {
      const { sizes, own: first, pending } = sendShards('eval', x, y, n, undefined, top5);
      const own = await evalBatch(model, first.x, first.y, sizes[0]!, top5);
      let { lossSum, hits, hits5 } = own;
      for (const shard of await Promise.all(pending)) {
        if (shard?.type !== 'evaluated') continue;
        lossSum += shard.lossSum;
        hits += shard.hits;
        if (hits5 !== undefined) hits5 += shard.hits5 ?? 0;
      }
      return { lossSum, hits, ...(hits5 !== undefined ? { hits5 } : {}) };
    },
    async dispose() {
      await Promise.all(workers.map(async (wk) => {
        wk.worker.postMessage({ type: 'close' } satisfies ToWorker);
        await wk.worker.terminate();
      }));
    },
  };
}

/** n split into `parts` near-equal shards, larger ones first. */
export function shardSizes(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

async function statsToArrays(stats: BatchStats[]): Promise<ShardStats[]> {
  return Promise.all(stats.map(async (s) => ({
    layer: s.layer, mean: (await s.mean.data()) as Float32Array, variance: (await s.variance.data()) as Float32Array, count: s.count,
  })));
}

/** The batch's per-layer mean and (biased) variance from its shards': exact pooled moments. */
export function poolStats(shards: ShardStats[][]): BatchStats[] {
  return shards[0]!.map((first, l) => {
    const parts = shards.map((s) => s[l]!);
    const count = parts.reduce((a, p) => a + p.count, 0);
    const mean = new Float32Array(first.mean.length);
    const variance = new Float32Array(first.mean.length);
    for (let ch = 0; ch < mean.length; ch++) {
      let m = 0;
      for (const p of parts) m += (p.count / count) * p.mean[ch]!;
      let v = 0;
      for (const p of parts) v += (p.count / count) * (p.variance[ch]! + (p.mean[ch]! - m) ** 2);
      mean[ch] = m;
      variance[ch] = v;
    }
    return { layer: first.layer, mean: tf.tensor1d(mean), variance: tf.tensor1d(variance), count };
  });
}

async function startWorker(init: WorkerInit): Promise<WorkerHandle> {
  const worker = new Worker(new URL('./parallel-worker.ts', import.meta.url), { workerData: init });
  worker.unref();
  let waiting: { resolve: (m: Extract<FromWorker, { type: 'done' | 'ready' | 'evaluated' }>) => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  worker.on('message', (m: FromWorker) => {
    const w = waiting;
    waiting = null;
    if (m.type === 'error') w?.reject(new JobFailedError(`training worker failed: ${m.message}`));
    else w?.resolve(m);
  });
  worker.on('error', (e) => {
    failure = new JobFailedError(`training worker crashed: ${e.message}`);
    waiting?.reject(failure);
    waiting = null;
  });
  const handle: WorkerHandle = {
    worker,
    next: () =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        waiting = { resolve, reject };
      }),
  };
  await handle.next();
  return handle;
}
