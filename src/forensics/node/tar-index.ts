// Reads a tar's blocks into IndexEntry records (raw name bytes, metadata, SHA-256, offsets); never extracts.
//
// The stream's recent bytes sit in a position-addressed window; a resumable block walk reads each header region
// from it (extension headers — PAX, GNU long names — then the entry's own header, decoded by tar-index-header.ts
// with tar-stream's rules, PAX records kept as raw bytes), frames the entry's data, and hashes each file's
// content straight from the bytes read, by position, so a parse error later in the stream can never lose a hash
// already due. Everything happens synchronously per chunk read: no stream, event or promise per entry, which is
// what made tar-stream cost most of an index's time. Nothing is written anywhere.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { ENTROPY_MIN_BYTES, type BytePath, type IndexEntry } from '../common/tar-index-model.js';
import type { TarProblem, TarProblemKind } from '../common/tar-problem.js';
import { ContentDigests, EMPTY_SHA256 } from './tar-index-content.js';
import { describeEntry } from './tar-index-entry.js';
import {
  BLOCK,
  EXTENSION_FLAGS,
  isZeroBlock,
  padding,
  PAX_GLOBAL,
  PAX_LOCAL,
  parsePaxRecords,
  tarNumber,
} from './tar-index-fields.js';
import {
  blockKind,
  decodeHeader,
  headerNumber,
  headerString,
  MAX_EXTENSION_BYTES,
  streamPaxRecords,
} from './tar-index-header.js';
import { RangeHashRun, type RangeFile } from './tar-index-range-hasher.js';
import { ByteWindow } from './tar-index-window.js';

export { EMPTY_SHA256 } from './tar-index-content.js';

/** A tar to index: a byte range of a file (read with positioned reads, links never followed) or any byte stream. */
export type TarSource =
  | { file: string; start?: number; end?: number }
  | {
      stream: AsyncIterable<Uint8Array>;
      /** Called when indexing stops early, to release the producer. */
      close?: () => void;
      /** Roughly how many bytes the stream carries (e.g. a compressed layer's size), when known. */
      sizeHint?: number;
    };

export interface TarIndexOptions {
  /** SHA-256 of each regular file's content and entropy of the large ones (default true). */
  hashContent?: boolean;
  /** File sources only: read headers and skip every entry's data (the docker save member map). */
  headersOnly?: boolean;
  /** Also the SHA-256 of every byte of the stream: a layer's diff_id. */
  streamSha256?: boolean;
  /**
   * Hash on worker threads: default for tars of PARALLEL_MIN_BYTES or more (and streams of unknown size). From a
   * file, the workers read large files' ranges (and the whole-stream hash's) themselves; from a stream, the bytes
   * are copied to one hashing worker.
   */
  parallelHashing?: boolean;
  signal?: AbortSignal;
  /** Bytes of the tar stream consumed so far, after each chunk. */
  onProgress?: (bytes: number) => void;
}

export interface TarIndex {
  /** Every entry in tar order (duplicates included); offsets are relative to the start of this tar stream. */
  entries: IndexEntry[];
  problems: TarProblem[];
  /** Bytes of the tar stream read. */
  bytes: number;
  /** The end-of-archive blocks were reached with no fault before them. */
  complete: boolean;
  /** SHA-256 of the whole stream, when asked for and every byte of it was read. */
  sha256?: string;
}

/** Below this, starting (or waking) the hashing worker costs more than hashing beside the parser saves. */
export const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;
const FILE_CHUNK = 1024 * 1024;
/**
 * From a file with worker hashing, regular files at least this big are hashed by the range workers (which read
 * them) and their bytes are never read here; smaller ones cost less in one shot beside the parser.
 */
