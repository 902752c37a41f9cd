// A StepRunner whose network lives on the other side of an engine port (engine-host.ts): the caller's
// Model and Sgd stay the copies that checkpoints, method hooks and the store read; pull() brings the
// trained weights and momentum back into them, syncWeights() sends a hook's changes out.
import type { Model } from '../models/model.ts';
import type { Sgd, SgdOptions } from '../training/sgd.ts';
import type { StepRunner } from '../training/step-runner.ts';
import { toMap, toRecord, type EnginePort, type EngineReply, type EngineRequest, type EngineResults } from './engine-protocol.ts';

type Request = EngineRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export interface RemoteStepRunner extends StepRunner {
  /** The backend (and device) the network trains on over there. */
  readonly device: EngineResults['load'];
}

/**
 * Loads `model`'s weights and `sgd`'s momentum on the other side of `port` and returns the runner over it.
 * A regulariser or proximal rule (code, not data) cannot cross: such a run is refused in one line.
 */
export async function connectRemoteRunner(port: EnginePort, model: Model, sgd: Sgd, options: SgdOptions): Promise<RemoteStepRunner> {
  if (options.regularizer || options.proximal) {
    throw new Error("a method's own gradient term or update rule runs only where the training loop runs: train this run on a local backend");
  }
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void; kind: string }>();
  let gone: string | null = null;
  void port.closed?.then((why) => {
    gone = why;
    for (const w of pending.values()) w.reject(new Error(`${w.kind} on the remote engine: it went away (${why})`));
    pending.clear();
  });
  const stop = port.listen((message) => {
    const reply = message as EngineReply;
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.result);
    else waiting.reject(new Error(`${waiting.kind} on the remote engine: ${reply.error}`));
  });
  const ask = <K extends keyof EngineResults>(request: Request & { kind: K }): Promise<EngineResults[K]> =>
    new Promise((resolve, reject) => {
      if (gone !== null) return reject(new Error(`${request.kind} on the remote engine: it went away (${gone})`));
      const id = nextId++;
      pending.set(id, { resolve: resolve as (r: unknown) => void, reject, kind: request.kind });
      port.post({ ...request, id } as EngineRequest);
    });

  const params = model.trainable();
  const device = await ask({
    kind: 'load', spec: model.spec, weights: toRecord(await model.exportWeights()),
    sgd: { momentum: options.momentum, nesterov: options.nesterov, weightDecay: options.weightDecay, masks: options.masks ? toRecord(options.masks) : null },
    momentum: toRecord(await sgd.exportState()),
  });
  return {
    threads: 1,
    device,
    step: (x, y, n, lr, noise) => ask({ kind: 'step', x, y, n, lr, ...(noise !== undefined ? { noise } : {}) }),
    evaluate: (x, y, n, top5) => ask({ kind: 'evaluate', x, y, n, ...(top5 !== undefined ? { top5 } : {}) }),
    async syncWeights() {
      await ask({ kind: 'setWeights', weights: toRecord(await model.exportWeights()) });
    },
    async pull() {
      const state = await ask({ kind: 'state' });
      model.setWeights(toMap(state.weights));
      sgd.importState(params, toMap(state.momentum));
    },
    async dispose() {
      try {
        // Once the other side is gone there is nothing left to release (and the error that ended the run stands).
        if (gone === null) await ask({ kind: 'dispose' });
      } finally {
        stop();
        for (const w of pending.values()) w.reject(new Error('the remote engine was closed'));
        pending.clear();
      }
    },
  };
}
