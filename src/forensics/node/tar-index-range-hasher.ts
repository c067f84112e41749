// SHA-256 (and entropy) of byte ranges of an evidence file, on a pool of worker threads that read the ranges.
//
// Indexing a tar from a file, the indexer frames each large file's content (and, for an image layer, the whole
// layer range, its diff_id) and hands over only [start, end): each worker opens the file itself (O_NOFOLLOW, read
// only) and reads its ranges with positioned reads into one reused buffer, so no bytes are copied between threads
// and the indexer never even reads them. Jobs wait in one queue in this thread and go to whichever worker has
// room (a worker busy with a 2 GB layer takes nothing more), so every core hashes until the queue is empty.
// Workers are started on first use, shared by every run of the process, and unref'd when idle.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { inlineWorker } from './inline-worker.js';
import { countBytes, countSingles, entropyOf, newHistogram } from './tar-index-entropy.js';

/** Bytes of jobs a worker is given at once; more are sent as it reports them done (one batch always waiting). */
const WORKER_QUEUE_BYTES = 8 * 1024 * 1024;
/** At most this many workers, whatever the core count (past that the disk, not SHA-256, is the limit). */
const MAX_WORKERS = 4;

const STREAM_SEQ = -1;

// The worker's module, as text (inline-worker.ts);
// the entropy functions are the same source as the indexer's own (tar-index-entropy.ts).
const WORKER_SOURCE = `
import { parentPort } from 'node:worker_threads';
import { openSync, readSync, closeSync, fstatSync, constants } from 'node:fs';
import { createHash, hash } from 'node:crypto';
${newHistogram.toString()}
${countSingles.toString()}
${countBytes.toString()}
${entropyOf.toString()}
const READ = 4 * 1024 * 1024;
/** Bytes read per step before the worker looks at its messages again (a cancelled run stops within a step). */
const STEP = 32 * 1024 * 1024;
const buffer = Buffer.allocUnsafeSlow(READ);
const files = new Map();
let queue = [];
let scheduled = false;
let current;

function fdOf(run, file) {
  let fd = files.get(run);
  if (fd === undefined) {
    fd = openSync(file.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    // The very file the indexer has open (same device and inode), not whatever now sits at its path.
    const stats = fstatSync(fd, { bigint: true });
    if (String(stats.dev) !== file.dev || String(stats.ino) !== file.ino) {
      closeSync(fd);
      throw new Error('the file at ' + file.path + ' is no longer the evidence file being indexed (it was replaced)');
    }
    files.set(run, fd);
  }
  return fd;
}

function schedule() {
  if (!scheduled && (current !== undefined || queue.length > 0)) { scheduled = true; setImmediate(step); }
}

function step() {
  scheduled = false;
  const done = new Map();
  let budget = STEP;
  while (budget > 0) {
    if (current === undefined) {
      const job = queue.shift();
      if (job === undefined) break;
      current = { job, at: job.start, hash: undefined, histogram: job.entropy ? newHistogram() : undefined };
    }
    const { job } = current;
    let result;
    try {
      const fd = fdOf(job.run, job.file);
      while (current.at < job.end && budget > 0) {
        const length = Math.min(READ, job.end - current.at);
        const read = readSync(fd, buffer, 0, length, current.at);
        if (read === 0) break;
        const bytes = buffer.subarray(0, read);
        const whole = current.at === job.start && read === job.end - job.start;
        if (whole && current.hash === undefined) current.digest = hash('sha256', bytes, 'hex');
        else (current.hash ??= createHash('sha256')).update(bytes);
        if (current.histogram) countBytes(current.histogram, bytes);
        current.at += read;
        budget -= read;
        if (read < length) break;
      }
      if (current.at < job.end && budget <= 0) break;
      const digest = current.digest ?? (current.hash ?? createHash('sha256')).digest('hex');
      if (current.at < job.end && job.seq !== ${STREAM_SEQ}) {
        result = [job.seq, null, null, 'the evidence file ended ' + (job.end - current.at) + ' bytes before this file did'];
      } else {
        result = [job.seq, digest, current.histogram ? entropyOf(current.histogram, job.end - job.start) : null, null];
      }
    } catch (error) {
      result = [job.seq, null, null, String(error && error.message || error)];
    }
    current = undefined;
    let list = done.get(job.run);
    if (list === undefined) { list = []; done.set(job.run, list); }
    list.push(result, job.end - job.start);
  }
  for (const [run, results] of done) parentPort.postMessage({ type: 'done', run, results });
  schedule();
}

parentPort.on('message', (message) => {
  if (message.type === 'jobs') {
    for (let at = 0; at < message.jobs.length; at += 4) {
      const [seq, start, end, entropy] = message.jobs.slice(at, at + 4);
      queue.push({ run: message.run, file: message.file, seq, start, end, entropy });
    }
    schedule();
  } else if (message.type === 'end') {
    // The run is over (finished or abandoned): its jobs still queued are dropped, its file closed.
    let dropped = 0;
    for (const job of queue) if (job.run === message.run) dropped += job.end - job.start;
    queue = queue.filter((job) => job.run !== message.run);
    if (current !== undefined && current.job.run === message.run) {
      dropped += current.job.end - current.job.start;
      current = undefined;
    }
    // What was handed over and will never be reported done: the pool counts it as no longer queued here.
    if (dropped > 0) parentPort.postMessage({ type: 'done', run: message.run, results: [], dropped });
    const fd = files.get(message.run);
    files.delete(message.run);
    if (fd !== undefined) closeSync(fd);
  }
});
`;