const RANGE_MIN_BYTES = 32 * 1024;
/** With range workers, reads stay small: most large files' bytes are stepped over, not read here. */
const RANGED_CHUNK = 256 * 1024;
/** Headers-only reads stay small: most of each read would be member data we are about to skip. */
const HEADER_CHUNK = 64 * 1024;
/** Per problem kind, this many are listed; the rest are counted in one closing problem (a hostile tar cannot flood). */
const PROBLEMS_PER_KIND = 50;
/** Bytes after the end-of-archive blocks that are looked at for non-zero data (the rest is only counted). */
const TRAILER_SCAN = 64 * 1024;
const TRAILING_DETAIL =
  'non-zero bytes (another header, or junk) after the end-of-archive blocks; Docker and GNU tar ignore them, so the index does too';

/** Indexes one tar. Resolves with what was indexed even when the tar is broken (see `problems`); rejects on abort. */
export async function indexTar(source: TarSource, options: TarIndexOptions = {}): Promise<TarIndex> {
  return new TarIndexRun(options).run(source);
}

/** What the extension headers of the entry being walked said, until its own header comes. */
interface Extensions {
  /** The first extension header's offset (a global PAX header does not count). */
  headerOffset?: number;
  /** Local PAX records as bytes, global ones merged under them. */
  pax?: Map<string, string>;
  /** tar-stream's reading of the same PAX records (UTF-8): the path, linkpath and size it applied. */
  streamPax?: Map<string, string>;
  longPath?: string;
  longLink?: string;
  /**
   * Problems met on the way (malformed PAX records, a lone zero block): said only once the entry's own header
   * is read, so a region that ends in a broken header reports that alone, as it always has.
   */
  problems?: TarProblem[];
  /** An extension header whose size cannot frame anything: the walk stops there once an entry header follows. */
  unframed?: { at: number; size: number };
  /** Two zero blocks met after extension headers: the end, if an entry header follows. */
  endAt?: number;
}

class TarIndexRun {
  private readonly entries: IndexEntry[] = [];
  private readonly problems: TarProblem[] = [];
  private readonly problemCounts = new Map<TarProblemKind, number>();
  private readonly seenPaths = new Set<BytePath>();
  /** Occurrence counts, kept only for paths seen more than once. */
  private readonly repeats = new Map<BytePath, number>();
  /**
   * File reads go into a few reused buffers: a chunk comes back here when the window lets go of it (everything
   * that reads a chunk — header decoding, hashing here — is done with it by then). Fresh memory for every read
   * cost page faults and garbage collection.
   */
  private readonly spareChunks: Buffer[] = [];
  private readonly reusable = new Set<ArrayBufferLike>();
  private readonly window = new ByteWindow((chunk) => {
    if (this.reusable.has(chunk.buffer) && chunk.byteOffset === 0) this.spareChunks.push(chunk);
  });
  private readonly globals = new Map<string, string>();
  /** The last global PAX header as tar-stream read it (each one replaced the previous). */
  private streamGlobals?: Map<string, string>;
  private readonly hashContent: boolean;
  private readonly headersOnly: boolean;
  private digests?: ContentDigests;
  /** From a file with worker hashing: large files' ranges (and the whole-stream hash) go to the range workers. */
  private ranges?: RangeHashRun;
  /** A file source: where the tar starts in the file, and how far into the tar the file's bytes go. */
  private fileStart = 0;
  private sourceEnd = Infinity;
  private progressShown = 0;
  /** The last entry's content went to the range workers: the reader steps over it. */
  private lastRanged = false;
  /** Stream position reached: bytes read from the source, plus member data skipped in headers-only mode. */
  private read = 0;
  /** Where the next header region starts: the end of the last entry's padded data. */
  private nextHeaderAt = 0;
  /** The block walk: the next block to look at, the zero blocks just before it, the extensions met. */
  private walkAt = 0;
  private zeroRun = 0;
  private extensions: Extensions = {};
  /** The last entry, and where its data ends (unpadded and padded). */
  private lastEntry?: IndexEntry;
  private lastDataEnd = 0;
  private lastPaddedEnd = 0;
  private endOfArchiveAt?: number;
  /** A header that cannot be read on (bad checksum, oversized extension, invalid size), as tar-stream said it. */
  private parseError?: string;
  /** Set when indexing must stop: end of archive, parse error, or a header that cannot be framed. */
  private stopped = false;
  private trailingNonZero = false;
  /** The source stream threw (its problem is already recorded); the stream hash then covers only what came. */
  private streamFailed = false;

