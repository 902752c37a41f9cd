// The one list of backends the engine's suites run on: cpu (the reference), wasm and, where npm
// installed @tensorflow/tfjs-node, tensorflow. A suite loops over `backendsUnderTest` and calls
// `skipReason(backend)`: a backend that cannot run here is reported skipped with the reason and how to
// get it, never counted as passed.
import { isInstalled } from '../../src-main/engine/backend/select-backend.ts';

export const backendsUnderTest = ['cpu', 'wasm', 'tensorflow'] as const;
export type BackendUnderTest = (typeof backendsUnderTest)[number];

export const TENSORFLOW_SKIP =
  '@tensorflow/tfjs-node is not installed here; install it offline with `scripts/test-rig/with-libtensorflow.sh npm ci` ' +
  '(as .ci/run does) or online with `npm ci`, then rerun';

export const tensorflowInstalled = isInstalled('@tensorflow/tfjs-node');

/** Why `backend` cannot be tested here, or false when it can. */
export function skipReason(backend: BackendUnderTest): string | false {
  return backend === 'tensorflow' && !tensorflowInstalled ? TENSORFLOW_SKIP : false;
}
