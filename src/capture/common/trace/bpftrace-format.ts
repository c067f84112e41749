// strace-style argument text from bpftrace's raw values: quoted byte strings, socket addresses, argv arrays, fd notes.
//
// The replay handlers parse strace's argument text; producing exactly that shape lets a bpftrace capture replay
// through the same code as an imported strace trace. Every byte of a string is kept: printable ASCII as is,
// everything else as a `\xHH` escape (which trace-bytes.ts decodes), and a string the tracer had to cut ends in
// `...` after its closing quote, as strace marks it.
import { charDeviceName, familyName } from './bpftrace-names.js';

/** A string as strace quotes it (hex escapes for anything not printable ASCII); `...` when it was cut. */
export function quoteBytes(bytes: Uint8Array, truncated: boolean): string {
  let out = '"';
  for (const byte of bytes) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x09) out += '\\t';
    else if (byte === 0x0d) out += '\\r';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${out}"${truncated ? '...' : ''}`;
}

/** Hex pairs as bpftrace's `%rh` prints them ("2f 65 74 63") → bytes; undefined when the text is not that. */
export function hexBytes(text: string): Uint8Array | undefined {
  if (text === '') return new Uint8Array(0);
  const pairs = text.split(' ');
  const out = new Uint8Array(pairs.length);
  for (let index = 0; index < pairs.length; index++) {
    const pair = pairs[index] ?? '';
    if (!/^[0-9a-f]{2}$/.test(pair)) return undefined;
    out[index] = Number.parseInt(pair, 16);
  }
  return out;
}

/**
 * A C string from the chunks str() returned (each up to `chunk` bytes before its NUL): chunk k+1 continues chunk
 * k only when k was full. A string still full in its last chunk may go on: it is marked truncated.
 */
export function joinStringChunks(
  chunks: readonly (Uint8Array | undefined)[],
  chunk: number,
): { bytes: Uint8Array; truncated: boolean } | undefined {
  const first = chunks[0];
  if (first === undefined) return undefined;
  const parts: Uint8Array[] = [];
  for (const part of chunks) {
    if (part === undefined) return { bytes: concat(parts), truncated: true };
    const end = part.indexOf(0);
    const length = end < 0 ? Math.min(part.length, chunk) : Math.min(end, chunk);
    parts.push(part.subarray(0, length));
    if (length < chunk) return { bytes: concat(parts), truncated: false };
  }
  return { bytes: concat(parts), truncated: true };
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * An exec's argv block (NUL-separated, as the kernel laid it out in the new image) → strace's array text.
 * `total` is the block's real size: when less was read, the last element is cut and more may follow (`...`).
 */
export function argvText(block: Uint8Array, total: number): string {
  const cut = block.length < total;
  const items: string[] = [];
  let start = 0;
  for (let index = 0; index < block.length; index++) {
    if (block[index] !== 0) continue;
    items.push(quoteBytes(block.subarray(start, index), false));
    start = index + 1;
  }
  if (start < block.length) items.push(quoteBytes(block.subarray(start), cut));
  if (cut) items.push('...');
  return `[${items.join(', ')}]`;
}

/** Pointer text as strace prints an address it shows instead of the memory: `0x7ffd…`, or NULL. */
export function pointerText(value: bigint): string {
  const unsigned = BigInt.asUintN(64, value);
  return unsigned === 0n ? 'NULL' : `0x${unsigned.toString(16)}`;
}

function be16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
}

function le32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0
  );
}

function be32(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0)) >>> 0
  );
}

