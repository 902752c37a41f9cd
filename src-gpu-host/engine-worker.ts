// The desktop app's GPU engine: a dedicated Worker in a hidden Chromium window, where Chromium's WebGPU
// lives (Dawn's Node binding cannot load inside Electron). It starts tfjs's webgpu backend on the page's
// adapter and serves the engine protocol (src-main/engine/remote) on its own message channel: the
// training loop, the data and the store stay in the job process; steps and evaluations run here.
// The first message it posts says whether WebGPU started: {ready: true, adapter} or {ready: false, why}.
import { describeAdapter } from '../src-main/engine/backend/webgpu-adapter.ts';
import { startWebGpu } from '../src-main/engine/backend/webgpu-backend.ts';
import { messagePort } from '../src-main/engine/remote/engine-protocol.ts';
import { serveEngine } from '../src-main/engine/remote/engine-host.ts';

const scope = globalThis as unknown as Parameters<typeof messagePort>[0];
const probe = await startWebGpu(true);
if (probe.ok) {
  const adapter = `${probe.software ? 'software adapter' : 'GPU'} (${describeAdapter(probe.adapter)})`;
  serveEngine(messagePort(scope), adapter);
  scope.postMessage({ ready: true, adapter });
} else {
  scope.postMessage({ ready: false, why: probe.why });
}
