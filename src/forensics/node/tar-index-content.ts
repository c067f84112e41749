// Content digests while indexing: each regular file's SHA-256 (and entropy when large), and the whole stream's.
//
// Bytes arrive by position as the tar is read; a file's content is fed in order, piece by piece, whatever the
// chunking. In a large tar read as a stream (a gzip layer), large files and the stream hash go to the hashing
// worker (SHA-256 then runs beside tar parsing); small files are hashed here in one shot, cheaper than copying them
// to the worker. In a small tar everything is hashed here (no worker to wake). A large tar read from a file sends
// its large files and stream hash to the range workers instead (tar-index-range-hasher.ts) and only its small
// files come here. The byte histogram for entropy of what comes here runs here.
import { createHash, hash as oneShotHash, type Hash } from 'node:crypto';
import { ENTROPY_MIN_BYTES, type IndexEntry } from '../common/tar-index-model.js';
import { countBytes, entropyOf, newHistogram } from './tar-index-entropy.js';
import { ContentHasher } from './tar-index-hasher.js';

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** Files at least this big are hashed on the worker (when the tar uses it); smaller ones cost less here. */
export const WORKER_FILE_MIN_BYTES = 256 * 1024;

/** A file whose content is being taken in. */
export interface OpenFile {
  entry: IndexEntry;
  /** Absolute positions of the content in the stream. */
  start: number;
  end: number;
  /** Bytes of it taken in so far. */
  taken: number;
}

interface OpenContent extends OpenFile {
  seq: number;
  onWorker: boolean;
  hash?: Hash;
  /** Byte counts (tar-index-entropy.ts). */
  histogram?: Uint32Array;
}

export class ContentDigests {
  private open?: OpenContent;
  /** Started on first use, so a tar without large files never wakes the worker. */
  private hasher?: ContentHasher;
  private readonly useWorker: boolean;
  private readonly streamHash?: Hash;
  /** Files handed to the worker whose digest has not come back yet. */
  private readonly pending = new Map<number, IndexEntry>();
  private readonly wantsStream: boolean;

  constructor(options: { worker: boolean; stream: boolean }) {
    this.wantsStream = options.stream;
    this.useWorker = options.worker;
    if (options.stream && !options.worker) this.streamHash = createHash('sha256');
  }

  private worker(): ContentHasher {
    this.hasher ??= new ContentHasher((seq, sha256) => {
      const entry = this.pending.get(seq);
      this.pending.delete(seq);
      if (entry !== undefined) entry.sha256 = sha256;
    });
    return this.hasher;
  }

  get current(): OpenFile | undefined {
    return this.open;
  }

  /** Every byte of the stream, in order (only when the stream's own SHA-256 was asked for). */
  stream(chunk: Buffer): void {
    if (this.useWorker) this.worker().stream(chunk);
    else this.streamHash?.update(chunk);
  }

  /**
   * Starts taking in entry `seq`'s content at [start, end) of the stream, with whatever part of it already
   * arrived. Returns the entry left unfinished by this (never expected: the framing hands files out in order).
   */
  begin(
    entry: IndexEntry,
    seq: number,
    start: number,
    end: number,
    arrived: Buffer | undefined,
  ): IndexEntry | undefined {
    const unfinished = this.open?.entry;
    const onWorker = this.useWorker && end - start >= WORKER_FILE_MIN_BYTES;
    const content: OpenContent = { entry, seq, start, end, taken: 0, onWorker };
    if (entry.size >= ENTROPY_MIN_BYTES) content.histogram = newHistogram();
    this.open = content;
    if (arrived !== undefined && arrived.length > 0) this.take(content, arrived);
    return unfinished;
  }

  /** The part of `chunk` (which starts at stream position chunkStart) that belongs to the open file. */
  feed(chunk: Buffer, chunkStart: number): void {
    const content = this.open;
    if (content === undefined) return;
    const from = Math.max(content.start + content.taken, chunkStart);
    const to = Math.min(content.end, chunkStart + chunk.length);
    if (to > from) this.take(content, chunk.subarray(from - chunkStart, to - chunkStart));
  }

  /** Waits while the worker is far behind (bounded memory); immediate without a worker. */
  async capacity(): Promise<void> {
    await this.hasher?.capacity();
  }

  /**
   * Waits for every digest. Resolves with the stream's SHA-256 (when asked for) or, if the worker failed, with
   * the reason; files whose digest did not come back are then left without one.
   */
  async finish(): Promise<{ sha256?: string; failure?: string }> {
    if (this.hasher === undefined) {
      if (this.streamHash) return { sha256: this.streamHash.digest('hex') };
      return this.wantsStream ? { sha256: EMPTY_SHA256 } : {};
    }
    try {
      // The worker keeps no stream state before the first byte: an empty stream has the empty digest.
      const sha256 = (await this.hasher.finish()) ?? (this.wantsStream ? EMPTY_SHA256 : undefined);
      return sha256 !== undefined ? { sha256 } : {};
    } catch (error) {
      return {
        failure: `the hashing worker failed (${(error as Error).message}): ${this.pending.size} files left without a hash`,
      };
    }
  }

  async abandon(): Promise<void> {
    await this.hasher?.abandon();
  }

  private take(content: OpenContent, bytes: Buffer): void {
    const total = content.end - content.start;
    const first = content.taken === 0;
    const last = content.taken + bytes.length >= total;
    if (content.onWorker) {
      if (first) this.pending.set(content.seq, content.entry);
      this.worker().file(content.seq, bytes, first, last);
    } else if (first && last) {
      // The whole file in one piece: a one-shot hash is much cheaper than a Hash object per file.
      content.entry.sha256 = oneShotHash('sha256', bytes, 'hex');
    } else {
      content.hash ??= createHash('sha256');
      content.hash.update(bytes);
    }
    if (content.histogram !== undefined) countBytes(content.histogram, bytes);
    content.taken += bytes.length;
    if (last) {
      if (content.hash !== undefined) content.entry.sha256 = content.hash.digest('hex');
      if (content.histogram !== undefined) content.entry.entropy = entropyOf(content.histogram, total);
      this.open = undefined;
    }
  }
}