interface Job {
  run: number;
  seq: number;
  start: number;
  end: number;
  entropy: boolean;
}

/** The evidence file as the indexer opened it: its path, and its identity to check the workers open the same one. */
export interface RangeFile {
  path: string;
  dev: string;
  ino: string;
}

interface RunHandlers {
  file: RangeFile;
  /** A job's outcome: a digest (and entropy), or why there is none. */
  done(seq: number, sha256: string | null, entropy: number | null, failure: string | null, bytes: number): void;
  /** The worker holding some of this run's jobs stopped. */
  failed(error: Error): void;
}

interface PoolWorker {
  thread: Worker;
  /** Bytes of jobs handed to it and not reported done. */
  queued: number;
  /** Runs it was given jobs of (told when they end). */
  runs: Set<number>;
}

/** The process-wide workers and the one queue of jobs waiting for them. */
class RangeHashPool {
  private readonly workers: PoolWorker[] = [];
  /** Jobs not yet handed to a worker: waiting[head…] (a head index, not shift(): that is O(n) per job). */
  private waiting: Job[] = [];
  private head = 0;
  private readonly runs = new Map<number, RunHandlers>();
  private nextRun = 1;
  private readonly size = Math.max(1, Math.min(MAX_WORKERS, availableParallelism()));

  open(handlers: RunHandlers): number {
    const run = this.nextRun;
    this.nextRun += 1;
    this.runs.set(run, handlers);
    return run;
  }

  add(job: Job): void {
    this.waiting.push(job);
  }

  private get anyWaiting(): boolean {
    return this.head < this.waiting.length;
  }

  /** Hands waiting jobs to every worker with room (starting another, up to the core count, when all are full). */
  dispatch(): void {
    if (!this.anyWaiting) return;
    for (let at = 0; at < this.size && this.anyWaiting; at += 1) {
      // Existing workers first; one more is started only when every one of them is full.
      if (at === this.workers.length) this.workers.push(this.start());
      const worker = this.workers[at] as PoolWorker;
      if (worker.queued >= WORKER_QUEUE_BYTES) continue;
      // Jobs in queue order, per run (a message names one run's file), until the worker's share is full.
      const batches = new Map<number, number[]>();
      while (this.anyWaiting && worker.queued < WORKER_QUEUE_BYTES) {
        const job = this.waiting[this.head] as Job;
        this.head += 1;
        if (!this.runs.has(job.run)) continue;
        let batch = batches.get(job.run);
        if (batch === undefined) batches.set(job.run, (batch = []));
        batch.push(job.seq, job.start, job.end, job.entropy ? 1 : 0);
        worker.queued += job.end - job.start;
      }
      if (!this.anyWaiting) {
        this.waiting = [];
        this.head = 0;
      }
      for (const [run, jobs] of batches) {
        worker.runs.add(run);
        worker.thread.ref();
        worker.thread.postMessage({ type: 'jobs', run, file: this.runs.get(run)?.file, jobs });
      }
    }
  }

  /** The run is over: its waiting jobs are dropped and every worker that had some is told. */
  close(run: number): void {
    this.runs.delete(run);
    this.waiting = this.waiting.slice(this.head).filter((job) => job.run !== run);
    this.head = 0;
    for (const worker of this.workers) {
      if (!worker.runs.delete(run)) continue;
      worker.thread.postMessage({ type: 'end', run });
    }
  }

