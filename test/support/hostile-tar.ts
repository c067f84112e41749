// A raw tar writer for hostile test archives: 512-byte headers made byte by byte, so any field can be wrong on purpose.
//
// Why not a library: every tar writer refuses (or silently repairs) the shapes the tests need — bad checksums,
// negative base-256 sizes, names with NUL-free control bytes, PAX records that lie. Nothing here extracts anything;
// it only produces bytes. Strings are byte strings (one char per byte, latin1) unless given as a Buffer.
import { createHash } from 'node:crypto';

export const BLOCK = 512;

/** A byte string or raw bytes. */
export type Bytes = string | Buffer;

export const bytesOf = (value: Bytes): Buffer => (typeof value === 'string' ? Buffer.from(value, 'latin1') : value);

/** UTF-8 text as a byte string (the index's path form for a name written as UTF-8). */
export const utf8Bytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

/** Header magic: POSIX ustar ("ustar\0" "00"), old GNU ("ustar  \0"), v7 (none), or raw bytes. */
export type Magic = 'ustar' | 'gnu' | 'v7' | Buffer;

export interface HeaderFields {
  name: Bytes;
  mode?: number;
  uid?: number | bigint;
  gid?: number | bigint;
  size?: number | bigint;
  /** Seconds since the epoch. */
  mtime?: number | bigint;
  /** A typeflag character ('0', '5', 'x'…) or its byte value. */
  typeflag?: string | number;
  linkname?: Bytes;
  magic?: Magic;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  /** The ustar prefix field (155 bytes at 345). */
  prefix?: Bytes;
  /** Numeric fields to write in base-256 whatever their value (others switch to it only when octal cannot hold them). */
  base256?: readonly ('uid' | 'gid' | 'size' | 'mtime')[];
  /** 'good' (default), 'bad' (off by one), 'missing' (spaces only) or an exact value to write. */
  checksum?: 'good' | 'bad' | 'missing' | number;
  /** Last-moment edit of the block, before the checksum is computed. */
  edit?: (block: Buffer) => void;
}

/** Octal digits, zero-padded, then a NUL: the ustar way for a field of `width` bytes. */
function octal(block: Buffer, offset: number, width: number, value: bigint): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'latin1');
}

/** Two's-complement base-256 with the high bit of the first byte set (0x80 lead positive, 0xff lead negative). */
export function base256(block: Buffer, offset: number, width: number, value: bigint): void {
  let rest = value;
  for (let index = width - 1; index >= 1; index -= 1) {
    block[offset + index] = Number(BigInt.asUintN(8, rest));
    rest >>= 8n;
  }
  block[offset] = value < 0n ? 0xff : 0x80;
}

/** Octal when it fits the field (and base-256 is not asked for), base-256 otherwise, as GNU tar does. */
function numeric(block: Buffer, offset: number, width: number, value: number | bigint, forced: boolean): void {
  const big = BigInt(value);
  const fits = big >= 0n && big < 8n ** BigInt(width - 1);
  if (forced || !fits) base256(block, offset, width, big);
  else octal(block, offset, width, big);
}

