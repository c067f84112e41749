// Reading trace files a block at a time: lines split on newline bytes, strace lines lexed here or on a worker thread.
//
// No readline: it is slower than the parser. Blocks are 512 KiB, below V8's external-string size, so a decoded
// block is an ordinary flat string that the parser reads in place (no substring per line). Large strace inputs
// are lexed on a worker thread (strace-lexer.ts is stateless per line) while this thread assembles and replays.
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LexedLines } from '../common/trace/strace-lexer.js';
import type { StraceParser } from '../common/trace/strace-parser.js';
import type { LexRequest, LexResponse } from './trace-lexer-worker.js';

/** Below V8's external-string size (~1 MB), so each decoded chunk is an ordinary flat string. */
export const CHUNK = 512 * 1024;

/** Takes a chunk of whole lines at once (parsed in place) and the input's last, unterminated line. */
export interface LineConsumer {
  chunk(text: string): void;
  line(text: string, final: boolean): void;
  /** A line longer than MAX_LINE_BYTES: not read, only counted (and skipped, with its length). */
  longLine(bytes: number, final: boolean): void;
}

/**
 * The longest line read. Found by bench:parsers: a file with no newline at all grew one line in memory until the
 * process ran out (or past V8's 512 MiB string limit); strace -s and Falco/Tetragon lines are far below this.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/**
 * The start of a line cut by a block's end, kept as pieces and joined once, when its newline (or the input's end)
 * arrives. Found by bench:parsers: joining the whole carry again for every 512 KiB block of a newline-free line
 * cost O(n²) (an 80 MiB line: 87× the time of an 8 MiB one, not 10×).
 */
class Carry {
  private parts: Buffer[] = [];
  /** Bytes of the line so far, kept or not. */
  length = 0;

  /** Adds a piece; `copy` when the caller reuses its buffer. Beyond MAX_LINE_BYTES pieces are only counted. */
  add(bytes: Buffer, copy: boolean): void {
    if (bytes.length === 0) return;
    this.length += bytes.length;
    if (this.length > MAX_LINE_BYTES) this.parts = [];
    else this.parts.push(copy ? Buffer.from(bytes) : bytes);
  }

  /** The carried bytes followed by `tail` as one buffer, or their count when too long; the carry is then empty. */
  take(tail?: Buffer): Buffer | { bytes: number } {
    const bytes = this.length + (tail?.length ?? 0);
    const parts = tail === undefined ? this.parts : [...this.parts, tail];
    this.parts = [];
    this.length = 0;
    if (bytes > MAX_LINE_BYTES) return { bytes };
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }
}

/** A line cut across blocks, decoded, or the byte count of one too long to read. */
type CutLine = string | { bytes: number };

const decoded = (taken: Buffer | { bytes: number }, encoding: 'latin1' | 'utf8'): CutLine =>
  Buffer.isBuffer(taken) ? taken.toString(encoding) : taken;

function deliverLine(consumer: LineConsumer, line: CutLine, final: boolean): void {
  if (typeof line === 'string') consumer.line(line, final);
  else consumer.longLine(line.bytes, final);
}

export class LineReader {
  // Two buffers: the next chunk is read while this one is parsed, so the parser never waits for the disk.
  private readonly buffers = [Buffer.alloc(CHUNK), Buffer.alloc(CHUNK)];
  private current = 0;
  private position = 0;
  private pending: Promise<number> | undefined;
  /** The start of a line cut by the end of the previous chunk (copied: the buffers are reused). */
  private readonly carry = new Carry();
  private handle: Awaited<ReturnType<typeof open>> | undefined;
  private done = false;

  constructor(
    private readonly file: string,
    private readonly encoding: 'latin1' | 'utf8',
    private readonly consumer: LineConsumer,
    private readonly progress: (bytes: number) => void,
    private readonly signal: AbortSignal | undefined,
  ) {}