  constructor(private readonly options: TarIndexOptions) {
    this.hashContent = options.hashContent ?? true;
    this.headersOnly = options.headersOnly ?? false;
  }

  async run(source: TarSource): Promise<TarIndex> {
    let finished = false;
    try {
      if ('file' in source) await this.readFile(source.file, source.start ?? 0, source.end);
      else await this.readStream(source);
      finished = true;
    } finally {
      if ('stream' in source && this.stopped) source.close?.();
      if (!finished) {
        await this.digests?.abandon();
        this.ranges?.abandon();
      }
    }
    this.classifyEnd();
    // The stream hash is the range workers' when they have one, else the content digests'.
    const ranged = (await this.ranges?.finish(this.options.signal)) ?? {};
    if (ranged.failure !== undefined) this.addProblem({ kind: 'hash-failure', detail: ranged.failure });
    const digested = (await this.digests?.finish()) ?? {};
    if (digested.failure !== undefined) this.addProblem({ kind: 'hash-failure', detail: digested.failure });
    const streamSha256 = this.ranges !== undefined ? ranged.sha256 : digested.sha256;
    const result: TarIndex = {
      entries: this.entries,
      problems: this.closedProblems(),
      bytes: this.read,
      complete: this.endOfArchiveAt !== undefined,
    };
    if (this.options.streamSha256 && streamSha256 !== undefined && !this.streamFailed) result.sha256 = streamSha256;
    return result;
  }

  /** Hashing on workers for big tars, here for small ones; decided once the size is known. */
  private startDigests(size: number | undefined, file?: { file: RangeFile; start: number; end: number }): void {
    if (this.headersOnly || (!this.hashContent && !this.options.streamSha256)) return;
    const worker = this.options.parallelHashing ?? (size === undefined || size >= PARALLEL_MIN_BYTES);
    if (worker && file !== undefined) {
      this.ranges = new RangeHashRun(file.file, (seq, sha256, entropy, failure) =>
        this.ranged(seq, sha256, entropy, failure),
      );
      if (this.options.streamSha256) this.ranges.wholeRange(file.start, file.end);
      // Small files stay here; the stream hash is the workers'.
      this.digests = new ContentDigests({ worker: false, stream: false });
      return;
    }
    this.digests = new ContentDigests({ worker, stream: this.options.streamSha256 ?? false });
  }

  /** Whether the bytes must pass through here for the whole-stream hash (not when the range workers take it). */
  private get streamHashHere(): boolean {
    return (this.options.streamSha256 ?? false) && this.ranges === undefined;
  }

  /** Progress in bytes of the tar: read here, less the files still being hashed by the range workers. */
  private reportProgress(): void {
    // Never backwards: queueing a file that began in the chunk just read takes back more than that chunk added.
    this.progressShown = Math.max(this.progressShown, this.read - (this.ranges?.pendingBytes ?? 0));
    this.options.onProgress?.(this.progressShown);
  }

  /** A range worker's answer for entry `seq` (offsets are relative to the tar, the file range began at 0). */
  private ranged(seq: number, sha256: string | null, entropy: number | null, failure: string | null): void {
    const entry = this.entries[seq];
    if (entry === undefined) return;
    if (sha256 !== null) entry.sha256 = sha256;
    if (entropy !== null) entry.entropy = entropy;
    if (failure !== null) {
      this.addProblem({ kind: 'hash-failure', offset: entry.dataOffset, path: entry.path, detail: failure });
    }
    this.reportProgress();
  }

  // --- reading -----------------------------------------------------------------------------------------

