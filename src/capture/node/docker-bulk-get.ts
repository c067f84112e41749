// Hundreds-of-megabytes GETs from the engine (export, save) through undici: the one file that imports it.
//
// Why not dockerode for these two: Node's http client spends ~0.4–0.5 s of CPU receiving a 275 MB export over the
// local socket, undici ~0.2 s (measured on this project's 2-core bench machine) — and on a machine whose other core
// is busy producing the tar, that CPU is the acquisition's throughput. Everything else stays with dockerode.
// Used only where the connection is plain (unix socket, TCP, TLS with files): SSH and custom agents fall back.
import { Agent, request } from 'undici';
import { finished, type Readable } from 'node:stream';
import type { DockerConnectionOptions } from './docker-connection.js';
import type { EngineStream } from './container-engine.js';

export interface BulkGetter {
  /** Opens GET <path>; rejects with the engine's message on a non-2xx status (body read, at most 64 KiB). */
  get(path: string, signal?: AbortSignal): Promise<EngineStream>;
}

const ERROR_BODY_LIMIT = 64 * 1024;

async function errorText(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size >= ERROR_BODY_LIMIT) break;
  }
  body.destroy();
  const text = Buffer.concat(chunks).toString('utf8').slice(0, ERROR_BODY_LIMIT);
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON: the text itself says what happened.
  }
  return text.trim();
}

/** An EngineStream over a body: iterable, destroyable, and listenable in push mode (no promise per chunk). */
function bodyStream(body: Readable, signal: AbortSignal | undefined): EngineStream {
  const onAbort = (): void => void body.destroy(new Error('acquisition aborted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  body.once('close', () => signal?.removeEventListener('abort', onAbort));
  return {
    [Symbol.asyncIterator]: () => body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>,
    destroy: (reason?: Error) => void body.destroy(reason),
    listen: (handlers) => {
      body.on('data', (chunk: Uint8Array) => handlers.data(chunk));
      // finished() rather than 'end'/'error' listeners: it also reports a body that broke before anyone listened
      // (a connection cut while the case was still opening its file), which would otherwise wait silently for the
      // idle timeout and then blame idleness for a cut.
      finished(body, { writable: false }, (error) => (error ? handlers.error(error) : handlers.end()));
      return { pause: () => void body.pause(), resume: () => void body.resume() };
    },
  };
}

/** undefined when the connection needs something undici is not given here (an SSH tunnel, a custom agent). */
export function bulkGetter(options: DockerConnectionOptions, connectTimeoutMs: number): BulkGetter | undefined {
  if (options.agent !== undefined) return undefined;
  let origin: string;
  let connect: ConstructorParameters<typeof Agent>[0];
  if (options.socketPath !== undefined) {
    origin = 'http://docker';
    connect = { connect: { socketPath: options.socketPath, timeout: connectTimeoutMs } };
  } else if (options.host !== undefined && options.port !== undefined) {
    const tls = options.protocol === 'https';
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    origin = `${tls ? 'https' : 'http'}://${host}:${options.port}`;
    connect = {
      connect: {
        timeout: connectTimeoutMs,
        ...(tls ? { ca: options.ca, cert: options.cert, key: options.key, rejectUnauthorized: true } : {}),
      },
    };
  } else {
    return undefined;
  }
  return {
    get: async (path, signal) => {
      // One agent per transfer, closed with it: nothing stays open to keep a CLI run alive or leak a socket.
      const agent = new Agent(connect);
      try {
        const response = await request(`${origin}${path}`, {
          method: 'GET',
          dispatcher: agent,
          ...(signal === undefined ? {} : { signal }),
          // No body timeout: `docker save` stages the whole image before its first byte; HoldCell's own idle
          // timeout (evidence-writer.ts) decides when a silent stream is abandoned.
          bodyTimeout: 0,
          headersTimeout: 0,
        });
        const body = response.body as unknown as Readable;
        body.once('close', () => void agent.destroy().catch(() => undefined));
        if (response.statusCode < 200 || response.statusCode >= 300) {
          const message = await errorText(body);
          const error = new Error(`(HTTP code ${response.statusCode}) ${message}`) as Error & { statusCode: number };
          error.statusCode = response.statusCode;
          throw error;
        }
        return bodyStream(body, signal);
      } catch (error) {
        await agent.destroy().catch(() => undefined);
        throw error;
      }
    },
  };
}