  private read(buffer: Buffer): Promise<number> {
    const handle = this.handle;
    if (handle === undefined) return Promise.resolve(0);
    const at = this.position;
    return handle.read(buffer, 0, buffer.length, at).then(({ bytesRead }) => bytesRead);
  }

  /** Reads and splits one chunk; false once the file is exhausted (and closed). */
  async step(): Promise<boolean> {
    if (this.done) return false;
    this.signal?.throwIfAborted();
    this.handle ??= await open(this.file, 'r');
    const buffer = this.buffers[this.current] as Buffer;
    const bytesRead = await (this.pending ?? this.read(buffer));
    this.position += bytesRead;
    this.current ^= 1;
    this.pending = bytesRead === 0 ? undefined : this.read(this.buffers[this.current] as Buffer);
    if (bytesRead === 0) {
      if (this.carry.length > 0) deliverLine(this.consumer, decoded(this.carry.take(), this.encoding), true);
      await this.close();
      return false;
    }
    this.progress(bytesRead);
    const data = buffer.subarray(0, bytesRead);
    const first = data.indexOf(10);
    if (first < 0) {
      // No line ends in this chunk (a very long line): keep collecting it (a copy: the buffer is reused).
      this.carry.add(data, true);
      return true;
    }
    let start = 0;
    if (this.carry.length > 0) {
      // The line cut at the previous chunk's end, completed: parsed on its own, the rest in place.
      deliverLine(this.consumer, decoded(this.carry.take(data.subarray(0, first)), this.encoding), false);
      start = first + 1;
    }
    const last = data.lastIndexOf(10);
    // One decode per chunk of whole lines; the consumer splits it with indexOf and parses lines in place.
    if (last >= start) this.consumer.chunk(data.toString(this.encoding, start, last));
    this.carry.add(data.subarray(last + 1), true);
    return true;
  }

  async close(): Promise<void> {
    this.done = true;
    const handle = this.handle;
    this.handle = undefined;
    // A prefetch may still be running: let it settle before the handle closes.
    await this.pending?.catch(() => 0);
    this.pending = undefined;
    await handle?.close();
  }
}

/** A worker thread lexing strace blocks (see trace-lexer-worker.ts); requests are answered in order. */
export class LexerWorker {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (value: LexResponse) => void; reject: (error: Error) => void }
  >();
  private failure: Error | undefined;

  constructor(script: URL) {
    this.worker = new Worker(script);
    this.worker.on('message', (response: LexResponse) => {
      const entry = this.waiting.get(response.id);
      this.waiting.delete(response.id);
      if (this.waiting.size === 0) this.worker.unref();
      entry?.resolve(response);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => {
      this.fail(new Error(`the strace lexer worker exited (${code})`));
      for (const listener of this.exitListeners) listener();
    });
    // Held only while blocks are out (lex refs it, the last answer unrefs it): an idle lexer never keeps the
    // process alive. After the listeners: adding a message listener refs the port.
    this.worker.unref();
  }

  private readonly exitListeners: (() => void)[] = [];

  onExit(listener: () => void): void {
    this.exitListeners.push(listener);
  }

  /** False once the worker failed or exited: a new one is needed. */
  get usable(): boolean {
    return this.failure === undefined;
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const entry of this.waiting.values()) entry.reject(error);
    this.waiting.clear();
    this.worker.unref();
  }

  /** Lexes a block of whole lines; the bytes' memory is handed to the worker (do not reuse it). */
  lex(bytes: Uint8Array): Promise<LexResponse> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    const request: LexRequest = { id, bytes };
    return new Promise<LexResponse>((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage(request, [bytes.buffer as ArrayBuffer]);
    });
  }
}

let shared: LexerWorker | undefined;

/**
 * The process's lexer worker, started on first use and kept (unref'd) for later imports: a host replaying
 * several traces pays the thread's start and warm-up once.
 */
