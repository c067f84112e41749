// Hundreds-of-megabytes GETs from the engine (export, save) over a plain socket, read into one reused buffer.
//
// Why not dockerode (Node's http) or undici for these two: receiving a 275 MB export costs this process ~0.4–0.5 s
// of CPU through Node's http client and ~0.3–0.6 s through undici, but ~0.05–0.1 s when the socket is read into one
// reused buffer (net's `onread`) and the chunk framing is decoded by docker-bulk-http.ts — measured on the 2-core
// bench machine, where the other core is busy producing the tar and this process's CPU is the throughput. Body bytes
// are handed to the listener as views of that buffer (the read-ahead copies them once, into its batches).
// Used only where the connection is plain (unix socket, TCP, TLS with files): SSH and custom agents fall back.
import net from 'node:net';
import tls from 'node:tls';
import type { DockerConnectionOptions } from './docker-connection.js';
import { ResponseDecoder, type ResponseHead } from './docker-bulk-http.js';
import type { EngineStream, StreamHandlers } from './container-engine.js';

export interface BulkGetter {
  /** Opens GET <path>; rejects with the engine's message on a non-2xx status (body read, at most 64 KiB). */
  get(path: string, signal?: AbortSignal): Promise<EngineStream>;
}

const ERROR_BODY_LIMIT = 64 * 1024;
/** One socket read at most; a unix socket rarely holds more than ~200 KiB, so this is seldom the limit. */
const READ_BUFFER_BYTES = 256 * 1024;
/** Body bytes held for a consumer that has not started listening (or is iterating slowly) before reading pauses. */
const HELD_LIMIT = 1024 * 1024;
/** Request targets are built from engine ids and names; nothing that could split or extend the request line. */
const REQUEST_TARGET = /^\/[\x21-\x7e]*$/;

type Target =
  { kind: 'unix'; socketPath: string } | { kind: 'tcp'; host: string; port: number; tls?: tls.ConnectionOptions };

function errorMessage(body: Buffer): string {
  const text = body.toString('utf8').slice(0, ERROR_BODY_LIMIT);
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON: the text itself says what happened.
  }
  return text.trim();
}

function statusError(status: number, body: Buffer): Error {
  const error = new Error(`(HTTP code ${status}) ${errorMessage(body)}`) as Error & { statusCode: number };
  error.statusCode = status;
  return error;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError');
}

/**
 * One request on its own connection (closed with it, so nothing stays open to keep a CLI run alive). Resolves once
 * a 2xx head arrived; the body then flows to whoever listens — push mode with pause/resume, or async iteration.
 */
