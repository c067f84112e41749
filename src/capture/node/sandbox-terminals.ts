// Live terminal sessions into sandboxes: one TTY exec per subscriber, output coalesced, input and resize by session id.
import { randomBytes } from 'node:crypto';
import { ContractError } from '../../contract/envelope.js';
import type { EventSink } from '../../contract/kit.js';
import type { TerminalOutput } from '../common/containment.js';
import type { ExecSession } from './container-engine.js';

/** Small chunks are gathered up to this many bytes or this long, so a busy shell does not send a message per byte. */
export const COALESCE_BYTES = 16 * 1024;
export const COALESCE_MS = 10;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface TerminalSessionInfo {
  sessionId: string;
  engineId: string;
  containerId: string;
}

interface LiveSession extends TerminalSessionInfo {
  exec: ExecSession;
  /** Settles when the session has ended and its exit was emitted. */
  done: Promise<void>;
  /** Set when HoldCell itself ends the session, so the exit names why. */
  endedBecause?: string;
}

/** Gathers output chunks and hands them on in pieces of at most COALESCE_BYTES, at the latest COALESCE_MS later. */
class Coalescer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deliver: (bytes: Buffer) => void) {}

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.pending.push(Buffer.from(chunk));
    this.pendingBytes += chunk.byteLength;
    if (this.pendingBytes >= COALESCE_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), COALESCE_MS);
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pendingBytes === 0) return;
    const all = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    for (let offset = 0; offset < all.byteLength; offset += COALESCE_BYTES) {
      this.deliver(all.subarray(offset, offset + COALESCE_BYTES));
    }
  }
}

export class TerminalSessions {
  private readonly live = new Map<string, LiveSession>();

  /**
   * Runs one session: emits ready, then output until the process ends, then exit. Resolves with the exit reason
   * once the session is over (process ended, subscriber left, or closeAll). Terminal bytes pass through untouched:
   * the renderer's terminal emulator is what renders them safely.
   */
  async run(
    exec: ExecSession,
    target: { engineId: string; containerId: string },
    sink: EventSink<TerminalOutput>,
  ): Promise<string> {
    let markDone = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      markDone = resolve;
    });
    const session: LiveSession = { sessionId: randomBytes(16).toString('hex'), exec, done, ...target };
    this.live.set(session.sessionId, session);
    const onLeave = (): void => {
      session.endedBecause ??= 'the terminal was closed';
      exec.close();
    };
    sink.signal.addEventListener('abort', onLeave, { once: true });
    const coalescer = new Coalescer((bytes) => sink.emit({ type: 'output', base64: bytes.toString('base64') }));
    let reason: string;
    try {
      if (sink.signal.aborted) onLeave();
      sink.emit({ type: 'ready', sessionId: session.sessionId });
      for await (const chunk of exec.output) coalescer.push(chunk);
      reason = session.endedBecause ?? 'the shell exited';
    } catch (error) {
      reason =
        session.endedBecause ??
        `the connection to the engine was lost: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      sink.signal.removeEventListener('abort', onLeave);
      this.live.delete(session.sessionId);
      exec.close();
    }
    try {
      coalescer.flush();
      sink.emit({ type: 'exit', reason });
    } finally {
      markDone();
    }
    return reason;
  }

  private session(sessionId: string): LiveSession {
    const session = this.live.get(sessionId);
    if (!session) {
      throw new ContractError(
        'NOT_FOUND',
        'No open terminal session with this id: it has ended or was never opened here; open a new terminal',
        'sessionId',
      );
    }
    return session;
  }

  write(sessionId: string, base64: string): void {
    const session = this.session(sessionId);
    if (!BASE64.test(base64) || base64.length % 4 !== 0) {
      throw new ContractError('BAD_INPUT', 'Terminal input must be base64', 'base64');
    }
    const bytes = Buffer.from(base64, 'base64');
    if (bytes.byteLength > 0) session.exec.write(bytes);
  }

  async resize(sessionId: string, columns: number, rows: number): Promise<void> {
    await this.session(sessionId).exec.resize(columns, rows);
  }

  /** Ends every open session (the host is closing); each subscriber gets an exit naming why. */
  async closeAll(reason = 'HoldCell closed the terminal'): Promise<void> {
    const sessions = [...this.live.values()];
    for (const session of sessions) {
      session.endedBecause ??= reason;
      session.exec.close();
    }
    await Promise.all(sessions.map((session) => session.done));
  }

  /** Sessions currently open, for tests and diagnostics. */
  list(): TerminalSessionInfo[] {
    return [...this.live.values()].map(({ sessionId, engineId, containerId }) => ({
      sessionId,
      engineId,
      containerId,
    }));
  }
}
