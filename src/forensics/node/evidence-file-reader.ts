// Reads a capped slice of one indexed regular file back out of its evidence tar, by offset; nothing is extracted.
//
// Plain tars and uncompressed layers inside a docker save are read with one positioned read (layer start + the
// entry's dataOffset). A gzip-compressed layer (OCI archives) has no random access: the layer is decompressed
// again from its first byte up to the slice and the rest is thrown away, so reading near the end of a big
// compressed layer costs one decompression of that layer (~300–500 MB/s of output on one core); it is bounded by
// the layer's size and stops as soon as the slice is complete.
import { constants, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { IndexEntry } from '../common/tar-index-model.js';

/** Most bytes one read returns: the contract's cap for previews. */
export const MAX_SLICE_BYTES = 256 * 1024;

/** Where an entry's tar stream sits inside the evidence file: the whole file, or one layer of a docker save. */
export interface TarContainer {
  /** Byte range [start, end) of the layer tar (or the compressed layer blob) in the evidence file. */
  range: { start: number; end: number };
  compression: 'none' | 'gzip';
}

export interface EntrySlice {
  bytes: Buffer;
  /** Offset of bytes[0] in the file's content. */
  offset: number;
  /** The file's full size. */
  totalBytes: number;
  /** More content follows the slice. */
  truncated: boolean;
}

export class EvidenceReadError extends Error {
  override readonly name = 'EvidenceReadError';
}

/**
 * Bytes [offset, offset + length) of a regular file's content (length capped at MAX_SLICE_BYTES and at the end of
 * the file). `container` is required for entries of a docker save layer (their offsets are layer-relative).
 * Throws EvidenceReadError for entries without readable content and when the evidence is shorter than its index.
 */
export async function readEntrySlice(
  evidenceFile: string,
  entry: IndexEntry,
  offset: number,
  length: number,
  options: { container?: TarContainer; signal?: AbortSignal } = {},
): Promise<EntrySlice> {
  checkReadable(entry, offset, length);
  const wanted = Math.min(length, MAX_SLICE_BYTES, entry.size - offset);
  const bytes =
    wanted === 0
      ? Buffer.alloc(0)
      : options.container?.compression === 'gzip'
        ? await readCompressed(evidenceFile, options.container.range, entry.dataOffset + offset, wanted, options.signal)
        : await readPlain(evidenceFile, (options.container?.range.start ?? 0) + entry.dataOffset + offset, wanted, {
            end: options.container?.range.end,
          });
  return { bytes, offset, totalBytes: entry.size, truncated: offset + bytes.length < entry.size };
}

/** Exactly `length` bytes at `position` of the file (links never followed), or an error saying the file is short. */
export async function readPlain(
  file: string,
  position: number,
  length: number,
  limits: { end?: number | undefined } = {},
): Promise<Buffer> {
  if (limits.end !== undefined && position + length > limits.end) {
    throw new EvidenceReadError(
      `bytes ${position}–${position + length} run past the end of their layer (${limits.end})`,
    );
  }
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buffer = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled < length) {
      throw new EvidenceReadError(
        `the evidence file ends at byte ${position + filled}, before the ${length} bytes the index expects at ${position}: the index is stale or the file was cut`,
      );
    }
    return buffer;
  } finally {
    await handle.close();
  }
}

/**
 * A read stream over [start, end) of the file, opened without following links; the stream owns the descriptor
 * and closes it itself once any read in flight is done.
 */
export async function openRange(file: string, range: { start: number; end: number }): Promise<ReadStream> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  return handle.createReadStream({ start: range.start, end: range.end - 1, highWaterMark: 1024 * 1024 });
}

/**
 * A regular file's content from `offset` to its end, streamed in order and uncapped: for readers that digest or
 * parse whole files (package databases, md5sums). A compressed layer is decompressed once, from its start.
 */
export async function* entryContent(
  evidenceFile: string,
  entry: IndexEntry,
  options: { container?: TarContainer; signal?: AbortSignal; offset?: number } = {},
): AsyncGenerator<Buffer> {
  const offset = options.offset ?? 0;
  checkReadable(entry, offset, 0);
  const length = entry.size - offset;
  if (length === 0) return;
  const container = options.container;
  if (container?.compression === 'gzip') {
    yield* decompressedRange(evidenceFile, container.range, entry.dataOffset + offset, length, options.signal);
    return;
  }
  const start = (container?.range.start ?? 0) + entry.dataOffset + offset;
  if (container !== undefined && start + length > container.range.end) {
    throw new EvidenceReadError(
      `bytes ${start}–${start + length} run past the end of their layer (${container.range.end})`,
    );
  }
  let got = 0;
  for await (const chunk of await openRange(evidenceFile, { start, end: start + length })) {
    options.signal?.throwIfAborted();
    got += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
  if (got < length) {
    throw new EvidenceReadError(
      `the evidence file ends at byte ${start + got}, before the ${length} bytes the index expects at ${start}: the index is stale or the file was cut`,
    );
  }
}

/** Refuses entries without content of their own, offsets outside the file and entries indexed without content. */
function checkReadable(entry: IndexEntry, offset: number, length: number): void {
  if (entry.type !== 'file') {
    throw new EvidenceReadError(`a ${entry.type} has no content of its own to read (it is never followed)`);
  }
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > entry.size) {
    throw new EvidenceReadError(`offset ${offset} is outside the file (0–${entry.size})`);
  }
  if (!Number.isSafeInteger(length) || length < 0) throw new EvidenceReadError(`length ${length} is not a byte count`);
  if (entry.sha256 === undefined && entry.size > 0) {
    // Sparse entries and files cut short by a truncated tar are indexed without a hash: their bytes are not all there.
    throw new EvidenceReadError('this entry was indexed without its content (sparse, or cut off by a truncated tar)');
  }
}

/** [position, position + length) of a gzip layer's decompressed stream, decompressing from the layer's start. */
async function* decompressedRange(
  file: string,
  range: { start: number; end: number },
  position: number,
  length: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<Buffer> {
  const raw = await openRange(file, range);
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  raw.on('error', (error) => gunzip.destroy(error));
  raw.pipe(gunzip);
  let sent = 0;
  let at = 0;
  try {
    const chunks = gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (error) {
        if (signal?.aborted) throw error;
        throw new EvidenceReadError(`the compressed layer does not decompress: ${(error as Error).message}`);
      }
      if (next.done) break;
      signal?.throwIfAborted();
      const chunk = next.value;
      const chunkEnd = at + chunk.length;
      if (chunkEnd > position + sent) {
        const from = position + sent - at;
        const piece = chunk.subarray(from, Math.min(chunk.length, from + length - sent));
        sent += piece.length;
        yield piece;
        if (sent === length) break;
      }
      at = chunkEnd;
    }
  } finally {
    raw.unpipe(gunzip);
    gunzip.destroy();
    raw.destroy();
  }
  if (sent < length) {
    throw new EvidenceReadError(
      `the decompressed layer ends at byte ${at}, before the ${length} bytes the index expects at ${position}`,
    );
  }
}

/** Decompresses the layer from its start and keeps [position, position + length) of the decompressed stream. */
async function readCompressed(
  file: string,
  range: { start: number; end: number },
  position: number,
  length: number,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of decompressedRange(file, range, position, length, signal)) parts.push(piece);
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}