/** IPv6 text as glibc's inet_ntop writes it (which is what strace prints): longest zero run as ::, embedded IPv4. */
export function ipv6Text(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let index = 0; index < 8; index++) words.push(be16(bytes, index * 2));
  let bestBase = -1;
  let bestLength = 0;
  for (let index = 0; index < 8;) {
    if (words[index] !== 0) {
      index++;
      continue;
    }
    let end = index;
    while (end < 8 && words[end] === 0) end++;
    if (end - index > bestLength) {
      bestBase = index;
      bestLength = end - index;
    }
    index = end;
  }
  if (bestLength < 2) bestBase = -1;
  let out = '';
  for (let index = 0; index < 8; index++) {
    if (bestBase >= 0 && index >= bestBase && index < bestBase + bestLength) {
      if (index === bestBase) out += ':';
      continue;
    }
    if (index !== 0) out += ':';
    // ::a.b.c.d (compatible) and ::ffff:a.b.c.d (mapped) keep the IPv4 tail in dotted form.
    if (index === 6 && bestBase === 0 && (bestLength === 6 || (bestLength === 5 && words[5] === 0xffff))) {
      out += Array.from(bytes.subarray(12, 16)).join('.');
      break;
    }
    out += (words[index] ?? 0).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLength === 8) out += ':';
  return out;
}

/**
 * A socket address as strace prints it: `{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("1.2.3.4")}`,
 * AF_INET6 with inet_pton, AF_UNIX with sun_path (`@"…"` for the abstract namespace); other families by name.
 * `length` is the address length the caller gave (or the kernel returned); `bytes` what could be read of it.
 */
export function sockaddrText(bytes: Uint8Array, length: number): string {
  if (bytes.length < 2 || length < 2) return '{}';
  const family = (bytes[0] ?? 0) | ((bytes[1] ?? 0) << 8);
  const name = familyName(family);
  const usable = Math.min(bytes.length, length);
  if (family === 2 && usable >= 8) {
    const address = Array.from(bytes.subarray(4, 8)).join('.');
    return `{sa_family=AF_INET, sin_port=htons(${be16(bytes, 2)}), sin_addr=inet_addr("${address}")}`;
  }
  if (family === 10 && usable >= 24) {
    const scope = usable >= 28 ? `, sin6_scope_id=${le32(bytes, 24)}` : '';
    return (
      `{sa_family=AF_INET6, sin6_port=htons(${be16(bytes, 2)}), sin6_flowinfo=htonl(${be32(bytes, 4)}), ` +
      `inet_pton(AF_INET6, "${ipv6Text(bytes.subarray(8, 24))}", &sin6_addr)${scope}}`
    );
  }
  if (family === 1) {
    if (usable <= 2) return '{sa_family=AF_UNIX}';
    const path = bytes.subarray(2, usable);
    if (path[0] === 0) return `{sa_family=AF_UNIX, sun_path=@${quoteBytes(path.subarray(1), false)}}`;
    const end = path.indexOf(0);
    return `{sa_family=AF_UNIX, sun_path=${quoteBytes(end < 0 ? path : path.subarray(0, end), false)}}`;
  }
  return `{sa_family=${name}}`;
}

const S_IFMT = 0o170000n;
const S_IFIFO = 0o010000n;
const S_IFCHR = 0o020000n;
const S_IFSOCK = 0o140000n;

/**
 * What strace -yy would say about an fd, from the open file's mode, device and inode: `pipe:[123]`,
 * `socket:[456]`, `/dev/pts/0<char 136:0>`. Undefined for regular files and directories (only a name, not the
 * full path, is at hand in the kernel, and a partial path would mislead) and for devices without a fixed name.
 */
export function fdNote(mode: bigint, rdev: bigint, inode: bigint): string | undefined {
  const type = mode & S_IFMT;
  if (type === S_IFIFO) return `pipe:[${inode}]`;
  if (type === S_IFSOCK) return `socket:[${inode}]`;
  if (type === S_IFCHR) {
    // The kernel's dev_t: major in the bits above 20, minor below.
    const major = Number(rdev >> 20n);
    const minor = Number(rdev & 0xfffffn);
    const name = charDeviceName(major, minor);
    return name === undefined ? undefined : `${name}<char ${major}:${minor}>`;
  }
  return undefined;
}
