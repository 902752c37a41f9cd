// The desktop app's GPU engine for the tests: what src-gpu-host's Worker does (a hello on each new channel,
// then the engine protocol), in a Node worker thread on wasm; the hello it says is workerData's.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { selectBackend } from '../../src-main/engine/backend/select-backend.ts';
import { messagePort } from '../../src-main/engine/remote/engine-protocol.ts';
import { serveEngine } from '../../src-main/engine/remote/engine-host.ts';

const { hello } = workerData as { hello: { ok: boolean } };
await selectBackend('wasm');
parentPort!.on('message', (message: { connect?: boolean; port?: MessagePort }) => {
  if (!message.connect || !message.port) return;
  message.port.postMessage({ hello });
  if (hello.ok) serveEngine(messagePort(message.port as unknown as Parameters<typeof messagePort>[0]), 'a Node worker thread');
  else message.port.close();
});
parentPort!.postMessage({ loaded: true });
