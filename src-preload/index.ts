// Exposes `window.workbench.{invoke,on}` to the renderer, for the contract's names only. The raw
// ipcRenderer never crosses the bridge. Runs sandboxed, so it is bundled to CommonJS
// (out/preload/index.cjs) with everything but `electron` inlined.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  CALL_NAMES,
  EVENT_NAMES,
  callChannel,
  eventChannel,
  isCallName,
  isEventName,
  type WorkbenchBridge,
} from '../src-shared/workbench-api.ts';

const bridge: WorkbenchBridge = {
  invoke(name, ...args) {
    if (!isCallName(name)) {
      return Promise.reject(new Error(`unknown call '${String(name)}'; valid calls: ${CALL_NAMES.join(', ')}`));
    }
    return ipcRenderer.invoke(callChannel(name), args[0]);
  },
  on(event, listener) {
    if (!isEventName(event)) {
      const valid = EVENT_NAMES.length > 0 ? EVENT_NAMES.join(', ') : '(none yet)';
      throw new Error(`unknown event '${String(event)}'; valid events: ${valid}`);
    }
    const channel = eventChannel(event);
    // The IPC event (with its sender) stays on this side of the bridge: the page gets the payload only.
    const handler = (_event: IpcRendererEvent, payload: unknown): void => listener(payload as never);
    ipcRenderer.on(channel, handler);
    return () => {
      ipcRenderer.removeListener(channel, handler);
    };
  },
};

contextBridge.exposeInMainWorld('workbench', bridge);