/** Writes the checksum field: the sum of every byte with the field itself counted as spaces. */
export function setChecksum(block: Buffer, override?: number): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let index = 0; index < BLOCK; index += 1) sum += block[index] ?? 0;
  const value = override ?? sum;
  block.write(`${value.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
}

/** One header block. */
export function header(fields: HeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  bytesOf(fields.name).copy(block, 0, 0, 100);
  octal(block, 100, 8, BigInt(fields.mode ?? 0o644));
  const forced = new Set(fields.base256 ?? []);
  numeric(block, 108, 8, fields.uid ?? 0, forced.has('uid'));
  numeric(block, 116, 8, fields.gid ?? 0, forced.has('gid'));
  numeric(block, 124, 12, fields.size ?? 0, forced.has('size'));
  numeric(block, 136, 12, fields.mtime ?? 1_700_000_000, forced.has('mtime'));
  const flag = fields.typeflag ?? '0';
  block[156] = typeof flag === 'number' ? flag : flag.charCodeAt(0);
  if (fields.linkname !== undefined) bytesOf(fields.linkname).copy(block, 157, 0, 100);
  const magic = fields.magic ?? 'ustar';
  if (magic === 'ustar') block.write('ustar\x0000', 257, 'latin1');
  else if (magic === 'gnu') block.write('ustar  \0', 257, 'latin1');
  else if (magic !== 'v7') magic.copy(block, 257, 0, 8);
  if (magic !== 'v7') {
    block.write(fields.uname ?? 'root', 265, 32, 'latin1');
    block.write(fields.gname ?? 'root', 297, 32, 'latin1');
    octal(block, 329, 8, BigInt(fields.devmajor ?? 0));
    octal(block, 337, 8, BigInt(fields.devminor ?? 0));
    if (fields.prefix !== undefined) bytesOf(fields.prefix).copy(block, 345, 0, 155);
  }
  fields.edit?.(block);
  const checksum = fields.checksum ?? 'good';
  if (checksum === 'missing') block.fill(0x20, 148, 156);
  else if (checksum === 'good') setChecksum(block);
  else if (checksum === 'bad') {
    setChecksum(block);
    const sum = parseInt(block.toString('latin1', 148, 154), 8);
    setChecksum(block, sum + 1);
  } else setChecksum(block, checksum);
  return block;
}

/** Zero bytes up to the next block boundary. */
export const padTo = (length: number): Buffer => Buffer.alloc((BLOCK - (length % BLOCK)) % BLOCK);

/** Content followed by its padding. */
export const padded = (content: Bytes): Buffer => {
  const bytes = bytesOf(content);
  return Buffer.concat([bytes, padTo(bytes.length)]);
};

/** A regular file: header (size from the content unless given) and padded content. */
export function file(name: Bytes, content: Bytes = '', fields: Partial<HeaderFields> = {}): Buffer {
  const bytes = bytesOf(content);
  return Buffer.concat([
    header({ size: bytes.length, ...fields, name, typeflag: fields.typeflag ?? '0' }),
    padded(bytes),
  ]);
}

export const dir = (name: Bytes, fields: Partial<HeaderFields> = {}): Buffer =>
  header({ mode: 0o755, ...fields, name, typeflag: '5' });

export const symlink = (name: Bytes, target: Bytes, fields: Partial<HeaderFields> = {}): Buffer =>
  header({ mode: 0o777, ...fields, name, typeflag: '2', linkname: target });

export const hardlink = (name: Bytes, target: Bytes, fields: Partial<HeaderFields> = {}): Buffer =>
  header({ ...fields, name, typeflag: '1', linkname: target });

export const device = (name: Bytes, kind: 'char' | 'block', major: number, minor: number): Buffer =>
  header({ name, typeflag: kind === 'char' ? '3' : '4', devmajor: major, devminor: minor, mode: 0o666 });

export const fifo = (name: Bytes): Buffer => header({ name, typeflag: '6' });

/** "<len> <key>=<value>\n" records; the length counts itself, so it is found by iteration. */
export function paxRecords(records: readonly (readonly [string, Bytes])[]): Buffer {
  return Buffer.concat(
    records.map(([key, value]) => {
      const body = Buffer.concat([Buffer.from(` ${key}=`, 'latin1'), bytesOf(value), Buffer.from('\n')]);
      let length = body.length + 1;
      while (String(length).length + body.length !== length) length = String(length).length + body.length;
      return Buffer.concat([Buffer.from(String(length), 'latin1'), body]);
    }),
  );
}

/** A PAX extended header ('x', or 'g' when global) with its records, padded. */
export function pax(
  records: readonly (readonly [string, Bytes])[] | Buffer,
  options: { global?: boolean; fields?: Partial<HeaderFields> } = {},
): Buffer {
  const body = Buffer.isBuffer(records) ? records : paxRecords(records);
  return Buffer.concat([
    header({
      name: options.global ? 'pax_global_header' : 'PaxHeaders.0/entry',
      size: body.length,
      ...options.fields,
      typeflag: options.global ? 'g' : 'x',
    }),
    padded(body),
  ]);
}

/** A GNU long name ('L') or long link name ('K') header with its NUL-terminated data. */
export function gnuLong(kind: 'L' | 'K', name: Bytes): Buffer {
  const body = Buffer.concat([bytesOf(name), Buffer.from([0])]);
  return Buffer.concat([
    header({ name: '././@LongLink', size: body.length, typeflag: kind, magic: 'gnu' }),
    padded(body),
  ]);
}

/** The two zero blocks that end an archive. */
export const END = Buffer.alloc(2 * BLOCK);

/** Parts joined, with the end-of-archive blocks unless told otherwise. */
export const tar = (parts: readonly Buffer[], options: { end?: boolean } = {}): Buffer =>
  Buffer.concat([...parts, ...(options.end === false ? [] : [END])]);

export const sha256Hex = (bytes: Bytes): string => createHash('sha256').update(bytesOf(bytes)).digest('hex');

/** A stream of the bytes in chunks of `size` (a tar source cut where an engine connection might cut it). */
export async function* chunks(bytes: Buffer, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, Math.min(bytes.length, at + size));
}

/**
 * A stream built on the fly from `count` parts (header blocks and data), batched into chunks of about `batch`
 * bytes: a million-entry archive never exists as one buffer or on disk.
 */
export async function* generated(
  count: number,
  part: (index: number) => Buffer,
  options: { batch?: number; end?: boolean } = {},
): AsyncGenerator<Uint8Array> {
  const batch = options.batch ?? 1024 * 1024;
  let pending: Buffer[] = [];
  let size = 0;
  for (let index = 0; index < count; index += 1) {
    const next = part(index);
    pending.push(next);
    size += next.length;
    if (size >= batch) {
      yield Buffer.concat(pending);
      pending = [];
      size = 0;
    }
  }
  if (options.end !== false) pending.push(END);
  if (pending.length > 0) yield Buffer.concat(pending);
}

export interface SaveLayer {
  /** The uncompressed layer tar. */
  tar: Buffer;
  /** Member name inside the save (default "<n>/layer.tar"). */
  member?: string;
}

/**
 * A `docker save` archive (legacy layout) made with this writer: manifest.json, the config with diff_ids and a
 * history entry per layer, and each layer tar as a member. `edit` may replace or add members before they are
 * written (hostile layouts); `configOverrides` merges into the config.
 */
export function dockerSave(
  layers: readonly SaveLayer[],
  options: {
    manifest?: unknown;
    configOverrides?: Record<string, unknown>;
    extra?: readonly Buffer[];
    repoTag?: string;
  } = {},
): { bytes: Buffer; imageId: string; diffIds: string[] } {
  const diffIds = layers.map((layer) => `sha256:${sha256Hex(layer.tar)}`);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: layers.map((_, index) => ({ created: '2024-01-01T00:00:00Z', created_by: `RUN step ${index}` })),
      ...options.configOverrides,
    }),
  );
  const configHex = sha256Hex(config);
  const members = layers.map((layer, index) => layer.member ?? `${sha256Hex(`layer-${index}`)}/layer.tar`);
  const manifest = options.manifest ?? [
    { Config: `${configHex}.json`, RepoTags: [options.repoTag ?? 'hostile/test:1'], Layers: members },
  ];
  const parts: Buffer[] = [];
  for (const [index, layer] of layers.entries()) parts.push(file(members[index] as string, layer.tar));
  parts.push(file(`${configHex}.json`, config));
  parts.push(...(options.extra ?? []));
  parts.push(file('manifest.json', JSON.stringify(manifest)));
  return { bytes: tar(parts), imageId: `sha256:${configHex}`, diffIds };
}

/**
 * `count` empty regular files named by `nameOf` (ASCII, under 100 bytes), then the end blocks, in batches of about
 * `batch` bytes: each header is a copy of one template with its name and checksum patched, so generating a
 * million of them costs a fraction of indexing them.
 */
export async function* emptyFiles(
  count: number,
  nameOf: (index: number) => string,
  options: { batch?: number } = {},
): AsyncGenerator<Uint8Array> {
  const template = header({ name: '', size: 0, typeflag: '0' });
  let base = 0;
  for (let index = 0; index < BLOCK; index += 1) base += index >= 148 && index < 156 ? 0x20 : (template[index] ?? 0);
  const perBatch = Math.max(1, Math.floor((options.batch ?? 4 * 1024 * 1024) / BLOCK));
  for (let start = 0; start < count; start += perBatch) {
    const n = Math.min(perBatch, count - start);
    const out = Buffer.allocUnsafe(n * BLOCK);
    for (let k = 0; k < n; k += 1) {
      const at = k * BLOCK;
      template.copy(out, at);
      const name = nameOf(start + k);
      let sum = base;
      for (let index = 0; index < name.length; index += 1) sum += name.charCodeAt(index);
      out.write(name, at, 'latin1');
      out.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1');
    }
    yield out;
  }
  yield END;
}
