// Messages between the data-parallel runner (main thread) and its worker threads.
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import type { BackendName } from '../backend/select-backend.ts';

export interface ParamSlot {
  name: string;
  shape: number[];
  /** Whether SGD trains it (BN running statistics do not). */
  trainable: boolean;
  /** Offset (in floats) of this parameter in the shared weight buffer. */
  offset: number;
  length: number;
}

export interface WorkerInit {
  backend: BackendName;
  spec: ArchSpec;
  /** Every parameter (BN running statistics included) at start, by name. */
  weights: Array<[string, Float32Array]>;
  /** Every parameter as laid out in `sharedWeights`. */
  slots: ParamSlot[];
  /** Every parameter's current value (running statistics included), rewritten by the main thread after every step. */
  sharedWeights: SharedArrayBuffer;
}

export type ToWorker =
  | { type: 'step'; x: Float32Array; y: Int32Array; n: number; noise?: string }
  | { type: 'eval'; x: Float32Array; y: Int32Array; n: number; top5?: boolean }
  | { type: 'close' };

export interface ShardStats {
  layer: string;
  mean: Float32Array;
  variance: Float32Array;
  count: number;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; grads: Float32Array; stats: ShardStats[]; loss: number; hits: number }
  | { type: 'evaluated'; lossSum: number; hits: number; hits5?: number }
  | { type: 'error'; message: string };
