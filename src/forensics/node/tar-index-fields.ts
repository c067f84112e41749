// Raw tar header fields the index reads itself: numbers (octal, base-256), PAX records as bytes, xattrs, zero blocks.
//
// tar-stream decodes headers for us; these cover what it cannot give exactly: PAX values as bytes (it decodes them
// as UTF-8), negative and huge base-256 numbers (it is off by one for negatives, and Date cannot hold all), and
// the block walk that locates each entry's headers and data.

export const BLOCK = 512;

/** Typeflags of the headers tar-stream consumes before an entry: PAX ('x', 'g') and GNU long names ('L', 'K', 'N'). */
export const EXTENSION_FLAGS: ReadonlySet<number> = new Set([0x78, 0x67, 0x4c, 0x4b, 0x4e]);
export const PAX_LOCAL = 0x78;
export const PAX_GLOBAL = 0x67;

/** Bytes after `size` bytes of data up to the next 512-byte boundary. */
export const padding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

/** A zero block has no checksum digits; checking those first keeps the common case to one comparison. */
export function isZeroBlock(block: Uint8Array, at = 0): boolean {
  if (block[at + 148] !== 0) return false;
  for (let index = at; index < at + BLOCK; index += 1) if (block[index] !== 0) return false;
  return true;
}

/**
 * A numeric header field: base-256 when the high bit is set (two's complement, negative with a 0xff lead),
 * otherwise octal digits after leading spaces and NULs up to the first space — read the way tar-stream reads
 * octal, so the block walk and tar-stream frame the archive identically.
 */
export function tarNumber(block: Uint8Array, offset: number, length: number): bigint {
  const field = block.subarray(offset, offset + length);
  if (((field[0] ?? 0) & 0x80) !== 0) {
    const negative = field[0] === 0xff;
    let value = negative ? 0n : BigInt((field[0] ?? 0) & 0x7f);
    for (let index = 1; index < field.length; index += 1) {
      value = (value << 8n) | BigInt(negative ? 0xff - (field[index] ?? 0) : (field[index] ?? 0));
    }
    return negative ? -(value + 1n) : value;
  }
  let start = 0;
  while (start < field.length && field[start] === 0x20) start += 1;
  let end = field.indexOf(0x20, start);
  if (end < 0) end = field.length;
  while (start < end && field[start] === 0) start += 1;
  let value = 0n;
  for (let index = start; index < end; index += 1) {
    const digit = (field[index] ?? 0) - 0x30;
    if (digit < 0 || digit > 7) break;
    value = value * 8n + BigInt(digit);
  }
  return value;
}

export interface PaxRecords {
  /** key → value, both byte strings (one char per byte), in record order. */
  records: Map<string, string>;
  /** Offset in the header data of a record that does not parse (the rest is ignored), if any. */
  malformedAt?: number;
}

/** "<len> <key>=<value>\n" records, read as bytes: PAX path, linkpath and xattr values keep every byte. */
export function parsePaxRecords(data: Buffer): PaxRecords {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = space < 0 ? NaN : Number(data.toString('latin1', at, space));
    if (!Number.isSafeInteger(length) || length <= 0 || at + length > data.length) {
      if (data.subarray(at).every((byte) => byte === 0)) break;
      return { records, malformedAt: at };
    }
    const record = data.toString('latin1', space + 1, at + length - 1);
    const equals = record.indexOf('=');
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    at += length;
  }
  return { records };
}

/** SCHILY.xattr.<name> (raw value bytes) and LIBARCHIVE.xattr.<url-encoded name> (base64 value), names sorted. */
export function xattrsOf(pax: ReadonlyMap<string, string>): Record<string, string> | undefined {
  const found = new Map<string, string>();
  for (const [key, value] of pax) {
    if (key.startsWith('LIBARCHIVE.xattr.')) {
      const name = percentDecode(key.slice('LIBARCHIVE.xattr.'.length));
      if (!found.has(name)) found.set(name, Buffer.from(value, 'base64').toString('base64'));
    }
  }
  for (const [key, value] of pax) {
    if (key.startsWith('SCHILY.xattr.')) {
      found.set(key.slice('SCHILY.xattr.'.length), Buffer.from(value, 'latin1').toString('base64'));
    }
  }
  if (found.size === 0) return undefined;
  const out: Record<string, string> = {};
  for (const name of [...found.keys()].sort()) out[name] = found.get(name) as string;
  return out;
}

/** %XX → byte, on a byte string (names stay byte strings). */
function percentDecode(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
