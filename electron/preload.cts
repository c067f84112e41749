// Sandboxed preload: exposes window.holdcell = { send, onMessage } over the single 'holdcell:rpc' channel, nothing else.
// CommonJS and self-contained on purpose: a sandboxed preload can only require('electron'), so nothing is imported.
import electron = require('electron');

// Must match IPC_CHANNEL in policy.ts (an import is impossible here; the unit tests compare the two).
const CHANNEL = 'holdcell:rpc';

type Listener = (message: unknown) => void;

electron.contextBridge.exposeInMainWorld('holdcell', {
  send(message: unknown): void {
    electron.ipcRenderer.send(CHANNEL, message);
  },
  onMessage(listener: Listener): () => void {
    if (typeof listener !== 'function') throw new TypeError('holdcell.onMessage expects a function');
    // The IpcRendererEvent is dropped here: it carries `sender` (ipcRenderer itself) and must never reach the page.
    const relay = (_event: electron.IpcRendererEvent, message: unknown): void => listener(message);
    electron.ipcRenderer.on(CHANNEL, relay);
    return () => {
      electron.ipcRenderer.removeListener(CHANNEL, relay);
    };
  },
});
