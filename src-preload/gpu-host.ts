// The hidden GPU window's preload: passes each engine channel main sends (one MessagePort on
// GPU_ENGINE_PORT_CHANNEL) to the page as a window message. Nothing else crosses: the page gets no
// bridge, no ipcRenderer, and so no way to the workbench. Bundled to CommonJS (out/preload/gpu-host.cjs).
import { ipcRenderer } from 'electron';
import { GPU_ENGINE_PORT_CHANNEL, GPU_ENGINE_PORT_MESSAGE } from '../src-shared/gpu-engine-messages.ts';

ipcRenderer.on(GPU_ENGINE_PORT_CHANNEL, (event) => {
  // Under context isolation a port reaches the main world only through window.postMessage.
  window.postMessage({ type: GPU_ENGINE_PORT_MESSAGE }, '*', event.ports);
});