  private async readFile(file: string, start: number, end: number | undefined): Promise<void> {
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    // One read ahead while the current chunk is parsed (not when skipping: the next position is not known yet).
    let ahead: { position: number; read: Promise<Buffer> } | undefined;
    const readAt = (position: number, length: number): Promise<Buffer> => {
      const buffer = this.chunkBuffer(length);
      return handle
        .read(buffer, 0, length, position)
        .then(({ bytesRead }) => (bytesRead === length ? buffer : buffer.subarray(0, bytesRead)));
    };
    try {
      const stats = await handle.stat({ bigint: true });
      const fileSize = Number(stats.size);
      const limit = end ?? fileSize;
      this.fileStart = start;
      this.sourceEnd = Math.min(limit, fileSize) - start;
      const identity = { path: file, dev: String(stats.dev), ino: String(stats.ino) };
      this.startDigests(limit - start, { file: identity, start, end: limit });
      let position = start;
      while (position < limit) {
        this.options.signal?.throwIfAborted();
        if (this.stopped && !this.streamHashHere) {
          if (this.endOfArchiveAt !== undefined) await this.scanTrailer(handle, position, limit);
          // The range workers hash the whole range: it counts as read, as when the bytes pass through here.
          if (this.ranges !== undefined && this.options.streamSha256) this.read = Math.max(this.read, this.sourceEnd);
          return;
        }
        const skipTo = this.skipTarget();
        if (skipTo !== undefined && skipTo > this.read) {
          // Headers only: the member's data is stepped over, never read from disk.
          const length = Math.min(skipTo - this.read, limit - position);
          position += length;
          this.read += length;
          if (!this.headersOnly) this.reportProgress();
          continue;
        }
        const chunkSize = this.headersOnly ? HEADER_CHUNK : this.ranges !== undefined ? RANGED_CHUNK : FILE_CHUNK;
        const length = Math.min(chunkSize, limit - position);
        const pending = ahead?.position === position ? ahead.read : readAt(position, length);
        ahead = undefined;
        const chunk = await pending;
        if (chunk.length === 0) break;
        const next = position + chunk.length;
        // Not when large files are stepped over: the next position is often past the next chunk.
        if (!this.headersOnly && this.ranges === undefined && next < limit) {
          ahead = { position: next, read: readAt(next, Math.min(FILE_CHUNK, limit - next)) };
          ahead.read.catch(() => undefined);
        }
        await this.feed(chunk);
        position = next;
      }
    } finally {
      // A read still in flight must finish before its descriptor closes.
      await ahead?.read.catch(() => undefined);
      await handle.close();
    }
  }

  private async readStream(source: { stream: AsyncIterable<Uint8Array>; sizeHint?: number }): Promise<void> {
    this.startDigests(source.sizeHint);
    try {
      for await (const chunk of source.stream) {
        this.options.signal?.throwIfAborted();
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        if (buffer.length > 0) await this.feed(buffer);
        // Without a stream hash to finish, reading stops once the end (and a look past it) is behind us.
        if (this.stopped && !this.options.streamSha256 && this.pastTrailerScan()) return;
      }
    } catch (error) {
      if (this.options.signal?.aborted) throw error;
      // A producer that fails (a corrupt gzip layer, a dropped connection) ends the tar here; what came is kept.
      this.addProblem({
        kind: 'truncated',
        offset: this.read,
        detail: `reading the tar stream failed after ${this.read} bytes: ${String((error as Error).message ?? error).slice(0, 200)}`,
      });
      this.streamFailed = true;
    }
  }

  /** A buffer of `length` bytes for a file read: a reused one of that size when there is one. */
  private chunkBuffer(length: number): Buffer {
    const spare = this.spareChunks.pop();
    if (spare !== undefined && spare.length === length) return spare;
    if (spare !== undefined) this.reusable.delete(spare.buffer);
    const buffer = Buffer.allocUnsafeSlow(length);
    // Only the usual chunk sizes are kept for reuse (a last, shorter read is not).
    if (length === FILE_CHUNK || length === RANGED_CHUNK || length === HEADER_CHUNK) this.reusable.add(buffer.buffer);
    return buffer;
  }

  private pastTrailerScan(): boolean {
    return (
      this.endOfArchiveAt === undefined ||
      this.trailingNonZero ||
      this.read >= this.endOfArchiveAt + 2 * BLOCK + TRAILER_SCAN
    );
  }

