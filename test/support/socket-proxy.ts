// Fault-injecting unix-socket proxy in front of the real Docker socket: stalls, cuts, corrupts or refuses streams.
//
// HoldCell's promise is that a broken stream yields an item marked incomplete, never a sealed bad one. Mocking
// the Docker library could only fake that; this proxy breaks real engine bytes at the socket, so the whole stack
// (dockerode, HTTP parsing, tar indexing, case store) meets the failure exactly as it would in the field.
import net from 'node:net';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * - pass:    bytes flow both ways untouched.
 * - stall:   engine→client bytes are held back (sockets stay open); switching back to pass releases them in order.
 * - cut:     each connection is destroyed once it has carried `faultAfterBytes` engine→client bytes in total.
 * - corrupt: the engine→client byte at offset `faultAfterBytes` of each connection is bit-flipped, then pass.
 * - refuse:  new connections are closed immediately (existing ones are left alone).
 */
export type ProxyMode = 'pass' | 'stall' | 'cut' | 'corrupt' | 'refuse';

/** What a script may do with a connection's engine→client bytes (see SocketProxy.intercept). */
export interface ScriptIo {
  /**
   * Passes bytes to the client; the proxy applies backpressure to the engine while the client is slow. Returns
   * false when the client is behind: a script producing bytes of its own should then wait for drained().
   */
  send(bytes: Buffer): boolean;
  /** Resolves once the client has taken what was sent (at once if it already has, or the connection is gone). */
  drained(): Promise<void>;
  /** Ends the client side cleanly once everything sent is flushed (a FIN, not a reset). */
  end(): void;
  /** Destroys both sides once everything sent is flushed, like an engine crash right after those bytes. */
  cut(): void;
}

/** Replaces the pass-through of one connection's engine→client bytes; client→engine bytes still flow untouched. */
export interface ConnectionScript {
  /** Each engine chunk in order; nothing reaches the client unless the script sends it. */
  data(chunk: Buffer, io: ScriptIo): void;
  /** The engine ended its side cleanly. */
  end(io: ScriptIo): void;
}

/** One finished connection: its first request line, what the engine sent, and whether a fault struck it. */
export interface ConnectionRecord {
  request: string;
  /** engine→client bytes received from the engine. */
  engineBytes: number;
  /** The engine ended its side (its answer was whole) before the connection went. */
  engineEnded: boolean;
  /** The mode's fault (cut or corrupt) was applied to this connection. */
  faulted: boolean;
}

export interface SocketProxyOptions {
  /** Unix socket path of the real engine, e.g. dockerSocketPath(). */
  target: string;
  /** Starting mode; default 'pass'. */
  mode?: ProxyMode;
  /**
   * Byte offset (per connection, counted from its first engine→client byte) where 'cut' and 'corrupt' strike.
   * Default 0. Note Node's global HTTP agent keeps connections alive, so counts span requests on one socket;
   * pass `agent: false` to get one connection per request.
   */
  faultAfterBytes?: number;
}

export interface FaultOptions {
  faultAfterBytes?: number;
  /**
   * Only connections whose first request line matches (e.g. /\/export /) suffer the fault; others pass. The line
   * is known once the client has sent it, which is always before the engine answers. 'refuse' ignores it.
   */
  only?: RegExp;
}