function bulkRequest(
  target: Target,
  path: string,
  connectTimeoutMs: number,
  signal?: AbortSignal,
): Promise<EngineStream> {
  return new Promise((resolve, reject) => {
    if (!REQUEST_TARGET.test(path)) {
      reject(new Error(`refusing to request ${JSON.stringify(path)}: not a plain request target`));
      return;
    }
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    let phase: 'head' | 'error-body' | 'body' | 'over' = 'head';
    let head: ResponseHead | undefined;
    const errorBody: Buffer[] = [];
    let errorBodyBytes = 0;
    // Body delivery: to the listener, or held (copied) until one listens; the outcome likewise.
    let handlers: StreamHandlers | undefined;
    const held: Buffer[] = [];
    let heldBytes = 0;
    let outcome: { error?: unknown } | undefined;

    const feed = (bytes: Uint8Array): void => {
      try {
        decoder.feed(bytes);
      } catch (error) {
        fail(error);
      }
    };
    // net reads straight into one reused buffer (no allocation per read); TLS decrypts into its own buffers.
    const onread = {
      buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
      // true: keep reading (false would pause; pausing is feed's listener's decision, through socket.pause()).
      callback: (size: number, buffer: Uint8Array) => {
        feed(buffer.subarray(0, size));
        return true;
      },
    };
    const socket =
      target.kind === 'unix'
        ? net.connect({ path: target.socketPath, onread })
        : target.tls === undefined
          ? net.connect({ host: target.host, port: target.port, onread })
          : tls.connect({ host: target.host, port: target.port, ...target.tls }).on('data', feed);

    const connectTimer = setTimeout(() => {
      const error = Object.assign(new Error(`connecting to the engine took longer than ${connectTimeoutMs} ms`), {
        code: 'ETIMEDOUT',
      });
      fail(error);
    }, connectTimeoutMs);
    socket.once(target.kind === 'tcp' && target.tls !== undefined ? 'secureConnect' : 'connect', () => {
      clearTimeout(connectTimer);
      const host =
        target.kind === 'unix'
          ? 'docker'
          : `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: holdcell\r\nConnection: close\r\n\r\n`);
    });

    const onAbort = (): void => {
      if (phase === 'body') destroy(new Error('acquisition aborted'));
      else if (signal !== undefined) fail(abortError(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    /** The transfer is over (cleanly when error is undefined): release everything, tell whoever must know once. */
    const settle = (error: unknown, ended: boolean): void => {
      if (phase === 'over') return;
      const was = phase;
      phase = 'over';
      clearTimeout(connectTimer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (was === 'head') {
        reject(error ?? new Error('the engine closed the connection without an answer'));
      } else if (was === 'error-body') {
        // The status says what happened even when its explanation was cut short.
        reject(statusError(head?.status ?? 0, Buffer.concat(errorBody)));
      } else {
        outcome = ended ? {} : { error };
        if (handlers !== undefined) deliverOutcome(handlers);
      }
    };
    const fail = (error: unknown): void => settle(error, false);
    const destroy = (reason?: Error): void => settle(reason ?? new Error('the transfer was torn down'), false);

    const deliverOutcome = (to: StreamHandlers): void => {
      if (outcome === undefined) return;
      if (outcome.error === undefined) to.end();
      else to.error(outcome.error);
    };

    const decoder = new ResponseDecoder({
      head: (answer) => {
        head = answer;
        if (answer.status >= 200 && answer.status < 300) {
          phase = 'body';
          resolve(stream);
        } else {
          phase = 'error-body';
        }
      },
      body: (bytes) => {
        if (phase === 'over') return;
        if (phase === 'error-body') {
          if (errorBodyBytes < ERROR_BODY_LIMIT) {
            errorBody.push(Buffer.from(bytes));
            errorBodyBytes += bytes.byteLength;
          }
          if (errorBodyBytes >= ERROR_BODY_LIMIT) settle(undefined, true);
        } else if (handlers !== undefined) {
          handlers.data(bytes);
        } else {
          held.push(Buffer.from(bytes));
          heldBytes += bytes.byteLength;
          if (heldBytes >= HELD_LIMIT) socket.pause();
        }
      },
      end: () => settle(undefined, true),
    });

    socket.on('end', () => {
      try {
        decoder.close();
      } catch (error) {
        fail(error);
      }
    });
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the engine connection closed')));

    const listen = (to: StreamHandlers): { pause(): void; resume(): void } => {
      if (handlers !== undefined) throw new Error('this engine stream already has a listener');
      handlers = to;
      // What arrived before anyone listened goes first, in order; then the outcome if the transfer already ended.
      for (const bytes of held.splice(0)) to.data(bytes);
      heldBytes = 0;
      deliverOutcome(to);
      if (phase === 'body') socket.resume();
      return { pause: () => void socket.pause(), resume: () => void socket.resume() };
    };

    const iterate = (): AsyncIterator<Uint8Array> => {
      const queue: Buffer[] = [];
      let queued = 0;
      let finished: { error?: unknown } | undefined;
      let wake: (() => void) | undefined;
      const notify = (): void => {
        const waiting = wake;
        wake = undefined;
        waiting?.();
      };
      const flow = listen({
        data: (bytes) => {
          queue.push(Buffer.from(bytes));
          queued += bytes.byteLength;
          if (queued >= HELD_LIMIT) socket.pause();
          notify();
        },
        end: () => {
          finished = {};
          notify();
        },
        error: (error) => {
          finished = { error };
          notify();
        },
      });
      return {
        next: async () => {
          for (;;) {
            const chunk = queue.shift();
            if (chunk !== undefined) {
              queued -= chunk.byteLength;
              if (queued < HELD_LIMIT && phase === 'body') flow.resume();
              return { done: false, value: chunk };
            }
            if (finished !== undefined) {
              if (finished.error !== undefined) throw finished.error;
              return { done: true, value: undefined };
            }
            await new Promise<void>((resolve) => (wake = resolve));
          }
        },
        return: async () => {
          destroy();
          return { done: true, value: undefined };
        },
      };
    };

    const stream: EngineStream = {
      [Symbol.asyncIterator]: iterate,
      destroy: (reason?: Error) => destroy(reason),
      listen,
    };
  });
}

/** undefined when the connection needs something not given here (an SSH tunnel, a custom agent). */
export function bulkGetter(options: DockerConnectionOptions, connectTimeoutMs: number): BulkGetter | undefined {
  if (options.agent !== undefined) return undefined;
  let target: Target;
  if (options.socketPath !== undefined) {
    target = { kind: 'unix', socketPath: options.socketPath };
  } else if (options.host !== undefined && options.port !== undefined) {
    const host = options.host;
    target = { kind: 'tcp', host, port: options.port };
    if (options.protocol === 'https') {
      target.tls = {
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        rejectUnauthorized: true,
        // SNI carries names only; an address is checked against the certificate's IP entries without it.
        ...(net.isIP(host) === 0 ? { servername: host } : {}),
      };
    }
  } else {
    return undefined;
  }
  return { get: (path, signal) => bulkRequest(target, path, connectTimeoutMs, signal) };
}