  /** In headers-only mode or past a ranged file, where the current entry's data (padding included) ends. */
  private skipTarget(): number | undefined {
    if (!(this.headersOnly || this.lastRanged) || this.stopped || this.lastEntry === undefined) return undefined;
    return this.lastPaddedEnd;
  }

  private async feed(chunk: Buffer): Promise<void> {
    const start = this.read;
    this.read += chunk.length;
    if (this.streamHashHere) this.digests?.stream(chunk);
    if (this.stopped) {
      this.checkTrailer(chunk, start);
    } else {
      this.window.push(chunk, start);
      this.digests?.feed(chunk, start);
      this.walk();
      // Bytes after end blocks met past extension headers stay (up to the trailer scan) until the walk knows.
      const endAt = this.extensions.endAt;
      const keep = endAt === undefined ? this.walkAt : Math.max(endAt + 2 * BLOCK, this.walkAt - TRAILER_SCAN);
      this.window.release(Math.min(keep, this.walkAt, this.digests?.current?.end ?? Infinity));
    }
    this.reportProgress();
    this.ranges?.flush();
    await this.digests?.capacity();
  }

  // --- the block walk ----------------------------------------------------------------------------------

  /** Reads every header region whose bytes have arrived; stops at the first that has not (resumed next chunk). */
  private walk(): void {
    while (!this.stopped && this.read >= this.walkAt + BLOCK) {
      const at = this.walkAt;
      const held = this.window.within(at, at + BLOCK) ?? this.copiedBlock(at);
      if (held === undefined) {
        // The window always holds what the walk has not passed; not finding it means our bookkeeping is wrong.
        this.stop('bad-header', at, 'header bytes missing from the read window');
        return;
      }
      const { chunk, at: inChunk } = held;
      const kind = blockKind(chunk, inChunk);
      if (kind === 'null') {
        if (!isZeroBlock(chunk, inChunk)) {
          this.stop(
            'bad-header',
            at,
            'a header block that is all zeros but its checksum field: neither an entry nor an end block; indexing stops here',
          );
          return;
        }
        this.zeroRun += 1;
        if (this.zeroRun === 2) {
          if (at - BLOCK === this.nextHeaderAt) {
            this.endOfArchive(at - BLOCK);
            return;
          }
          // After extension headers, two zero blocks end the archive only if an entry header follows them
          // (GNU tar stops at them; the walk takes them as the end once it knows they are not a cut archive).
          this.extensions.endAt ??= at - BLOCK;
        }
        this.walkAt += BLOCK;
        continue;
      }
      if (kind === 'bad-checksum') {
        this.fail('Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?');
        return;
      }
      if (this.zeroRun === 1) {
        this.deferProblem({
          kind: 'trailing-data',
          offset: at - BLOCK,
          detail: 'a lone zero block inside the archive (GNU tar would stop here); the entries after it are indexed',
        });
      }
      this.zeroRun = 0;
      const flag = chunk[inChunk + 156] ?? 0;
      if (EXTENSION_FLAGS.has(flag)) {
        if (!this.extension(at, flag, chunk, inChunk)) return;
      } else {
        this.entry(at, chunk, inChunk);
      }
    }
  }

