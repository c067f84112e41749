// Keeps reading an engine stream while the case writes: a bounded read-ahead that hands over batched chunks.
//
// The case's evidence writer takes one chunk, writes it, hashes it, then asks for the next. Fed the engine's
// ~40 KiB socket reads directly, a 250 MB export is ~6,000 such round trips during which nobody reads the
// socket, so the engine stalls on a full socket buffer each time. Reading ahead (bounded) and handing over up
// to 1 MiB at a time keeps the engine streaming while the disk write runs. Order and bytes are unchanged; a
// failure is reported only after every byte that arrived before it was handed over, so a partial item is still
// an exact prefix of what the engine sent. A source that can push (EngineStream.listen) is read in push mode.
//
// Every byte is copied once, on arrival, into the batch being filled: a pushing transport hands over views of
// its reused read buffer (valid only during the call), and one copy on arrival replaces gathering the parts
// again later (Buffer.concat) — the same CPU as before, one allocation per batch instead of one per read. With
// `recycle`, a batch whose last part the consumer has finished with is filled again instead of a fresh one: fresh
// memory costs a page fault per 4 KiB on first touch (~50–150 ms of system CPU per 275 MB on the bench machine).
import type { EngineStream } from './container-engine.js';

export interface ReadAheadOptions {
  /** Largest chunk handed over (smaller when less is buffered: never waits to fill a batch). */
  batchBytes?: number;
  /** Reading pauses while this much is buffered and not yet handed over. */
  maxBufferedBytes?: number;
  /**
   * The consumer is done with a chunk when it asks for the next one (the case's evidence writer is: it writes,
   * hashes and keeps its tail copy before asking), so that chunk's memory may be filled again. Off by default:
   * a consumer that keeps chunks would see them overwritten.
   */
  recycle?: boolean;
}

const DEFAULT_BATCH = 1024 * 1024;
const DEFAULT_MAX_BUFFERED = 8 * 1024 * 1024;
/**
 * A writer that keeps up would otherwise take each ~64 KiB socket read on its own: thousands of disk writes and
 * hash calls, each with a fixed cost. It waits up to LINGER_MS for a batch of MIN_BATCH to gather (never when the
 * stream has ended, and only once per chunk handed over, so a slow trickle still flows).
 */
const MIN_BATCH = 256 * 1024;
const LINGER_MS = 2;
/** Batches kept for refilling: the buffer bound plus the one with the consumer, and a little slack. */
const MAX_SPARE = 16;

/** Full batches waiting, and the batch being filled (bytes [start, fill) of `current` not yet handed over). */
class Batches {
  private readonly full: Uint8Array[] = [];
  private current: Buffer | undefined;
  private start = 0;
  private fill = 0;
  /** Memory of batches wholly handed over and finished with, refilled before anything new is allocated. */
  private readonly spare: ArrayBuffer[] = [];
  /** The batch whose last part the consumer holds: free once it asks again. */
  private lent: ArrayBuffer | undefined;
  buffered = 0;

  constructor(
    private readonly batchBytes: number,
    private readonly recycle: boolean,
  ) {}

  get empty(): boolean {
    return this.buffered === 0;
  }

  /** Copies bytes in: the caller may reuse its memory as soon as this returns. */
  add(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.byteLength) {
      if (this.current === undefined) {
        // Its own memory per batch (not the shared pool): a batch handed over is written again only when recycled.
        const memory = this.spare.pop();
        this.current = memory === undefined ? Buffer.allocUnsafeSlow(this.batchBytes) : Buffer.from(memory);
        this.start = 0;
        this.fill = 0;
      }
      const copied = Math.min(bytes.byteLength - at, this.batchBytes - this.fill);
      this.current.set(bytes.subarray(at, at + copied), this.fill);
      this.fill += copied;
      at += copied;
      if (this.fill === this.batchBytes) {
        this.full.push(this.current.subarray(this.start, this.fill));
        this.current = undefined;
      }
    }
    this.buffered += bytes.byteLength;
  }

  /** The oldest full batch, else what the current one holds so far (it keeps filling after that part). */
  take(): Uint8Array {
    let batch = this.full.shift();
    if (batch === undefined) {
      batch = (this.current as Buffer).subarray(this.start, this.fill);
      this.start = this.fill;
    }
    this.buffered -= batch.byteLength;
    // The part that ends its batch: once the consumer asks again, no part of that batch is in use any more.
    if (this.recycle && batch.byteOffset + batch.byteLength === this.batchBytes) {
      this.lent = batch.buffer as ArrayBuffer;
    }
    return batch;
  }

  /** The consumer asked for more: the batch it finished with can be filled again. */
  release(): void {
    if (this.lent !== undefined && this.spare.length < MAX_SPARE) this.spare.push(this.lent);
    this.lent = undefined;
  }

  clear(): void {
    this.full.length = 0;
    this.current = undefined;
    this.spare.length = 0;
    this.lent = undefined;
    this.buffered = 0;
  }
}

