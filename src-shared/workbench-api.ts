// The one contract between the UI and the workbench: every call and event, by name. The IPC
// adapter (src-main/app + src-preload) and the HTTP/SSE adapter are generic loops over these
// lists, never one hand-written channel per call. To add a call: append its name to CALL_NAMES,
// its args schema to CALL_ARGS and its result type to CallResults; the compiler points at
// every place that still needs it (the WorkbenchApi implementation).
import { z } from 'zod';
import { WorkbenchError, type ErrorCode } from './errors.ts';
import { parseOrThrow } from './validate.ts';

export const CALL_NAMES = ['version'] as const;
export type CallName = (typeof CALL_NAMES)[number];

/** What each call accepts; every adapter parses with these before it calls the implementation. */
export const CALL_ARGS = {
  version: z.void(),
} as const satisfies Record<CallName, z.ZodType>;

export type CallArgs<N extends CallName> = z.input<(typeof CALL_ARGS)[N]>;

export interface VersionInfo {
  /** The workbench's own version (package.json). */
  app: string;
  /** The version of @tensorflow/tfjs-core the engine computes with. */
  engine: string;
}

/** What each call resolves to. Plain JSON: it crosses structured clone and HTTP unchanged. */
export interface CallResults {
  version: VersionInfo;
}

/** Events the workbench pushes to the UI (job progress, metrics, …); none yet. */
export const EVENT_NAMES = [] as const;
export type EventName = (typeof EVENT_NAMES)[number];
export interface EventPayloads {}

/** The API implemented once in the main side and served by both transports. */
export type WorkbenchApi = { [N in CallName]: (args: CallArgs<N>) => Promise<CallResults[N]> };

/** A call's outcome as it travels: errors are data so their `code` survives the transport. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

export interface SerializedError {
  /** An ErrorCode, or 'INTERNAL' for a failure that is not a WorkbenchError (a bug). */
  code: ErrorCode | 'INTERNAL';
  name: string;
  message: string;
}

/** What the preload exposes as `window.workbench`. */
export interface WorkbenchBridge {
  invoke<N extends CallName>(name: N, ...args: ArgsTuple<N>): Promise<Reply<CallResults[N]>>;
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}

/** A call whose args accept `undefined` may be invoked without them. */
export type ArgsTuple<N extends CallName> =
  undefined extends CallArgs<N> ? [args?: CallArgs<N>] : [args: CallArgs<N>];

export function callChannel(name: CallName): string {
  return `workbench:call:${name}`;
}

export function eventChannel(name: EventName): string {
  return `workbench:event:${name}`;
}

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && (CALL_NAMES as readonly string[]).includes(name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof WorkbenchError) return e.toJSON();
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', name: 'Error', message };
}

/** The value of a successful reply; a failed one is rethrown as a WorkbenchError with its code. */
export function unwrapReply<T>(reply: Reply<T>): T {
  if (reply.ok) return reply.value;
  const { code, name, message } = reply.error;
  const error = code === 'INTERNAL' ? new Error(message) : new WorkbenchError(code, message);
  error.name = name;
  throw error;
}

/**
 * The generic server side of every transport: parse the raw args with the call's schema, run
 * the implementation, and wrap the outcome as a Reply. Never throws.
 */
export async function dispatchCall(api: WorkbenchApi, name: CallName, rawArgs: unknown): Promise<Reply<unknown>> {
  try {
    const args = parseOrThrow(CALL_ARGS[name], rawArgs, `${name}: args`);
    const call = api[name] as (args: unknown) => Promise<unknown>;
    return { ok: true, value: await call(args) };
  } catch (e) {
    return { ok: false, error: serializeError(e) };
  }
}

// Compile-time check that every call has a result type and no result type lacks a call.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type CallsHaveResults = Assert<Exact<keyof CallResults, CallName>>;
