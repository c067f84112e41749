// Streams a tar through tar-stream into IndexEntry records (raw name bytes, metadata, SHA-256, offsets); never extracts.
//
// Division of labour: tar-stream parses headers (checksums, ustar prefix, GNU long names, PAX path/linkpath/size)
// and frames the archive; this file keeps the stream's recent bytes in a position-addressed window so it can
// (a) read PAX records as raw bytes (tar-stream decodes them as UTF-8, which would turn invalid bytes and binary
// xattr values into U+FFFD), (b) compute every header and data offset itself and cross-check them with
// tar-stream's framing, and (c) hash each file's content straight from the bytes read, by position, so a parse
// error later in the stream can never lose a hash already due. Nothing is written anywhere.
//
// The one file that imports tar-stream (architecture fence).
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import tarStream from 'tar-stream';
import type { BytePath, IndexEntry } from '../common/tar-index-model.js';
import type { TarProblem, TarProblemKind } from '../common/tar-problem.js';
import { ContentDigests, EMPTY_SHA256 } from './tar-index-content.js';
import { describeEntry, type EntryPlace, type StreamHeader } from './tar-index-entry.js';
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
  /** Hash on the worker thread: default for tars of PARALLEL_MIN_BYTES or more (and streams of unknown size). */
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
/** Headers-only reads stay small: most of each read would be member data we are about to skip. */
const HEADER_CHUNK = 64 * 1024;
const ZEROS = Buffer.alloc(FILE_CHUNK);
/** Per problem kind, this many are listed; the rest are counted in one closing problem (a hostile tar cannot flood). */
const PROBLEMS_PER_KIND = 50;
/** Bytes after the end-of-archive blocks that are looked at for non-zero data (the rest is only counted). */
const TRAILER_SCAN = 64 * 1024;
const TRAILING_DETAIL =
  'non-zero bytes (another header, or junk) after the end-of-archive blocks; Docker and GNU tar ignore them, so the index does too';

/**
 * latin1 makes every name tar-stream decodes (ustar name and prefix, GNU long names, link names) a byte string,
 * one char per byte. Unknown formats (v7 tars without the ustar magic) are allowed: their checksum still counts.
 * Its type declarations omit both options, hence the separately typed object.
 */
const EXTRACT_OPTIONS: Parameters<typeof tarStream.extract>[0] & Record<string, unknown> = {
  filenameEncoding: 'latin1',
  allowUnknownFormat: true,
};

/** Indexes one tar. Resolves with what was indexed even when the tar is broken (see `problems`); rejects on abort. */
export async function indexTar(source: TarSource, options: TarIndexOptions = {}): Promise<TarIndex> {
  return new TarIndexRun(options).run(source);
}

/** What the block walk found between the previous entry's data and this entry's data. */
type Region = EntryPlace | { endOfArchiveAt: number };

class TarIndexRun {
  private readonly entries: IndexEntry[] = [];
  private readonly problems: TarProblem[] = [];
  private readonly problemCounts = new Map<TarProblemKind, number>();
  private readonly seenPaths = new Set<BytePath>();
  /** Occurrence counts, kept only for paths seen more than once. */
  private readonly repeats = new Map<BytePath, number>();
  private readonly window = new ByteWindow();
  private readonly globals = new Map<string, string>();
  private readonly hashContent: boolean;
  private readonly headersOnly: boolean;
  private readonly extract = tarStream.extract(EXTRACT_OPTIONS);
  private digests?: ContentDigests;
  /** Stream position reached: bytes read from the source, plus member data skipped in headers-only mode. */
  private read = 0;
  /** Where the next header region starts: the end of the last entry's padded data. */
  private nextHeaderAt = 0;
  /** The last entry, and where its data ends (unpadded and padded). */
  private lastEntry?: IndexEntry;
  private lastDataEnd = 0;
  private lastPaddedEnd = 0;
  private endOfArchiveAt?: number;
  private parseError?: Error;
  /** Set when indexing must stop: end of archive, parse error, or a framing disagreement. */
  private stopped = false;
  private trailingNonZero = false;
  /** The source stream threw (its problem is already recorded); the stream hash then covers only what came. */
  private streamFailed = false;

