// SHA-256 of tar contents on a worker thread, so hashing (the main cost of indexing) runs beside tar parsing.
//
// The indexer hands over copies of the bytes it reads, tagged with what they belong to: a file's content (by
// entry number, with first/last marks) or the whole stream (a layer's diff_id). One worker serves every index
// run of the process, keyed by run; it starts on first use and is unref'd, so it never keeps a CLI alive.
// Copies are batched (about 1 MiB per message) and bounded in flight, so memory stays flat whatever the tar.
import type { Worker } from 'node:worker_threads';
import { inlineWorker } from './inline-worker.js';

/** Bytes handed over before the indexer is asked to wait for the worker to catch up. */
const MAX_IN_FLIGHT = 32 * 1024 * 1024;
const BATCH_BYTES = 1024 * 1024;
/** Returned batches kept for reuse: enough to cover what is in flight. */
const SPARE_BATCHES = 40;

const FIRST = 1;
const LAST = 2;
const STREAM = 4;

// The worker's module, as text (inline-worker.ts).
const WORKER_SOURCE = `
import { parentPort } from 'node:worker_threads';
import { createHash, hash } from 'node:crypto';
const files = new Map();
const streams = new Map();
parentPort.on('message', (message) => {
  const run = message.run;
  if (message.type === 'batch') {
    const bytes = Buffer.from(message.buffer);
    const ops = message.ops;
    const digests = [];
    for (let at = 0; at < ops.length; at += 4) {
      const flags = ops[at], seq = ops[at + 1], offset = ops[at + 2], length = ops[at + 3];
      const piece = bytes.subarray(offset, offset + length);
      if (flags & ${STREAM}) {
        let state = streams.get(run);
        if (state === undefined) { state = createHash('sha256'); streams.set(run, state); }
        state.update(piece);
        continue;
      }
      const key = run + ':' + seq;
      if ((flags & ${FIRST}) && (flags & ${LAST})) { digests.push(seq, hash('sha256', piece, 'hex')); continue; }
      let state = files.get(key);
      if (flags & ${FIRST}) { state = createHash('sha256'); files.set(key, state); }
      if (state === undefined) continue;
      state.update(piece);
      if (flags & ${LAST}) { digests.push(seq, state.digest('hex')); files.delete(key); }
    }
    // The batch's memory goes back to the indexer for reuse (fresh memory costs page faults on every batch).
    parentPort.postMessage({ type: 'digests', run, bytes: message.bytes, digests, buffer: message.buffer }, [message.buffer]);
  } else if (message.type === 'end') {
    for (const key of [...files.keys()]) if (key.startsWith(run + ':')) files.delete(key);
    const stream = streams.get(run);
    streams.delete(run);
    parentPort.postMessage({ type: 'ended', run, stream: stream && !message.discard ? stream.digest('hex') : undefined });
  }
});
`;

interface RunHandlers {
  digests(digests: (number | string)[], bytes: number, buffer?: ArrayBuffer): void;
  ended(stream: string | undefined): void;
  failed(error: Error): void;
}

interface WorkerMessage {
  type: string;
  run: number;
  digests?: (number | string)[];
  bytes?: number;
  buffer?: ArrayBuffer;
  stream?: string;
}

/** The process-wide worker and the runs it serves. */
class HashWorker {
  private worker?: Worker;
  private readonly runs = new Map<number, RunHandlers>();
  private nextRun = 1;

  open(handlers: RunHandlers): { run: number; post: (message: unknown, transfer?: ArrayBuffer[]) => void } {
    const worker = this.start();
    const run = this.nextRun;
    this.nextRun += 1;
    this.runs.set(run, handlers);
    if (this.runs.size === 1) worker.ref();
    return { run, post: (message, transfer) => worker.postMessage(message, transfer ?? []) };
  }