export function sharedLexerWorker(script: URL): LexerWorker {
  if (shared === undefined || !shared.usable) {
    shared = new LexerWorker(script);
    shared.onExit(() => {
      shared = undefined;
    });
  }
  return shared;
}

/** The compiled worker script next to this module; undefined when running from sources (tests): no worker then. */
export function lexerWorkerScript(): URL | undefined {
  const script = new URL('./trace-lexer-worker.js', import.meta.url);
  return existsSync(fileURLToPath(script)) ? script : undefined;
}

interface Block {
  /** A line completed across the previous block's end, parsed before the block. */
  head: CutLine | undefined;
  /** The block's text, decoded here too: sending it back from the worker would copy it twice. */
  text: string;
  lexed: Promise<LexResponse> | undefined;
  /** The input's last line, without a newline. */
  last: CutLine | undefined;
}

/**
 * strace input lexed on a worker thread, read ahead: while the main thread assembles and replays block n, the
 * worker lexes block n+1 and the disk delivers block n+2. Blocks are applied strictly in file order.
 */
export class WorkerLineReader {
  private handle: Awaited<ReturnType<typeof open>> | undefined;
  private position = 0;
  private readonly carry = new Carry();
  private readonly queue: Block[] = [];
  private eof = false;
  private done = false;

  constructor(
    private readonly file: string,
    private readonly worker: LexerWorker,
    private readonly parser: StraceParser,
    private readonly progress: (bytes: number) => void,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Reads one more block and sends it to the worker (or, at the end, queues the unterminated last line). */
  private async fill(): Promise<void> {
    this.handle ??= await open(this.file, 'r');
    // A fresh buffer per block: its memory moves to the worker.
    const buffer = Buffer.allocUnsafeSlow(CHUNK);
    const { bytesRead } = await this.handle.read(buffer, 0, CHUNK, this.position);
    this.position += bytesRead;
    if (bytesRead === 0) {
      this.eof = true;
      const last = this.carry.length > 0 ? decoded(this.carry.take(), 'latin1') : undefined;
      this.queue.push({ head: undefined, text: '', lexed: undefined, last });
      return;
    }
    this.progress(bytesRead);
    const data = buffer.subarray(0, bytesRead);
    const first = data.indexOf(10);
    if (first < 0) {
      // A fresh buffer per block (never reused), so it is kept as it is.
      this.carry.add(data, false);
      return;
    }
    let head: CutLine | undefined;
    let start = 0;
    if (this.carry.length > 0) {
      head = decoded(this.carry.take(data.subarray(0, first)), 'latin1');
      start = first + 1;
    }
    const last = data.lastIndexOf(10);
    // Decode the block and copy the cut line's start before the block's memory moves to the worker.
    this.carry.add(data.subarray(last + 1), true);
    const text = last >= start ? data.toString('latin1', start, last) : '';
    const lexed = last >= start ? this.worker.lex(data.subarray(start, last)) : undefined;
    // A failure surfaces when the block is applied, not as an unhandled rejection meanwhile.
    lexed?.catch(() => undefined);
    this.queue.push({ head, text, lexed, last: undefined });
  }

  /** Applies one block; false once the input is exhausted. */
  async step(): Promise<boolean> {
    if (this.done) return false;
    this.signal?.throwIfAborted();
    while (this.queue.length < 2 && !this.eof) await this.fill();
    const block = this.queue.shift();
    if (block === undefined) {
      await this.close();
      return false;
    }
    // Read and send the next block now: the disk and the worker work while this one is applied.
    const ahead = this.eof ? undefined : this.fill();
    ahead?.catch(() => undefined);
    if (block.head !== undefined) deliverLine(this.parser, block.head, false);
    if (block.lexed !== undefined) {
      const response = await block.lexed;
      this.parser.assemble(block.text, new LexedLines(0, response.ints, response.floats, response.count));
    }
    if (block.last !== undefined) deliverLine(this.parser, block.last, true);
    await ahead;
    return true;
  }

  async close(): Promise<void> {
    this.done = true;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}
