// The desktop app's GPU engine: a dedicated Worker in a hidden Chromium window, where Chromium's WebGPU
// lives (Dawn's Node binding cannot load inside Electron). The page hands it engine channels
// ({connect: true} with the port); on each it says whether WebGPU started and then serves the engine
// protocol: the training loop, the data and the store stay in the job process; steps and evaluations
// run here. Its first message, {loaded: true}, tells the page the Worker's script runs at all.
import { hostEngine } from './host-engine.ts';

const scope = globalThis as unknown as {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
};
scope.addEventListener('message', (event) => {
  const port = event.ports[0];
  if ((event.data as { connect?: unknown } | null)?.connect === true && port) hostEngine(port);
});
scope.postMessage({ loaded: true });
