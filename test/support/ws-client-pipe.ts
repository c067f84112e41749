// A Node WebSocket client pipe for tests: connects to the bridge as a browser page would (Origin, token).
import WebSocket from 'ws';
import { Listeners, type MessagePipe } from '../../src/contract/pipe.js';

export interface WsClient {
  pipe: MessagePipe;
  /** Sends raw text, bypassing JSON encoding: for malformed-frame tests. */
  sendRaw(text: string): void;
  close(): void;
}

/** Resolves once open; rejects with the HTTP status when the bridge refuses the upgrade. */
export function connectWsClient(url: string, headers: Record<string, string>): Promise<WsClient> {
  const socket = new WebSocket(url, { headers });
  const messages = new Listeners<[unknown]>();
  const closed = new Listeners<[]>();
  socket.on('message', (data) => messages.emit(JSON.parse(data.toString()) as unknown));
  socket.on('close', () => closed.emit());
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`refused with HTTP ${response.statusCode}`)),
    );
    socket.once('error', reject);
    socket.once('open', () =>
      resolve({
        pipe: {
          send: (message) => socket.send(JSON.stringify(message)),
          onMessage: (listener) => messages.add(listener),
          onClose: (listener) => closed.add(listener),
        },
        sendRaw: (text) => socket.send(text),
        close: () => socket.close(),
      }),
    );
  });
}
