// The messages between a training loop and a network that lives in another JavaScript realm — a
// Chromium Worker on the GPU Chromium's WebGPU gives the desktop app (Dawn's Node binding cannot load
// inside Electron), or a Node worker thread. The loop keeps the data, the store and the checkpoints; the
// other side keeps the network and its optimiser state and runs steps and evaluations on its backend.
// Requests are answered in order, one reply each (same id). Arrays travel as typed arrays (structured
// clone); weights and momentum as records keyed by parameter name.
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';

export type Arrays = Record<string, Float32Array>;

/** Plain SGD settings: what can cross a message (a regulariser or proximal rule is code, and stays local). */
export interface RemoteSgd {
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  masks: Arrays | null;
}

export type EngineRequest =
  | { id: number; kind: 'load'; spec: ArchSpec; weights: Arrays; sgd: RemoteSgd; momentum: Arrays | null }
  | { id: number; kind: 'step'; x: Float32Array; y: Int32Array; n: number; lr: number; noise?: string }
  | { id: number; kind: 'evaluate'; x: Float32Array; y: Int32Array; n: number; top5?: boolean }
  | { id: number; kind: 'setWeights'; weights: Arrays }
  | { id: number; kind: 'state' }
  | { id: number; kind: 'dispose' };

export interface EngineResults {
  load: { backend: string; adapter: string | null };
  step: { loss: number; hits: number };
  evaluate: { lossSum: number; hits: number; hits5?: number };
  setWeights: null;
  state: { weights: Arrays; momentum: Arrays };
  dispose: null;
}

export type EngineReply = { id: number; ok: true; result: EngineResults[keyof EngineResults] } | { id: number; ok: false; error: string };

// A new channel to the desktop app's GPU engine (src-gpu-host) opens with its hello (src-shared: main reads it too).
export { isEngineHello, type EngineHello } from '../../../src-shared/gpu-engine-messages.ts';

/** One end of a message channel, whatever carries it (a Worker, a MessagePort, Electron's MessagePortMain). */
export interface EnginePort {
  post(message: EngineRequest | EngineReply): void;
  /** Calls `handler` with every message that arrives; returns the function that stops it. */
  listen(handler: (message: unknown) => void): () => void;
  /** Settles (with why) if the other side goes away: its page crashed, its thread exited. Requests then fail instead of waiting. */
  closed?: Promise<string>;
}

/** A port over anything with postMessage and message events (a Worker, its global scope, a DOM or Node MessagePort). */
export function messagePort(target: {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  start?: () => void;
}): EnginePort {
  return {
    post: (message) => target.postMessage(message),
    listen(handler) {
      const listener = (event: { data: unknown }): void => handler(event.data);
      target.addEventListener('message', listener);
      target.start?.();
      return () => target.removeEventListener('message', listener);
    },
  };
}

/** What an Electron MessagePortMain offers (message events carry `data`; 'close' when the other end goes). */
export interface MainPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  removeListener(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  start(): void;
}

/** A port over Electron's MessagePortMain (a utility process's end of a channel main opened). */
export function mainPort(target: MainPortLike, what = 'the engine channel'): EnginePort {
  return {
    post: (message) => target.postMessage(message),
    listen(handler) {
      const listener = (event: { data: unknown }): void => handler(event.data);
      target.on('message', listener);
      target.start();
      return () => void target.removeListener('message', listener);
    },
    closed: new Promise((resolve) => target.on('close', () => resolve(`${what} closed`))),
  };
}

export const toRecord = (m: ReadonlyMap<string, Float32Array>): Arrays => Object.fromEntries(m);
export const toMap = (r: Arrays): Map<string, Float32Array> => new Map(Object.entries(r));
