// A data-parallel training worker: holds a replica of the model and, for each shard it is sent, loads
// the current weights from shared memory, then returns the shard's gradients and BN statistics (a
// training step) or its summed loss and correct predictions (evaluation).
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../backend/select-backend.ts';
import { Model } from '../models/model.ts';
import * as tf from '../tf.ts';
import type { FromWorker, ShardStats, ToWorker, WorkerInit } from './parallel-protocol.ts';
import { computeGradients, evalBatch } from './step.ts';

const init = workerData as WorkerInit;
const port = parentPort!;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

try {
  await selectBackend(init.backend);
  const model = Model.fromWeights(init.spec, new Map(init.weights));
  const params = model.trainable();
  const shared = new Float32Array(init.sharedWeights);
  const total = shared.length;
  const loadWeights = (): void => {
    for (const slot of init.slots) {
      const v = model.variables.get(slot.name)!;
      tf.tidy(() => v.assign(tf.tensor(shared.subarray(slot.offset, slot.offset + slot.length), slot.shape)));
    }
  };

  // The runner waits for each answer before it sends the next message, so handlers never overlap.
  port.on('message', async (msg: ToWorker) => {
    if (msg.type === 'close') {
      model.dispose();
      port.close();
      return;
    }
    try {
      loadWeights();
      if (msg.type === 'eval') {
        send({ type: 'evaluated', ...(await evalBatch(model, msg.x, msg.y, msg.n, msg.top5)) });
        return;
      }
      const { grads, batchStats, loss, hits } = await computeGradients(model, params, msg.x, msg.y, msg.n, msg.noise);
      const flat = new Float32Array(total);
      for (const slot of init.slots) {
        if (slot.trainable) flat.set((await grads[model.variables.get(slot.name)!.name]!.data()) as Float32Array, slot.offset);
      }
      const stats: ShardStats[] = await Promise.all(batchStats.map(async (s) => ({
        layer: s.layer, mean: (await s.mean.data()) as Float32Array, variance: (await s.variance.data()) as Float32Array, count: s.count,
      })));
      tf.dispose([...Object.values(grads), ...batchStats.flatMap((s) => [s.mean, s.variance])]);
      send({ type: 'done', grads: flat, stats, loss, hits }, [flat.buffer as ArrayBuffer]);
    } catch (e) {
      send({ type: 'error', message: (e as Error).message });
    }
  });
  send({ type: 'ready' });
} catch (e) {
  send({ type: 'error', message: (e as Error).message });
}