export function readAhead(source: EngineStream, options: ReadAheadOptions = {}): EngineStream {
  const batchBytes = options.batchBytes ?? DEFAULT_BATCH;
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
  const batches = new Batches(batchBytes, options.recycle === true);
  let ended = false;
  let failure: { error: unknown } | undefined;
  let destroyed: Error | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakeReader: (() => void) | undefined;
  let started = false;

  const notifyConsumer = (): void => {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  };
  const notifyReader = (): void => {
    const wake = wakeReader;
    wakeReader = undefined;
    wake?.();
  };

  /** Push mode: no promise per chunk; the source is paused while the buffer is full and resumed when drained. */
  const listen = (listenable: Required<Pick<EngineStream, 'listen'>>): void => {
    let paused = false;
    const flow = listenable.listen({
      data: (chunk) => {
        if (destroyed || chunk.byteLength === 0) return;
        batches.add(chunk);
        notifyConsumer();
        if (batches.buffered >= maxBufferedBytes && !paused) {
          paused = true;
          flow.pause();
          wakeReader = () => {
            paused = false;
            flow.resume();
          };
        }
      },
      end: () => {
        ended = true;
        notifyConsumer();
      },
      error: (error) => {
        failure = { error };
        ended = true;
        notifyConsumer();
      },
    });
  };

  const read = async (): Promise<void> => {
    if (source.listen !== undefined) {
      listen({ listen: source.listen.bind(source) });
      return;
    }
    try {
      for await (const chunk of source) {
        if (destroyed) return;
        if (chunk.byteLength === 0) continue;
        batches.add(chunk);
        notifyConsumer();
        while (batches.buffered >= maxBufferedBytes && !destroyed) {
          await new Promise<void>((resolve) => (wakeReader = resolve));
        }
      }
    } catch (error) {
      failure = { error };
    } finally {
      ended = true;
      notifyConsumer();
    }
  };

  const start = (): void => {
    if (started) return;
    started = true;
    void read();
  };

  const next = async (): Promise<IteratorResult<Uint8Array>> => {
    start();
    // Asking again means the previous chunk is finished with (the `recycle` contract): its batch may refill now.
    batches.release();
    let lingered = false;
    for (;;) {
      if (destroyed) throw destroyed;
      if (!batches.empty && batches.buffered < Math.min(MIN_BATCH, batchBytes) && !ended && !lingered) {
        lingered = true;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, LINGER_MS);
          wakeConsumer = () => {
            if (batches.buffered < Math.min(MIN_BATCH, batchBytes) && !ended && !destroyed) return;
            clearTimeout(timer);
            resolve();
          };
        });
        wakeConsumer = undefined;
        continue;
      }
      if (!batches.empty) {
        const chunk = batches.take();
        notifyReader();
        return { done: false, value: chunk };
      }
      if (ended) {
        if (failure) throw failure.error;
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => (wakeConsumer = resolve));
    }
  };

  const destroy = (reason?: Error): void => {
    if (destroyed) return;
    destroyed = reason ?? new Error('read-ahead destroyed');
    batches.clear();
    source.destroy(reason);
    notifyReader();
    notifyConsumer();
  };

  // Reading starts now, not at the writer's first request: the case needs a few file operations before it asks,
  // and bytes that arrive meanwhile must already be ours if the connection breaks then (a body destroyed before
  // anyone read it loses what it had buffered). The buffer bound above still holds.
  start();

  return {
    [Symbol.asyncIterator]: () => ({
      next,
      return: async () => {
        destroy();
        return { done: true, value: undefined };
      },
    }),
    destroy,
  };
}