  constructor(private readonly options: TarIndexOptions) {
    this.hashContent = options.hashContent ?? true;
    this.headersOnly = options.headersOnly ?? false;
    this.extract.on('entry', (header, stream, next) => {
      try {
        this.onEntry(header as StreamHeader);
      } catch (error) {
        // A throw here would escape through tar-stream's emit as an uncaught exception (it did, found by fuzzing:
        // a non-octal mtime) and leave indexTar pending forever; the archive is indexed up to this header instead.
        this.stop(
          'bad-header',
          this.nextHeaderAt,
          `internal error describing this header (${String((error as Error).message ?? error).slice(0, 200)}); indexing stops here`,
        );
      }
      // The content is hashed from the window; tar-stream's copy is only drained so its framing moves on. Its
      // errors are tar-stream's own (already seen on the extractor); unheard they would crash the process.
      stream.on('error', () => undefined);
      stream.resume();
      queueMicrotask(next);
    });
    this.extract.on('error', (error: Error) => {
      this.parseError ??= error;
      this.stopped = true;
    });
  }

  async run(source: TarSource): Promise<TarIndex> {
    let finished = false;
    try {
      if ('file' in source) await this.readFile(source.file, source.start ?? 0, source.end);
      else await this.readStream(source);
      await this.finishParser();
      finished = true;
    } finally {
      if (!this.extract.destroyed) this.extract.destroy();
      if ('stream' in source && this.stopped) source.close?.();
      if (!finished) await this.digests?.abandon();
    }
    this.classifyEnd();
    const digested = (await this.digests?.finish()) ?? {};
    if (digested.failure !== undefined) this.addProblem({ kind: 'hash-failure', detail: digested.failure });
    const result: TarIndex = {
      entries: this.entries,
      problems: this.closedProblems(),
      bytes: this.read,
      complete: this.endOfArchiveAt !== undefined,
    };
    if (this.options.streamSha256 && digested.sha256 !== undefined && !this.streamFailed)
      result.sha256 = digested.sha256;
    return result;
  }

  /** Hashing on the worker for big tars, here for small ones; decided once the size is known. */
  private startDigests(size: number | undefined): void {
    if (this.headersOnly || (!this.hashContent && !this.options.streamSha256)) return;
    const worker = this.options.parallelHashing ?? (size === undefined || size >= PARALLEL_MIN_BYTES);
    this.digests = new ContentDigests({ worker, stream: this.options.streamSha256 ?? false });
  }

  // --- reading -----------------------------------------------------------------------------------------