  private start(): PoolWorker {
    const thread = inlineWorker(WORKER_SOURCE);
    const worker: PoolWorker = { thread, queued: 0, runs: new Set() };
    thread.on('message', (message: { run: number; results: (string | number | null)[]; dropped?: number }) => {
      const handlers = this.runs.get(message.run);
      worker.queued -= message.dropped ?? 0;
      for (let at = 0; at < message.results.length; at += 2) {
        worker.queued -= message.results[at + 1] as number;
        const [seq, sha256, entropy, failure] = message.results[at] as unknown as [
          number,
          string | null,
          number | null,
          string | null,
        ];
        handlers?.done(seq, sha256, entropy, failure, message.results[at + 1] as number);
      }
      if (worker.queued <= 0) {
        worker.queued = 0;
        if (!this.anyWaiting) thread.unref();
      }
      this.dispatch();
    });
    const fail = (error: Error): void => {
      const at = this.workers.indexOf(worker);
      if (at < 0) return;
      this.workers.splice(at, 1);
      for (const run of worker.runs) this.runs.get(run)?.failed(error);
    };
    thread.on('error', fail);
    thread.on('exit', (code) => fail(new Error(`a range-hashing worker exited (code ${code})`)));
    // After the listeners: adding a 'message' listener refs the worker's port again (an idle worker then kept
    // the process alive forever: found when a CLI run never exited).
    thread.unref();
    return worker;
  }
}

const pool = new RangeHashPool();

/** One indexed file's view of the pool: queue ranges, then wait for every digest. */
export class RangeHashRun {
  private readonly run: number;
  private outstanding = 0;
  private pendingFileBytes = 0;
  private stream?: { sha256?: string; failure?: string };
  private failure?: Error;
  private settle?: () => void;
  private closed = false;

  /**
   * `onDigest` gets each file range's SHA-256 and entropy (null unless asked for), or the reason it has none.
   * `file` is opened by the workers with O_NOFOLLOW and must be the same device and inode the indexer reads.
   */
  constructor(
    file: RangeFile,
    private readonly onDigest: (
      seq: number,
      sha256: string | null,
      entropy: number | null,
      failure: string | null,
    ) => void,
  ) {
    this.run = pool.open({
      file,
      done: (seq, sha256, entropy, failure, bytes) => {
        this.outstanding -= 1;
        if (seq === STREAM_SEQ) this.stream = sha256 === null ? { failure: failure ?? 'no digest' } : { sha256 };
        else {
          this.pendingFileBytes -= bytes;
          this.onDigest(seq, sha256, entropy, failure);
        }
        if (this.outstanding === 0) this.settle?.();
      },
      failed: (error) => {
        this.failure = error;
        this.settle?.();
      },
    });
  }

  /** Entry `seq`'s content at [start, end) of the file; its entropy too when `entropy`. */
  file(seq: number, start: number, end: number, entropy: boolean): void {
    this.outstanding += 1;
    this.pendingFileBytes += end - start;
    pool.add({ run: this.run, seq, start, end, entropy });
  }

  /** The SHA-256 of [start, end) of the file, or of what there is of it (a layer's diff_id). */
  wholeRange(start: number, end: number): void {
    this.outstanding += 1;
    pool.add({ run: this.run, seq: STREAM_SEQ, start, end, entropy: false });
  }

  /** Bytes of the files handed over whose digest has not come back (what progress must not count as done yet). */
  get pendingBytes(): number {
    return this.pendingFileBytes;
  }

  /** Sends what was queued to the workers (call after each chunk of parsing). */
  flush(): void {
    pool.dispatch();
  }

  /**
   * Every digest delivered; resolves with the whole range's SHA-256 when one was asked for, or the failure.
   * Rejects with the signal's reason as soon as it aborts (the workers drop what is left of this run).
   */
  async finish(signal?: AbortSignal): Promise<{ sha256?: string; failure?: string }> {
    pool.dispatch();
    if (this.outstanding > 0 && this.failure === undefined) {
      const onAbort = (): void => this.settle?.();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await new Promise<void>((resolve) => {
          this.settle = resolve;
          if (signal?.aborted) resolve();
        });
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    }
    this.close();
    signal?.throwIfAborted();
    if (this.failure !== undefined) return { failure: `a hashing worker failed (${this.failure.message})` };
    if (this.stream?.failure !== undefined) return { failure: `the whole-range hash failed: ${this.stream.failure}` };
    return this.stream?.sha256 !== undefined ? { sha256: this.stream.sha256 } : {};
  }

  /** Stops: jobs not done are dropped, their digests never delivered. */
  abandon(): void {
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    pool.close(this.run);
  }
}