  close(run: number): void {
    this.runs.delete(run);
    if (this.runs.size === 0) this.worker?.unref();
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = inlineWorker(WORKER_SOURCE);
    worker.on('message', (message: WorkerMessage) => {
      const handlers = this.runs.get(message.run);
      if (handlers === undefined) return;
      if (message.type === 'digests') handlers.digests(message.digests ?? [], message.bytes ?? 0, message.buffer);
      else if (message.type === 'ended') handlers.ended(message.stream);
    });
    const fail = (error: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      const runs = [...this.runs.values()];
      this.runs.clear();
      for (const handlers of runs) handlers.failed(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the hashing worker exited (code ${code})`)));
    // After the listeners, as in the range pool: adding a 'message' listener refs the worker's port again.
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

const shared = new HashWorker();

/** One index run's view of the worker: hand over bytes, then collect every digest. */
export class ContentHasher {
  private readonly run: number;
  private readonly post: (message: unknown, transfer?: ArrayBuffer[]) => void;
  // Never from Buffer's shared pool: each batch's memory is transferred to the worker whole, and comes back.
  private batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
  private readonly spare: ArrayBuffer[] = [];
  private batchUsed = 0;
  private ops: number[] = [];
  private inFlight = 0;
  private waiting?: () => void;
  private ending?: { resolve: (stream: string | undefined) => void; reject: (error: Error) => void };
  private failure?: Error;

  /** `onDigest` receives each file's SHA-256 (by the entry number given to `file`) as the worker finishes it. */
  constructor(private readonly onDigest: (seq: number, sha256: string) => void) {
    const { run, post } = shared.open({
      digests: (digests, bytes, buffer) => {
        for (let at = 0; at < digests.length; at += 2) this.onDigest(digests[at] as number, digests[at + 1] as string);
        if (buffer !== undefined && buffer.byteLength === BATCH_BYTES && this.spare.length < SPARE_BATCHES) {
          this.spare.push(buffer);
        }
        this.inFlight -= bytes;
        if (this.inFlight <= MAX_IN_FLIGHT / 2) this.wake();
      },
      ended: (stream) => {
        shared.close(this.run);
        this.ending?.resolve(stream);
      },
      failed: (error) => {
        this.failure = error;
        this.wake();
        this.ending?.reject(error);
      },
    });
    this.run = run;
    this.post = post;
  }

  /** Part of entry `seq`'s content; `first` starts the file, `last` completes it (both: the whole file). */
  file(seq: number, bytes: Uint8Array, first: boolean, last: boolean): void {
    this.add(bytes, (first ? FIRST : 0) | (last ? LAST : 0), seq);
  }

  /** Bytes of the whole stream, in order (for the stream's own SHA-256). */
  stream(bytes: Uint8Array): void {
    this.add(bytes, STREAM, 0);
  }

  /** Resolves when the worker has caught up enough to take more (immediately when it has). */
  async capacity(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.inFlight + this.batchUsed <= MAX_IN_FLIGHT) return;
    this.flush();
    await new Promise<void>((resolve) => (this.waiting = resolve));
    if (this.failure) throw this.failure;
  }

  /** Every digest delivered; resolves with the stream's SHA-256 when stream bytes were given. */
  finish(): Promise<string | undefined> {
    return this.end(false);
  }

  /** Stops: open files and the stream are dropped without digests. */
  abandon(): Promise<void> {
    return this.end(true).then(
      () => undefined,
      () => undefined,
    );
  }

  private end(discard: boolean): Promise<string | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    if (!discard) this.flush();
    return new Promise((resolve, reject) => {
      this.ending = { resolve, reject };
      this.post({ type: 'end', run: this.run, discard });
    });
  }

  private add(bytes: Uint8Array, flags: number, seq: number): void {
    if (this.failure) return;
    if (this.batchUsed + bytes.length > this.batch.length) this.flush();
    if (bytes.length > this.batch.length) this.batch = Buffer.allocUnsafeSlow(bytes.length);
    this.batch.set(bytes, this.batchUsed);
    this.ops.push(flags, seq, this.batchUsed, bytes.length);
    this.batchUsed += bytes.length;
    if (this.batchUsed >= BATCH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.ops.length === 0) return;
    // The batch's own memory moves to the worker (no copy); a fresh one takes its place.
    const buffer = this.batch.buffer as ArrayBuffer;
    this.post({ type: 'batch', run: this.run, buffer, ops: this.ops, bytes: this.batchUsed }, [buffer]);
    this.inFlight += this.batchUsed;
    const reused = this.spare.pop();
    this.batch = reused !== undefined ? Buffer.from(reused) : Buffer.allocUnsafeSlow(BATCH_BYTES);
    this.batchUsed = 0;
    this.ops = [];
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}