export interface SocketProxy {
  /** The proxy's unix socket (inside a private temp dir); point DOCKER_HOST=unix://<path> or socketPath at it. */
  readonly path: string;
  readonly mode: ProxyMode;
  /** Changes the mode for new and already open connections; optionally moves the fault offset or narrows it. */
  setMode(mode: ProxyMode, opts?: FaultOptions): void;
  /**
   * Hands new connections whose request line matches `only` to a script (made per connection) instead of the
   * mode: how HTTP-aware faults (a forged status, a rewritten body, a broken chunk) are built on the socket.
   * Returns a function that removes the interception.
   */
  intercept(only: RegExp, script: () => ConnectionScript): () => void;
  /** Finished connections, oldest first (the last 1,000): their request line and engine byte count. */
  history(): readonly ConnectionRecord[];
  /** Destroys every open connection (both sides), like an engine crash mid-stream. */
  cutAll(): void;
  /** Stops listening and destroys open connections, like an engine that went away. */
  stop(): Promise<void>;
  /** Listens again on the same path after stop(), like an engine that came back. */
  start(): Promise<void>;
  /** Number of client connections currently open. */
  connections(): number;
  /** stop() and remove the temp dir; call in afterAll. */
  dispose(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  /** engine→client bytes already passed on (or counted as passed) on this connection. */
  forwarded: number;
  /** engine→client bytes held back while stalled. */
  held: Buffer[];
  /** Upstream ended while bytes were held: end the client once they are released. */
  endAfterHeld: boolean;
  /** Waiting for the client's 'drain' (normal backpressure, separate from a stall). */
  awaitingDrain: boolean;
  /** The first request line the client sent ('' until it has). */
  request: string;
  /** engine→client bytes received from the engine, whatever was done with them. */
  received: number;
  /** Set when an interception took this connection over. */
  script?: ConnectionScript;
  /** The script ended the client side: let the client's own close finish the pair, so nothing sent is lost. */
  ending: boolean;
  engineEnded: boolean;
  faulted: boolean;
}

const HISTORY_LIMIT = 1000;
/** A request line longer than this is not HTTP from dockerode; stop looking for its end. */
const REQUEST_LINE_LIMIT = 8192;

export async function startSocketProxy(options: SocketProxyOptions): Promise<SocketProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'hc-proxy-'));
  const path = join(dir, 'engine.sock');
  let mode: ProxyMode = options.mode ?? 'pass';
  let faultAfterBytes = options.faultAfterBytes ?? 0;
  let only: RegExp | undefined;
  const pairs = new Set<Pair>();
  const interceptions = new Set<{ only: RegExp; script: () => ConnectionScript }>();
  const finished: ConnectionRecord[] = [];

  const destroyPair = (pair: Pair): void => {
    if (pairs.delete(pair)) {
      finished.push({
        request: pair.request,
        engineBytes: pair.received,
        engineEnded: pair.engineEnded,
        faulted: pair.faulted,
      });
      if (finished.length > HISTORY_LIMIT) finished.shift();
    }
    pair.client.destroy();
    pair.upstream.destroy();
  };

  // The mode applies to this connection: always without a filter, else only when its request line matches.
  const faulty = (pair: Pair): boolean => only === undefined || only.test(pair.request);

  // Passes engine bytes to the client, applying the current fault. Returns false when the pair was destroyed.
  const deliver = (pair: Pair, chunk: Buffer): boolean => {
    let out = chunk;
    if (!faulty(pair)) {
      // Untouched: fall through to the plain write below.
    } else if (mode === 'cut') {
      const room = faultAfterBytes - pair.forwarded;
      if (room <= 0) {
        pair.faulted = true;
        destroyPair(pair);
        return false;
      }
      if (out.length >= room) {
        // Write what fits, then drop the connection once it is flushed, so the client sees exactly N bytes.
        pair.faulted = true;
        pair.forwarded += room;
        pair.client.write(out.subarray(0, room), () => destroyPair(pair));
        pair.upstream.pause();
        return false;
      }
    } else if (mode === 'corrupt') {
      const at = faultAfterBytes - pair.forwarded;
      if (at >= 0 && at < out.length) {
        pair.faulted = true;
        out = Buffer.from(out); // never mutate a buffer another reader might hold
        out[at] = (out[at] ?? 0) ^ 0xff;
      }
    }
    pair.forwarded += out.length;
    if (!pair.client.write(out)) {
      pair.awaitingDrain = true;
      pair.upstream.pause();
    }
    return true;
  };

  // Releases held bytes when the mode is no longer 'stall' and resumes reading from the engine.
  const release = (pair: Pair): void => {
    if ((mode === 'stall' && faulty(pair)) || !pairs.has(pair)) return;
    while (pair.held.length > 0) {
      const chunk = pair.held.shift();
      if (chunk && !deliver(pair, chunk)) return;
    }
    if (pair.endAfterHeld) {
      pair.client.end();
      return;
    }
    if (!pair.awaitingDrain) pair.upstream.resume();
  };

  const onConnection = (client: net.Socket): void => {
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    // allowHalfOpen: Docker's hijacked streams (attach, exec) half-close; the proxy must not turn that into a cut.
    const upstream = net.createConnection({ path: options.target, allowHalfOpen: true });
    const pair: Pair = {
      client,
      upstream,
      forwarded: 0,
      held: [],
      endAfterHeld: false,
      awaitingDrain: false,
      request: '',
      received: 0,
      ending: false,
      engineEnded: false,
      faulted: false,
    };
    pairs.add(pair);

    // client → engine: always forwarded (faults model the engine's side of the conversation). The first request
    // line is noted on the way, to filter faults and pick interceptions.
    let head = '';
    const noteRequest = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const eol = head.indexOf('\r\n');
      if (eol < 0 && head.length < REQUEST_LINE_LIMIT) return;
      client.off('data', noteRequest);
      pair.request = eol < 0 ? head : head.slice(0, eol);
      head = '';
      for (const interception of interceptions) {
        if (interception.only.test(pair.request)) {
          pair.script = interception.script();
          break;
        }
      }
    };
    client.on('data', noteRequest);
    client.pipe(upstream);

    const io: ScriptIo = {
      send: (bytes) => {
        if (!pairs.has(pair) || pair.ending) return true;
        if (bytes.length > 0 && !pair.client.write(bytes)) {
          pair.awaitingDrain = true;
          upstream.pause();
          return false;
        }
        return true;
      },
      drained: () =>
        new Promise((resolve) => {
          if (!pair.awaitingDrain || !pairs.has(pair)) {
            resolve();
            return;
          }
          const done = (): void => {
            pair.client.off('drain', done);
            pair.client.off('close', done);
            resolve();
          };
          pair.client.on('drain', done);
          pair.client.on('close', done);
        }),
      end: () => {
        if (!pairs.has(pair) || pair.ending) return;
        pair.ending = true;
        pair.client.end();
      },
      cut: () => {
        if (!pairs.has(pair) || pair.ending) return;
        pair.ending = true;
        pair.client.write(Buffer.alloc(0), () => destroyPair(pair));
        upstream.pause();
      },
    };

    upstream.on('data', (chunk: Buffer) => {
      pair.received += chunk.length;
      if (pair.script) {
        pair.script.data(chunk, io);
        return;
      }
      if ((mode === 'stall' && faulty(pair)) || pair.held.length > 0) {
        pair.held.push(chunk);
        upstream.pause();
        return;
      }
      deliver(pair, chunk);
    });
    upstream.on('end', () => {
      pair.engineEnded = true;
      if (pair.script) pair.script.end(io);
      else if (pair.held.length > 0) pair.endAfterHeld = true;
      else client.end();
    });
    client.on('drain', () => {
      pair.awaitingDrain = false;
      if (pair.held.length === 0 && !(mode === 'stall' && faulty(pair) && !pair.script)) upstream.resume();
    });

    // Either side closing or failing takes the other down; errors here are expected outcomes, not test bugs.
    const teardown = (): void => destroyPair(pair);
    client.on('error', teardown);
    upstream.on('error', teardown);
    client.on('close', teardown);
    upstream.on('close', () => {
      // Let held bytes reach the client first if the engine closed cleanly while we were stalling.
      if (pair.held.length === 0 && !pair.ending) teardown();
    });
  };

  let server: net.Server | undefined;

  const start = async (): Promise<void> => {
    if (server) return;
    // A socket file left by a crashed run would make listen() fail with EADDRINUSE.
    await unlink(path).catch(() => undefined);
    const s = net.createServer({ allowHalfOpen: true }, onConnection);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(path, () => {
        s.off('error', reject);
        resolve();
      });
    });
    server = s;
  };

  const cutAll = (): void => {
    for (const pair of [...pairs]) destroyPair(pair);
  };

  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    cutAll();
    await closed;
  };

  await start();

  return {
    path,
    get mode() {
      return mode;
    },
    setMode(next, opts) {
      mode = next;
      if (opts?.faultAfterBytes !== undefined) faultAfterBytes = opts.faultAfterBytes;
      only = opts?.only;
      // Existing connections obey the new mode at once: a cut strikes now, a released stall flushes now.
      for (const pair of [...pairs]) {
        if (pair.script) continue;
        if (mode === 'cut' && faulty(pair) && pair.forwarded >= faultAfterBytes) {
          pair.faulted = true;
          destroyPair(pair);
        } else release(pair);
      }
    },
    intercept(pattern, script) {
      const interception = { only: pattern, script };
      interceptions.add(interception);
      return () => {
        interceptions.delete(interception);
      };
    },
    history: () => finished,
    cutAll,
    stop,
    start,
    connections: () => pairs.size,
    async dispose() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
