// The renderer's two pipes to the host: the preload's IPC bridge in Electron, a WebSocket in web mode.
import { Listeners, type MessagePipe } from '../../../src/contract/pipe.js';

/** What electron/preload.cts exposes, and nothing more. */
interface PreloadBridge {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): () => void;
}

declare global {
  interface Window {
    holdcell?: PreloadBridge;
  }
}

export function ipcPipe(bridge: PreloadBridge): MessagePipe {
  const closed = new Listeners<[]>();
  return {
    send: (message) => bridge.send(message),
    onMessage: (listener) => bridge.onMessage(listener),
    // The window and its host live and die together in the desktop app.
    onClose: (listener) => closed.add(listener),
  };
}

/** Opens the tokened WebSocket to the host that served this page; resolves once it is open. */
export function openWebSocketPipe(token: string): Promise<MessagePipe> {
  const url = new URL('/rpc', window.location.href);
  url.protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = new URLSearchParams({ token }).toString();
  const socket = new WebSocket(url);
  const messages = new Listeners<[unknown]>();
  const closed = new Listeners<[]>();
  socket.addEventListener('message', (event) => {
    if (typeof event.data !== 'string') return;
    try {
      messages.emit(JSON.parse(event.data) as unknown);
    } catch {
      // a host never sends non-JSON; ignore rather than break the UI
    }
  });
  socket.addEventListener('close', () => closed.emit());
  const pipe: MessagePipe = {
    send: (message) => socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify(message)),
    onMessage: (listener) => messages.add(listener),
    onClose: (listener) => closed.add(listener),
  };
  return new Promise((resolve, reject) => {
    socket.addEventListener('open', () => resolve(pipe), { once: true });
    socket.addEventListener('close', () => reject(new Error('The HoldCell host refused or closed the connection')), {
      once: true,
    });
  });
}