  private async readFile(file: string, start: number, end: number | undefined): Promise<void> {
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    // One read ahead while the current chunk is parsed (not when skipping: the next position is not known yet).
    let ahead: { position: number; read: Promise<Buffer> } | undefined;
    const readAt = (position: number, length: number): Promise<Buffer> => {
      const buffer = Buffer.allocUnsafe(length);
      return handle
        .read(buffer, 0, length, position)
        .then(({ bytesRead }) => (bytesRead === length ? buffer : buffer.subarray(0, bytesRead)));
    };
    try {
      const limit = end ?? (await handle.stat()).size;
      this.startDigests(limit - start);
      let position = start;
      while (position < limit) {
        this.options.signal?.throwIfAborted();
        if (this.stopped && !this.options.streamSha256) {
          if (this.endOfArchiveAt !== undefined) await this.scanTrailer(handle, position, limit);
          return;
        }
        const skipTo = this.skipTarget();
        if (skipTo !== undefined && skipTo > this.read) {
          // Headers only: the member's data is replaced by zeros for tar-stream and never read from disk.
          const length = Math.min(skipTo - this.read, ZEROS.length, limit - position);
          await this.write(ZEROS.subarray(0, length));
          position += length;
          this.read += length;
          continue;
        }
        const length = Math.min(this.headersOnly ? HEADER_CHUNK : FILE_CHUNK, limit - position);
        const pending = ahead?.position === position ? ahead.read : readAt(position, length);
        ahead = undefined;
        const chunk = await pending;
        if (chunk.length === 0) break;
        const next = position + chunk.length;
        if (!this.headersOnly && next < limit) {
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

  private pastTrailerScan(): boolean {
    return (
      this.endOfArchiveAt === undefined ||
      this.trailingNonZero ||
      this.read >= this.endOfArchiveAt + 2 * BLOCK + TRAILER_SCAN
    );
  }

  /** In headers-only mode, where the current entry's data (padding included) ends. */
  private skipTarget(): number | undefined {
    if (!this.headersOnly || this.stopped || this.lastEntry === undefined) return undefined;
    return this.lastPaddedEnd;
  }

  private async feed(chunk: Buffer): Promise<void> {
    const start = this.read;
    this.read += chunk.length;
    if (this.options.streamSha256) this.digests?.stream(chunk);
    if (this.stopped) {
      this.checkTrailer(chunk, start);
    } else {
      this.window.push(chunk, start);
      this.digests?.feed(chunk, start);
      await this.write(chunk);
      this.detectEndOfArchive();
      this.window.release(Math.min(this.nextHeaderAt, this.digests?.current?.end ?? Infinity));
    }
    this.options.onProgress?.(this.read);
    await this.digests?.capacity();
  }

  private async write(chunk: Buffer): Promise<void> {
    if (this.stopped || this.parseError !== undefined) return;
    if (!this.extract.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.extract.off('drain', done);
          this.extract.off('error', done);
          this.extract.off('close', done);
          resolve();
        };
        this.extract.on('drain', done);
        this.extract.on('error', done);
        this.extract.on('close', done);
      });
    }
    await settled();
  }

  private async finishParser(): Promise<void> {
    if (this.stopped || this.parseError !== undefined || this.extract.destroyed) return;
    await new Promise<void>((resolve) => {
      this.extract.once('finish', resolve);
      this.extract.once('error', () => resolve());
      this.extract.once('close', resolve);
      this.extract.end(undefined);
    });
    this.detectEndOfArchive();
  }

  // --- entries -----------------------------------------------------------------------------------------

  private onEntry(header: StreamHeader): void {
    if (this.stopped) return;
    const region = this.walkRegion(this.nextHeaderAt);
    if (region === undefined) {
      // (walkRegion may have stopped already, with the reason.)
      if (!this.stopped) {
        this.stop('bad-header', this.nextHeaderAt, 'header bytes not available where tar-stream found an entry');
      }
      return;
    }
    if ('endOfArchiveAt' in region) {
      // tar-stream reads on past the end-of-archive blocks; Docker and GNU tar stop there, and so do we.
      this.endOfArchiveAt = region.endOfArchiveAt;
      this.stopped = true;
      // The offset of the first non-zero byte, as the block-by-block check reports it: found by fuzzing, a file
      // read in 1 MiB chunks said "end blocks + 1024" where the same bytes streamed in small chunks said 1536.
      const trailer = region.endOfArchiveAt + 2 * BLOCK;
      const tail = this.window.slice(trailer, this.read);
      if (tail !== undefined) this.checkTrailer(tail, trailer);
      if (!this.trailingNonZero) {
        this.trailingNonZero = true;
        this.addProblem({ kind: 'trailing-data', offset: trailer, detail: TRAILING_DETAIL });
      }
      return;
    }
    if (header.byteOffset !== undefined && header.byteOffset !== region.dataOffset) {
      this.stop(
        'bad-header',
        region.entryHeaderAt,
        `tar-stream puts the data at byte ${header.byteOffset}, the block walk at ${region.dataOffset}: offsets would be wrong, indexing stops`,
      );
      return;
    }
    const declared = header.size;
    if (typeof declared !== 'number' || !Number.isSafeInteger(declared) || declared < 0) {
      // Found by fuzzing: a size field led by 0x81 is null to tar-stream, which then waited forever for data it
      // could not count (indexTar never settled); a base-256 size of 2^62 is no exact byte count either.
      this.stop(
        'bad-header',
        region.entryHeaderAt,
        `the size field does not hold a byte count (${String(declared)}); the data after this header cannot be framed`,
      );
      return;
    }
    const { entry, sparse, problems } = describeEntry(header, region);
    for (const problem of problems) this.addProblem(problem);
    // tar-stream does not consume data for directories; the walk follows tar-stream so both stay in step.
    const dataSize = header.type === 'directory' ? 0 : (header.size ?? 0);
    this.lastEntry = entry;
    this.lastDataEnd = region.dataOffset + dataSize;
    this.lastPaddedEnd = this.lastDataEnd + padding(dataSize);
    this.nextHeaderAt = this.lastPaddedEnd;
    this.entries.push(entry);
    this.noteDuplicates(entry);
    if (entry.type === 'file' && this.hashContent && !this.headersOnly && !sparse) {
      if (dataSize === 0) entry.sha256 = EMPTY_SHA256;
      else this.beginContent(entry, region.dataOffset, this.lastDataEnd);
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

  // --- framing -----------------------------------------------------------------------------------------

  /** Walks the blocks from `from` to the entry header tar-stream just reported, reading extension headers raw. */
  private walkRegion(from: number): Region | undefined {
    let at = from;
    let headerOffset: number | undefined;
    let pax: Map<string, string> | undefined;
    let zeroRun = 0;
    for (;;) {
      const held = this.window.within(at, at + BLOCK) ?? this.copiedBlock(at);
      if (held === undefined) return undefined;
      const { chunk, at: inChunk } = held;
      if (isZeroBlock(chunk, inChunk)) {
        zeroRun += 1;
        if (zeroRun === 2) return { endOfArchiveAt: at - BLOCK };
        at += BLOCK;
        continue;
      }
      if (zeroRun === 1) {
        this.addProblem({
          kind: 'trailing-data',
          offset: at - BLOCK,
          detail: 'a lone zero block inside the archive (GNU tar would stop here); the entries after it are indexed',
        });
      }
      zeroRun = 0;
      const flag = chunk[inChunk + 156] ?? 0;
      if (!EXTENSION_FLAGS.has(flag)) {
        return {
          headerOffset: headerOffset ?? at,
          entryHeaderAt: at,
          chunk,
          at: inChunk,
          dataOffset: at + BLOCK,
          ...(pax ? { pax } : {}),
        };
      }
      const size = Number(tarNumber(chunk, inChunk + 124, 12));
      if (!Number.isSafeInteger(size) || size < 0) {
        // A negative base-256 size (-1000) moved `at` back to this very header: this loop never ended (a hang
        // found while building the hostile-archive corpus). Such a header cannot be framed.
        this.stop('bad-header', at, `an extension header (PAX or GNU long name) declares a size of ${size} bytes`);
        return undefined;
      }
      if (flag === PAX_LOCAL || flag === PAX_GLOBAL) {
        const data = this.window.slice(at + BLOCK, at + BLOCK + size);
        if (data === undefined) return undefined;
        const parsed = parsePaxRecords(data);
        if (parsed.malformedAt !== undefined) {
          this.addProblem({
            kind: 'unusual-entry',
            offset: at,
            detail: `malformed PAX record at +${parsed.malformedAt} of the extended header; its later records are ignored`,
          });
        }
        if (flag === PAX_GLOBAL) {
          for (const [key, value] of parsed.records) this.globals.set(key, value);
        } else {
          headerOffset ??= at;
          pax = this.withGlobals(parsed.records);
        }
      } else {
        headerOffset ??= at;
      }
      at += BLOCK + size + padding(size);
    }
  }

  /** A header block that straddles two chunks, copied into one piece (rare: chunks are block-aligned reads). */
  private copiedBlock(at: number): { chunk: Buffer; at: number } | undefined {
    const block = this.window.slice(at, at + BLOCK);
    return block === undefined ? undefined : { chunk: block, at: 0 };
  }

  /** This entry's PAX records over the global ones (minus path, linkpath and size, which tar-stream ignores too). */
  private withGlobals(records: Map<string, string>): Map<string, string> {
    if (this.globals.size === 0) return records;
    const merged = new Map<string, string>();
    for (const [key, value] of this.globals) {
      if (key !== 'path' && key !== 'linkpath' && key !== 'size') merged.set(key, value);
    }
    for (const [key, value] of records) merged.set(key, value);
    return merged;
  }

  /** Two zero blocks where the next header is due: the archive ends there. */
  private detectEndOfArchive(): void {
    if (this.endOfArchiveAt !== undefined || this.read - this.nextHeaderAt < 2 * BLOCK) return;
    if (this.digests?.current !== undefined) return;
    const blocks = this.window.slice(this.nextHeaderAt, this.nextHeaderAt + 2 * BLOCK);
    if (blocks === undefined || !isZeroBlock(blocks, 0) || !isZeroBlock(blocks, BLOCK)) return;
    this.endOfArchiveAt = this.nextHeaderAt;
    this.stopped = true;
    const tail = this.window.slice(this.endOfArchiveAt + 2 * BLOCK, this.read);
    if (tail !== undefined && tail.length > 0) this.checkTrailer(tail, this.endOfArchiveAt + 2 * BLOCK);
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
    // A write waiting for tar-stream to drain would wait forever once we stop feeding it: closing it ends that.
    if (!this.extract.destroyed) this.extract.destroy();
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
    const error = this.parseError;
    if (error !== undefined && !/Unexpected end of data/.test(error.message)) {
      this.addProblem({
        kind: 'bad-header',
        offset: this.nextHeaderAt,
        detail: `${error.message.replace(/\s+/g, ' ').slice(0, 200)}; indexing stopped here, ${this.entries.length} entries indexed before it`,
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

/**
 * Resolves once every queued microtask has run: tar-stream hands out entries one microtask at a time (each
 * `next`), so only then is the last entry of a chunk known, and with it where the next header is due.
 */
function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