  /** A PAX or GNU long-name header whose data has arrived: noted for the entry it precedes. False: wait or stop. */
  private extension(at: number, flag: number, chunk: Buffer, inChunk: number): boolean {
    const declared = headerNumber(chunk, inChunk + 124, 12);
    if (declared !== null && declared > MAX_EXTENSION_BYTES) {
      this.fail('Header exceeds max size');
      return false;
    }
    const size = Number(tarNumber(chunk, inChunk + 124, 12));
    if (!Number.isSafeInteger(size) || size < 0) {
      // A negative base-256 size (-1000) once moved the walk back to this very header: it never ended (a hang
      // found while building the hostile-archive corpus). Such a header frames nothing: the blocks after it are
      // read on as headers, and the walk stops here if an entry header follows (a broken one says so itself).
      this.extensions.unframed ??= { at, size };
      this.walkAt = at + BLOCK;
      return true;
    }
    if (this.read < at + BLOCK + size) return false;
    const data = this.window.slice(at + BLOCK, at + BLOCK + size);
    if (data === undefined) {
      this.stop('bad-header', at, 'extension header bytes missing from the read window');
      return false;
    }
    const found = this.extensions;
    if (flag === PAX_LOCAL || flag === PAX_GLOBAL) {
      const parsed = parsePaxRecords(data);
      if (parsed.malformedAt !== undefined) {
        this.deferProblem({
          kind: 'unusual-entry',
          offset: at,
          detail: `malformed PAX record at +${parsed.malformedAt} of the extended header; its later records are ignored`,
        });
      }
      // An empty extension header was never decoded by tar-stream: it changed nothing of the names it applied.
      const streamRecords = size > 0 ? streamPaxRecords(data) : undefined;
      if (flag === PAX_GLOBAL) {
        for (const [key, value] of parsed.records) this.globals.set(key, value);
        if (streamRecords !== undefined) this.streamGlobals = streamRecords;
      } else {
        found.headerOffset ??= at;
        found.pax = this.withGlobals(parsed.records);
        if (streamRecords !== undefined) {
          found.streamPax =
            this.streamGlobals === undefined ? streamRecords : new Map([...this.streamGlobals, ...streamRecords]);
        }
      }
    } else {
      found.headerOffset ??= at;
      // 'L' and 'N' name the next entry, 'K' its link target: up to the first NUL, as bytes.
      if (size === 0) {
        // (nothing to decode, as above)
      } else if (flag === 0x4b) found.longLink = headerString(data, 0, data.length);
      else found.longPath = headerString(data, 0, data.length);
    }
    this.walkAt = at + BLOCK + size + padding(size);
    return true;
  }

  /** The entry's own header: decoded, described, its data framed and (for a regular file) its hashing begun. */
  private entry(at: number, chunk: Buffer, inChunk: number): void {
    const { headerOffset, pax, streamPax, longPath, longLink, problems: met, unframed, endAt } = this.extensions;
    this.extensions = {};
    for (const problem of met ?? []) this.addProblem(problem);
    if (endAt !== undefined && (unframed === undefined || endAt < unframed.at)) {
      this.endOfArchive(endAt);
      // What follows the end blocks is an entry header: non-zero bytes, even when beyond the trailer scan.
      if (!this.trailingNonZero) {
        this.trailingNonZero = true;
        this.addProblem({ kind: 'trailing-data', offset: endAt + 2 * BLOCK, detail: TRAILING_DETAIL });
      }
      return;
    }
    if (unframed !== undefined) {
      this.stop(
        'bad-header',
        unframed.at,
        `an extension header (PAX or GNU long name) declares a size of ${unframed.size} bytes`,
      );
      return;
    }
    const header = decodeHeader(chunk, inChunk);
    if (longPath !== undefined) header.name = longPath;
    if (longLink !== undefined) header.linkname = longLink;
    if (streamPax !== undefined) {
      const path = streamPax.get('path');
      const linkpath = streamPax.get('linkpath');
      const size = streamPax.get('size');
      if (path) header.name = path;
      if (linkpath) header.linkname = linkpath;
      if (size) header.size = parseInt(size, 10);
    }
    const declared = header.size;
    if (declared !== null && !(declared >= 0)) {
      this.fail('Invalid header');
      return;
    }
    if (declared === null || !Number.isSafeInteger(declared)) {
      // Found by fuzzing: a size field led by 0x81 is no number at all, and a base-256 size of 2^62 is no exact
      // byte count either: the data after such a header cannot be framed.
      this.stop(
        'bad-header',
        at,
        `the size field does not hold a byte count (${String(declared)}); the data after this header cannot be framed`,
      );
      return;
    }
    const place = {
      headerOffset: headerOffset ?? at,
      entryHeaderAt: at,
      chunk,
      at: inChunk,
      dataOffset: at + BLOCK,
      ...(pax ? { pax } : {}),
    };
    const { entry, sparse, problems } = describeEntry(header, place);
    for (const problem of problems) this.addProblem(problem);
    // A directory's size is not data (tar-stream framed it so, and so does GNU tar).
    const dataSize = header.type === 'directory' ? 0 : declared;
    this.lastEntry = entry;
    this.lastDataEnd = place.dataOffset + dataSize;
    this.lastPaddedEnd = this.lastDataEnd + padding(dataSize);
    this.nextHeaderAt = this.lastPaddedEnd;
    this.walkAt = this.lastPaddedEnd;
    this.entries.push(entry);
    this.noteDuplicates(entry);
    this.lastRanged = false;
    if (entry.type === 'file' && this.hashContent && !this.headersOnly && !sparse) {
      if (dataSize === 0) entry.sha256 = EMPTY_SHA256;
      else if (this.ranges !== undefined && dataSize >= RANGE_MIN_BYTES && this.lastDataEnd <= this.sourceEnd) {
        // All of it is in the file (a cut one stays here, to be reported as cut): a worker reads and hashes it.
        const entropy = entry.size >= ENTROPY_MIN_BYTES;
        this.ranges.file(
          this.entries.length - 1,
          this.fileStart + place.dataOffset,
          this.fileStart + this.lastDataEnd,
          entropy,
        );
        this.lastRanged = true;
      } else this.beginContent(entry, place.dataOffset, this.lastDataEnd);
    }
  }

