// A remote engine for the tests: engine-host.ts in a Node worker thread, on the backend named by workerData.
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { messagePort } from '../../../src-main/engine/remote/engine-protocol.ts';
import { serveEngine } from '../../../src-main/engine/remote/engine-host.ts';

await selectBackend((workerData as { backend: 'cpu' | 'wasm' }).backend);
serveEngine(messagePort(parentPort! as unknown as Parameters<typeof messagePort>[0]), 'a Node worker thread');
parentPort!.postMessage({ ready: true });
