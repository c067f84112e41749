// Export/save GETs over a raw socket: the engine's bytes arrive whole and in order, and every broken answer is an error.
//
// The "engine" here is a real server on a unix socket: Node's own HTTP server for well-formed answers (chunked and
// with a length), and a plain socket server that writes exact bytes for the broken ones a fault proxy would cause.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bulkGetter } from '../../src/capture/node/docker-bulk-get.js';
import { ResponseDecoder } from '../../src/capture/node/docker-bulk-http.js';
import { issueCertificate, makeCa } from '../support/test-pki.js';
import type { EngineStream } from '../../src/capture/node/container-engine.js';
import { CLEAR, type DockerConnectionOptions } from '../../src/capture/node/docker-connection.js';

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let dir: string;
let socketPath: string;
let server: Server | HttpServer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hc-bulk-'));
  socketPath = join(dir, 'engine.sock');
});

afterEach(async () => {
  if (server !== undefined && 'closeAllConnections' in server) server.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

function options(path = socketPath): DockerConnectionOptions {
  return { ...CLEAR, socketPath: path };
}

function getter(): NonNullable<ReturnType<typeof bulkGetter>> {
  const bulk = bulkGetter(options(), 2000);
  if (bulk === undefined) throw new Error('a unix socket always gets a bulk getter');
  return bulk;
}

/** An engine that answers with Node's HTTP server; `answer` writes the response. */
async function httpEngine(answer: (url: string, response: import('node:http').ServerResponse) => void): Promise<void> {
  const http = createHttpServer((request, response) => answer(request.url ?? '', response));
  server = http;
  await new Promise<void>((resolve) => http.listen(socketPath, resolve));
}

/** An engine that writes exactly what `script` writes once the request arrived. */
async function rawEngine(script: (socket: Socket) => void): Promise<void> {
  const net = createNetServer((socket) => {
    socket.once('data', () => script(socket));
    socket.on('error', () => undefined);
  });
  server = net;
  await new Promise<void>((resolve) => net.listen(socketPath, resolve));
}

/** Reads in push mode like the read-ahead: copies each view (the transport reuses its memory). */
async function pushed(stream: EngineStream): Promise<{ bytes: Buffer; error?: unknown }> {
  const parts: Buffer[] = [];
  return new Promise((resolve) => {
    stream.listen?.({
      data: (chunk) => parts.push(Buffer.from(chunk)),
      end: () => resolve({ bytes: Buffer.concat(parts) }),
      error: (error) => resolve({ bytes: Buffer.concat(parts), error }),
    });
  });
}

async function iterated(stream: EngineStream): Promise<{ bytes: Buffer; error?: unknown }> {
  const parts: Uint8Array[] = [];
  try {
    for await (const chunk of stream) parts.push(chunk);
  } catch (error) {
    return { bytes: Buffer.concat(parts), error };
  }
  return { bytes: Buffer.concat(parts) };
}

const HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n';

describe('bulk GET of an export over the engine socket', () => {
  it('given a chunked export of 3 MB in uneven writes, when read in push mode, then the same bytes arrive and it ends', async () => {
    const body = randomBytes(3_000_000);
    await httpEngine((url, response) => {
      expect(url).toBe('/containers/abc/export');
      response.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      for (let at = 0; at < body.byteLength; at += 40_000 + (at % 7))
        response.write(body.subarray(at, at + 40_000 + (at % 7)));
      response.end();
    });
    const { bytes, error } = await pushed(await getter().get('/containers/abc/export'));
    expect(error).toBeUndefined();
    expect(sha(bytes)).toBe(sha(body));
  });

  it('given a save answered with a Content-Length, when iterated (as the sandbox transfer does), then the same bytes arrive', async () => {
    const body = randomBytes(2_500_000);
    await httpEngine((_url, response) => {
      response.writeHead(200, { 'Content-Length': String(body.byteLength) });
      response.end(body);
    });
    const { bytes, error } = await iterated(await getter().get('/images/sha256:1/get'));
    expect(error).toBeUndefined();
    expect(sha(bytes)).toBe(sha(body));
  });

  it('given the engine refuses with 404 and its JSON message, then the open fails with the status and the message', async () => {
    await httpEngine((_url, response) => {
      response.writeHead(404, { 'Content-Type': 'application/json' });
      response.end('{"message":"No such container: abc"}\n');
    });
    await expect(getter().get('/containers/abc/export')).rejects.toMatchObject({
      statusCode: 404,
      message: '(HTTP code 404) No such container: abc',
    });
  });

  it('given the connection is cut in the middle of a chunk, then every byte before the cut arrives, then an error', async () => {
    const body = randomBytes(10_000);
    await rawEngine((socket) => {
      socket.write(`${HEAD}${(20_000).toString(16)}\r\n`);
      socket.end(body);
    });
    const { bytes, error } = await pushed(await getter().get('/containers/abc/export'));
    expect(bytes.equals(body)).toBe(true);
    expect(error).toMatchObject({ code: 'HOLDCELL_HTTP_CUT' });
  });

  it('given a chunk size that is not hex after 700 bytes, then those 700 bytes arrive, then an error', async () => {
    const body = randomBytes(700);
    await rawEngine((socket) => {
      socket.write(`${HEAD}2bc\r\n`);
      socket.write(body);
      socket.end('\r\nzz\r\n');
    });
    const { bytes, error } = await pushed(await getter().get('/containers/abc/export'));
    expect(bytes.equals(body)).toBe(true);
    expect(error).toMatchObject({ code: 'HOLDCELL_HTTP_CHUNK' });
  });

  it('given the connection ends after the last chunk but before its closing CRLF, then it is a cut, not an end', async () => {
    await rawEngine((socket) => socket.end(`${HEAD}3\r\nabc\r\n0\r\n`));
    const { bytes, error } = await pushed(await getter().get('/containers/abc/export'));
    expect(bytes.toString()).toBe('abc');
    expect(error).toMatchObject({ code: 'HOLDCELL_HTTP_CUT' });
  });

  it('given an engine over TCP resets the connection mid-body, then the bytes before it arrive, then ECONNRESET', async () => {
    const tcp = createNetServer((socket) => {
      socket.once('data', () => {
        socket.write(`${HEAD}100\r\n${'x'.repeat(100)}`);
        setTimeout(() => socket.resetAndDestroy(), 20);
      });
    });
    server = tcp;
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const { port } = tcp.address() as AddressInfo;
    const bulk = bulkGetter({ ...options(), socketPath: undefined, host: '127.0.0.1', port, protocol: 'http' }, 2000);
    const stream = await bulk?.get('/containers/abc/export');
    const { bytes, error } = await pushed(stream as EngineStream);
    expect(bytes.toString()).toBe('x'.repeat(100));
    expect(error).toMatchObject({ code: 'ECONNRESET' });
  });

  it('given the caller cancels mid-body, then the stream ends with an error and the connection is closed', async () => {
    let closed = false;
    await rawEngine((socket) => {
      socket.write(`${HEAD}100\r\n${'y'.repeat(50)}`);
      socket.on('close', () => (closed = true));
    });
    const controller = new AbortController();
    const stream = await getter().get('/containers/abc/export', controller.signal);
    const reading = pushed(stream);
    setTimeout(() => controller.abort(), 20);
    const { error } = await reading;
    expect((error as Error).message).toBe('acquisition aborted');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
  });

  it('given a request target with a line break, then nothing is sent and the open fails', async () => {
    await expect(getter().get('/containers/abc/export HTTP/1.1\r\nX: y')).rejects.toThrow(/not a plain request target/);
  });

  it('given no engine listens on the socket, then the open fails with the system error code', async () => {
    await expect(bulkGetter(options(join(dir, 'absent.sock')), 2000)?.get('/_ping')).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});

/** A CA and a server certificate for 127.0.0.1 signed by it, in `folder`. */
async function makeServerPki(folder: string): Promise<{ ca: Buffer; cert: Buffer; key: Buffer }> {
  await makeCa(folder);
  await issueCertificate(folder, 'server');
  const read = (name: string) => readFile(join(folder, name));
  return { ca: await read('ca.pem'), cert: await read('server.pem'), key: await read('server-key.pem') };
}

describe('bulk GET of an export over TLS', () => {
  it('given a TLS engine on 127.0.0.1 and its CA, then a chunked export arrives whole; with another CA nothing is read', async () => {
    const pki = await makeServerPki(dir);
    const body = randomBytes(2_000_000);
    const tls = createTlsServer({ cert: pki.cert, key: pki.key }, (socket) => {
      socket.once('data', () => {
        socket.write(HEAD);
        for (let at = 0; at < body.byteLength; at += 70_000) {
          const part = body.subarray(at, at + 70_000);
          socket.write(`${part.byteLength.toString(16)}\r\n`);
          socket.write(part);
          socket.write('\r\n');
        }
        socket.end('0\r\n\r\n');
      });
      socket.on('error', () => undefined);
    });
    server = tls;
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    const { port } = tls.address() as AddressInfo;
    const over = (ca: Buffer) =>
      bulkGetter({ ...options(), socketPath: undefined, host: '127.0.0.1', port, protocol: 'https', ca }, 2000);
    const { bytes, error } = await pushed(
      await (over(pki.ca) as NonNullable<ReturnType<typeof bulkGetter>>).get('/containers/abc/export'),
    );
    expect(error).toBeUndefined();
    expect(sha(bytes)).toBe(sha(body));
    const rogue = await makeServerPki(await mkdtemp(join(dir, 'rogue-')));
    await expect(over(rogue.ca)?.get('/containers/abc/export')).rejects.toThrow(/certificate/);
  }, 20_000);
});

describe('HTTP response decoding', () => {
  it('given a chunked answer fed one byte at a time, then the body and the end come out the same as fed whole', () => {
    const raw = Buffer.from(
      `${HEAD}5;ext=1\r\nhello\r\nA\r\n0123456789\r\n1b\r\n${'z'.repeat(27)}\r\n0\r\nX-Trailer: 1\r\n\r\n`,
    );
    const decode = (pieces: Uint8Array[]): { body: string; ended: number } => {
      const parts: string[] = [];
      let ended = 0;
      const decoder = new ResponseDecoder({
        head: (head) => expect(head.status).toBe(200),
        body: (bytes) => parts.push(Buffer.from(bytes).toString()),
        end: () => (ended += 1),
      });
      for (const piece of pieces) decoder.feed(piece);
      return { body: parts.join(''), ended };
    };
    const expected = { body: `hello0123456789${'z'.repeat(27)}`, ended: 1 };
    expect(decode([...raw].map((byte) => Uint8Array.of(byte)))).toEqual(expected);
    expect(decode([raw])).toEqual(expected);
  });

  it('given a chunk size of 13 hex digits, then decoding fails (whole or split)', () => {
    const line = `${HEAD}1000000000000\r\n`;
    const decoder = () => new ResponseDecoder({ head: () => undefined, body: () => undefined, end: () => undefined });
    expect(() => decoder().feed(Buffer.from(line))).toThrow(/not a hex number/);
    const split = decoder();
    split.feed(Buffer.from(line.slice(0, -3)));
    expect(() => split.feed(Buffer.from(line.slice(-3)))).toThrow(/not a hex number/);
  });

  it('given a chunk longer than its declared size, then decoding fails instead of passing the extra bytes', () => {
    const decoder = new ResponseDecoder({ head: () => undefined, body: () => undefined, end: () => undefined });
    expect(() => decoder.feed(Buffer.from(`${HEAD}3\r\nabcd\r\n`))).toThrow(/longer than its declared size/);
  });

  it('given trailer lines that never end after the last chunk, then decoding fails instead of reading on', () => {
    const decoder = new ResponseDecoder({ head: () => undefined, body: () => undefined, end: () => undefined });
    decoder.feed(Buffer.from(`${HEAD}0\r\n`));
    expect(() => decoder.feed(Buffer.from('X-T: 1\r\n'.repeat(100)))).toThrow(/endless trailer/);
  });

  it('given more than 64 KiB of headers, then decoding fails', () => {
    const decoder = new ResponseDecoder({ head: () => undefined, body: () => undefined, end: () => undefined });
    expect(() => decoder.feed(Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`))).toThrow(/64 KiB/);
  });
});