  private beginContent(entry: IndexEntry, start: number, end: number): void {
    // Whatever part of the content already arrived (often all of it, for small files) is taken in now.
    const arrived = start < this.read ? this.window.slice(start, Math.min(end, this.read)) : undefined;
    if (start < this.read && arrived === undefined) {
      // The window always holds the current region; not finding it means our bookkeeping is wrong.
      this.stop('bad-header', start, 'content bytes missing from the read window', entry.path);
      return;
    }
    const unfinished = this.digests?.begin(entry, this.entries.length - 1, start, end, arrived);
    if (unfinished !== undefined) {
      this.addProblem({
        kind: 'bad-header',
        offset: start,
        path: unfinished.path,
        detail: 'internal: the previous entry was still being hashed when the next began; its hash is left out',
      });
    }
  }

  private noteDuplicates(entry: IndexEntry): void {
    // One Set operation per entry: a path already present leaves the size unchanged.
    const before = this.seenPaths.size;
    this.seenPaths.add(entry.path);
    if (this.seenPaths.size !== before) return;
    const occurrence = (this.repeats.get(entry.path) ?? 1) + 1;
    this.repeats.set(entry.path, occurrence);
    this.addProblem({
      kind: 'duplicate-path',
      offset: entry.headerOffset,
      path: entry.path,
      detail: `occurrence ${occurrence} of this path; every occurrence is indexed and the last one wins`,
    });
  }

  /** A problem of the header region being walked, said when its entry header is (see Extensions.problems). */
  private deferProblem(problem: TarProblem): void {
    const found = this.extensions;
    if (found.unframed !== undefined || found.endAt !== undefined) return;
    (found.problems ??= []).push(problem);
  }

  /** A header block that straddles two chunks, copied into one piece (rare: chunks are block-aligned reads). */
  private copiedBlock(at: number): { chunk: Buffer; at: number } | undefined {
    const block = this.window.slice(at, at + BLOCK);
    return block === undefined ? undefined : { chunk: block, at: 0 };
  }

  /** This entry's PAX records over the global ones (minus path, linkpath and size, which apply per entry only). */
  private withGlobals(records: Map<string, string>): Map<string, string> {
    if (this.globals.size === 0) return records;
    const merged = new Map<string, string>();
    for (const [key, value] of this.globals) {
      if (key !== 'path' && key !== 'linkpath' && key !== 'size') merged.set(key, value);
    }
    for (const [key, value] of records) merged.set(key, value);
    return merged;
  }

