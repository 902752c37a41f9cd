// The side of the engine protocol that holds the network: a Model and its Sgd on whatever backend this
// realm selected (webgpu in the desktop app's GPU Worker), answering each request in arrival order.
import * as tf from '../tf.ts';
import { Model } from '../models/model.ts';
import { Sgd } from '../training/sgd.ts';
import { evalBatch, trainStep } from '../training/step.ts';
import { toMap, toRecord, type EnginePort, type EngineReply, type EngineRequest, type EngineResults } from './engine-protocol.ts';

interface Loaded {
  model: Model;
  sgd: Sgd;
  params: Array<[string, tf.Variable]>;
}

/**
 * Serves requests arriving on `port` (a `load`, its run's steps and evaluations, a `dispose`; then the next
 * run's `load`) until the returned function is called; `adapter` describes the device for the `load` reply.
 */
export function serveEngine(port: EnginePort, adapter: string | null = null): () => void {
  let loaded: Loaded | null = null;
  let queue: Promise<void> = Promise.resolve();
  const stop = port.listen((message) => {
    const request = message as EngineRequest;
    queue = queue.then(async () => {
      let reply: EngineReply;
      try {
        reply = { id: request.id, ok: true, result: await answer(request) };
      } catch (e) {
        reply = { id: request.id, ok: false, error: (e as Error).message };
      }
      port.post(reply);
    });
  });

  const need = (): Loaded => {
    if (!loaded) throw new Error('no network loaded: send a load request first');
    return loaded;
  };

  async function answer(request: EngineRequest): Promise<EngineResults[keyof EngineResults]> {
    switch (request.kind) {
      case 'load': {
        release();
        const model = Model.fromWeights(request.spec, toMap(request.weights));
        const { momentum, nesterov, weightDecay, masks } = request.sgd;
        const sgd = new Sgd({ momentum, nesterov, weightDecay, ...(masks ? { masks: toMap(masks) } : {}) });
        const params = model.trainable();
        if (request.momentum) sgd.importState(params, toMap(request.momentum));
        loaded = { model, sgd, params };
        return { backend: tf.getBackend(), adapter } satisfies EngineResults['load'];
      }
      case 'step': {
        const { model, sgd, params } = need();
        return trainStep(model, sgd, params, request.x, request.y, request.n, request.lr, request.noise);
      }
      case 'evaluate':
        return evalBatch(need().model, request.x, request.y, request.n, request.top5);
      case 'setWeights':
        need().model.setWeights(toMap(request.weights));
        return null;
      case 'state': {
        const { model, sgd } = need();
        return { weights: toRecord(await model.exportWeights()), momentum: toRecord(await sgd.exportState()) } satisfies EngineResults['state'];
      }
      case 'dispose':
        // The network goes; the port stays served (the desktop app's engine trains its runs one after another).
        release();
        return null;
    }
  }

  return () => {
    stop();
    release();
  };

  function release(): void {
    loaded?.sgd.dispose();
    loaded?.model.dispose();
    loaded = null;
  }
}
