// Web mode's pipe: serves the built renderer and the contract over a WebSocket on 127.0.0.1, guarded by token, Origin and Host.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { Listeners, type MessagePipe } from '../contract/pipe.js';
import { mimeTypeFor, RENDERER_CSP } from './renderer-assets.js';

/** Envelopes are small by design (tarballs never cross the pipe); anything bigger is refused by ws itself. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

export interface WsBridgeOptions {
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Called for every accepted connection with its pipe. */
  onConnection(pipe: MessagePipe): void;
  log?: (line: string) => void;
}

export interface WsBridge {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Connection attempts refused so far, with why. */
  refusals(): readonly string[];
  close(): Promise<void>;
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::ffff:127.0.0.1';
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function pipeFor(socket: WebSocket): MessagePipe {
  const messages = new Listeners<[unknown]>();
  const closed = new Listeners<[]>();
  socket.on('message', (data, isBinary) => {
    if (isBinary) return messages.emit('binary frame');
    const text = data.toString();
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      message = text; // the server drops and counts anything that is not an envelope
    }
    messages.emit(message);
  });
  socket.on('close', () => closed.emit());
  return {
    send: (message) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(message)),
    onMessage: (listener) => messages.add(listener),
    onClose: (listener) => closed.add(listener),
  };
}

export async function startWsBridge(options: WsBridgeOptions): Promise<WsBridge> {
  const log = options.log ?? (() => undefined);
  const token = randomBytes(32).toString('base64url');
  const root = resolve(options.rendererDir);
  const refused: string[] = [];
  let origin = '';

  const refuse = (reason: string): void => {
    refused.push(reason);
    log(`refused a connection: ${reason}`);
  };

  const serveStatic = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const headers = {
      'Content-Security-Policy': RENDERER_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    };
    if (request.headers.host !== new URL(origin).host) {
      refuse(`HTTP request with Host "${request.headers.host ?? ''}"`);
      response.writeHead(421, headers).end('Misdirected request');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, headers).end();
      return;
    }
    const pathname = decodeURIComponent(new URL(request.url ?? '/', origin).pathname);
    const file = resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
    const stats = file.startsWith(root + sep) ? await lstat(file).catch(() => undefined) : undefined;
    if (!stats?.isFile()) {
      response.writeHead(404, headers).end('Not found');
      return;
    }
    response.writeHead(200, { ...headers, 'Content-Type': mimeTypeFor(file) });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  };

  const server: Server = createServer((request, response) => {
    serveStatic(request, response).catch((error: unknown) => {
      log(`static file error: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', origin);
    const reject = (status: number, reason: string): void => {
      refuse(reason);
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nConnection: close\r\n\r\n`);
    };
    if (!isLoopback(request.socket.remoteAddress))
      return reject(403, `from non-loopback ${request.socket.remoteAddress ?? '?'}`);
    if (url.pathname !== '/rpc') return reject(403, `to path ${url.pathname}`);
    if (request.headers.host !== url.host) return reject(403, `with Host "${request.headers.host ?? ''}"`);
    if (request.headers.origin !== origin) return reject(403, `from Origin "${request.headers.origin ?? '(none)'}"`);
    if (!sameSecret(url.searchParams.get('token') ?? '', token)) return reject(401, 'without the start token');
    wss.handleUpgrade(request, socket, head, (ws) => options.onConnection(pipeFor(ws)));
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    port,
    token,
    refusals: () => refused,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