  /** Two zero blocks where a header is due: the archive ends there (Docker and GNU tar stop there too). */
  private endOfArchive(at: number): void {
    this.endOfArchiveAt = at;
    this.stopped = true;
    const tail = this.window.slice(at + 2 * BLOCK, this.read);
    if (tail !== undefined && tail.length > 0) this.checkTrailer(tail, at + 2 * BLOCK);
  }

  /** Notes non-zero bytes after the end-of-archive blocks (zeros are ordinary record padding). */
  private checkTrailer(bytes: Buffer, start: number): void {
    if (this.trailingNonZero || this.endOfArchiveAt === undefined) return;
    const trailerStart = this.endOfArchiveAt + 2 * BLOCK;
    const from = Math.max(0, trailerStart - start);
    const scanEnd = Math.min(bytes.length, trailerStart + TRAILER_SCAN - start);
    for (let index = from; index < scanEnd; index += 1) {
      if (bytes[index] !== 0) {
        this.trailingNonZero = true;
        this.addProblem({ kind: 'trailing-data', offset: start + index, detail: TRAILING_DETAIL });
        return;
      }
    }
  }

  private async scanTrailer(handle: FileHandle, position: number, limit: number): Promise<void> {
    const length = Math.min(TRAILER_SCAN, limit - position);
    if (length <= 0) return;
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    this.read += bytesRead;
    this.checkTrailer(buffer.subarray(0, bytesRead), position);
  }

  private stop(kind: TarProblemKind, offset: number, detail: string, path?: BytePath): void {
    this.stopped = true;
    this.addProblem({ kind, offset, ...(path !== undefined ? { path } : {}), detail });
  }

  /** A header nothing can be read past: described once the input ends (classifyEnd), as tar-stream worded it. */
  private fail(message: string): void {
    this.parseError ??= message;
    this.stopped = true;
  }

  /** After the input ended: why the archive is not complete, if it is not. */
  private classifyEnd(): void {
    if (this.endOfArchiveAt !== undefined) return;
    if (this.stopped && this.problems.some((problem) => problem.kind === 'bad-header')) return;
    const open = this.digests?.current;
    const last = this.lastEntry;
    if (open !== undefined) {
      this.addProblem({
        kind: 'truncated',
        offset: this.read,
        path: open.entry.path,
        detail: `the tar ends inside this entry's content after ${open.taken} of ${open.end - open.start} bytes: indexed without a hash`,
      });
      return;
    }
    if (last !== undefined && this.read < this.lastPaddedEnd) {
      this.addProblem({
        kind: 'truncated',
        offset: this.read,
        path: last.path,
        detail: `the tar ends inside this entry's data (${this.read - last.dataOffset} of ${this.lastDataEnd - last.dataOffset} bytes)`,
      });
      return;
    }
    if (this.parseError !== undefined) {
      this.addProblem({
        kind: 'bad-header',
        offset: this.nextHeaderAt,
        detail: `${this.parseError}; indexing stopped here, ${this.entries.length} entries indexed before it`,
      });
      return;
    }
    const leftover = this.read - this.nextHeaderAt;
    this.addProblem({
      kind: 'truncated',
      offset: this.read,
      detail:
        leftover > 0 && leftover % BLOCK !== 0
          ? `the tar ends inside a header (${leftover} bytes of a header region); ${this.entries.length} entries indexed before it`
          : `the tar ends without end-of-archive blocks after ${this.entries.length} entries: it may have been cut`,
    });
  }

  // --- problems ----------------------------------------------------------------------------------------

  private addProblem(problem: TarProblem): void {
    const count = (this.problemCounts.get(problem.kind) ?? 0) + 1;
    this.problemCounts.set(problem.kind, count);
    if (count <= PROBLEMS_PER_KIND) this.problems.push(problem);
  }

  private closedProblems(): TarProblem[] {
    const closing: TarProblem[] = [];
    for (const [kind, count] of this.problemCounts) {
      if (count > PROBLEMS_PER_KIND) {
        closing.push({ kind, detail: `${count - PROBLEMS_PER_KIND} more ${kind} problems like the ones above` });
      }
    }
    return [...this.problems, ...closing];
  }
}
