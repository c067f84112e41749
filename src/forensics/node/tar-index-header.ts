// Decodes one tar header block the way tar-stream 3 did for the index (its replacement on the hot path): pure bytes in.
//
// The indexer used tar-stream to decode headers until its per-entry cost (streams, events, a string per field)
// became most of the time of an index. This reads the same fields from the same bytes with the same rules —
// checksum over the block with the checksum field as spaces, ustar prefix only under the "ustar\0" magic, octal
// fields after leading spaces and NULs up to the first space (parseInt's reading: a sign or leading whitespace
// falls back to parseInt itself), base-256 only with a 0x80 or 0xff lead (anything else is no number, null),
// a typeflag-0 name ending in "/" is a directory — and the PAX records tar-stream applied (path, linkpath, size,
// decoded as UTF-8, global records merged under local ones). It never allocates more than the strings it returns.
import { BLOCK } from './tar-index-fields.js';

/** A header block's fields, in tar-stream's terms (names as byte strings: one char per byte). */
export interface TarHeader {
  name: string;
  linkname: string | null;
  /** tar-stream's type name ("file", "directory", "link", …), or null for a typeflag it does not know. */
  type: string | null;
  size: number | null;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  /** Seconds since the epoch as the field says (NaN when it holds no octal digits). */
  mtime: number | null;
  devmajor: number | null;
  devminor: number | null;
}

/** What a header block is: an end (all zeros but perhaps its checksum), a bad checksum, or a header. */
export type BlockKind = 'null' | 'bad-checksum' | 'header';

/** PAX, GNU long names and tar-stream's ceiling on them: a bigger extension header is refused. */
export const MAX_EXTENSION_BYTES = 4 * 1024 * 1024;

const TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'file',
  1: 'link',
  2: 'symlink',
  3: 'character-device',
  4: 'block-device',
  5: 'directory',
  6: 'fifo',
  7: 'contiguous-file',
  72: 'pax-header',
  55: 'pax-global-header',
  27: 'gnu-long-link-path',
  28: 'gnu-long-path',
  30: 'gnu-long-path',
};

/** Sum of the block's bytes with the checksum field counted as spaces; 256 means everything else is zero. */
export function checksumOf(block: Uint8Array, at: number): number {
  let sum = 8 * 32;
  for (let index = at; index < at + 148; index += 1) sum += block[index] as number;
  for (let index = at + 156; index < at + BLOCK; index += 1) sum += block[index] as number;
  return sum;
}

/** "null" (tar-stream skips it), "bad-checksum" (tar-stream stops with an error) or "header". */
export function blockKind(block: Uint8Array, at: number): BlockKind {
  const sum = checksumOf(block, at);
  if (sum === 8 * 32) return 'null';
  return sum === headerNumber(block, at + 148, 8) ? 'header' : 'bad-checksum';
}

/**
 * A numeric field as tar-stream read it: base-256 when the lead byte is 0x80 (positive) or 0xff (negative, by
 * its one's complement: off by one, kept as it was), null for any other lead with the high bit; otherwise octal.
 */
export function headerNumber(block: Uint8Array, offset: number, length: number): number | null {
  const lead = block[offset] as number;
  if ((lead & 0x80) !== 0) return base256(block, offset, length);
  const limit = offset + length;
  let start = offset;
  while (start < limit && block[start] === 0x20) start += 1;
  let end = start;
  while (end < limit && block[end] !== 0x20) end += 1;
  while (start < end && block[start] === 0) start += 1;
  if (end === start) return 0;
  let value = 0;
  let index = start;
  for (; index < end; index += 1) {
    const digit = (block[index] as number) - 0x30;
    if (digit < 0 || digit > 7) break;
    value = value * 8 + digit;
  }
  // parseInt stops at the first non-digit too; only a field not led by a digit needs parseInt's own rules.
  if (index > start) return value;
  return parseInt(Buffer.from(block.buffer, block.byteOffset + start, end - start).toString('utf8'), 8);
}

function base256(block: Uint8Array, offset: number, length: number): number | null {
  const lead = block[offset];
  const positive = lead === 0x80;
  if (!positive && lead !== 0xff) return null;
  let sum = 0;
  for (let index = length - 1, power = 0; index > 0; index -= 1, power += 1) {
    const byte = block[offset + index] as number;
    sum += (positive ? byte : 0xff - byte) * Math.pow(256, power);
  }
  return positive ? sum : -1 * sum;
}

/** Bytes [offset, first NUL within length) as a byte string. */
export function headerString(block: Uint8Array, offset: number, length: number): string {
  let end = offset;
  const limit = offset + length;
  while (end < limit && block[end] !== 0) end += 1;
  return latin1(block, offset, end);
}

function latin1(block: Uint8Array, start: number, end: number): string {
  if (end - start <= 0) return '';
  return Buffer.from(block.buffer, block.byteOffset + start, end - start).toString('latin1');
}

const isUstar = (block: Uint8Array, at: number): boolean =>
  block[at + 257] === 0x75 &&
  block[at + 258] === 0x73 &&
  block[at + 259] === 0x74 &&
  block[at + 260] === 0x61 &&
  block[at + 261] === 0x72 &&
  block[at + 262] === 0;

/** The typeflag as tar-stream numbered it: NUL and '0' are 0, anything else its code minus '0'. */
export const typeflagOf = (block: Uint8Array, at: number): number => {
  const flag = block[at + 156] as number;
  return flag === 0 ? 0 : flag - 0x30;
};

/** The header's own fields (before any GNU long name or PAX record applies). */
export function decodeHeader(block: Uint8Array, at: number): TarHeader {
  // tar-stream meant a typeflag-0 name ending in "/" to be a directory, but took the type before that rule ran:
  // such an entry has always been indexed as a file (with a trailing-slash name), and stays one.
  const typeflag = typeflagOf(block, at);
  let name = headerString(block, at, 100);
  if (isUstar(block, at) && block[at + 345] !== 0) name = `${headerString(block, at + 345, 155)}/${name}`;
  return {
    name,
    linkname: block[at + 157] === 0 ? null : headerString(block, at + 157, 100),
    type: TYPE_NAMES[typeflag] ?? null,
    size: headerNumber(block, at + 124, 12),
    mode: headerNumber(block, at + 100, 8),
    uid: headerNumber(block, at + 108, 8),
    gid: headerNumber(block, at + 116, 8),
    mtime: headerNumber(block, at + 136, 12),
    devmajor: headerNumber(block, at + 329, 8),
    devminor: headerNumber(block, at + 337, 8),
  };
}

/**
 * tar-stream's own reading of PAX records (UTF-8, no bounds checks, stops at the first bad record): only the
 * three keys it applied to the header. The index reads every record as bytes itself (parsePaxRecords); this
 * keeps the framing (size) and the fallback names exactly as they were.
 */
export function streamPaxRecords(data: Buffer): Map<string, string> {
  const result = new Map<string, string>();
  let buffer = data;
  while (buffer.length > 0) {
    let space = 0;
    while (space < buffer.length && buffer[space] !== 32) space += 1;
    const length = parseInt(buffer.subarray(0, space).toString('utf8'), 10);
    if (!length) return result;
    const record = buffer.subarray(space + 1, length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals === -1) return result;
    const key = record.slice(0, equals);
    if (key === 'path' || key === 'linkpath' || key === 'size') result.set(key, record.slice(equals + 1));
    const rest = buffer.subarray(length);
    // A negative length made tar-stream loop on the same bytes forever; here the records simply end.
    if (rest.length >= buffer.length) return result;
    buffer = rest;
  }
  return result;
}
