// An evidence index packed for the trip from an indexing thread: one string, two typed arrays, a small header.
//
// Structured clone of 100,000 IndexEntry objects cost ~350 ms a side here (more than indexing them); packed,
// the strings travel as one string (a copy), the numbers as transferred memory (no copy), and the receiving
// side builds the same entries (same values, same key order as a stored index reads back) in a few tens of ms.
import type { EntryType } from '../common/diff-model.js';
import type { IndexEntry } from '../common/tar-index-model.js';
import type { EvidenceIndex } from './tar-index-store.js';
import type { TarIndex } from './tar-index.js';

const TYPES: readonly EntryType[] = ['file', 'dir', 'symlink', 'hardlink', 'char', 'block', 'fifo', 'other'];
const TYPE_CODES = new Map(TYPES.map((type, code) => [type, code]));
/** Numbers per entry: type, mode, uid, gid, size, headerOffset, dataOffset, devMajor, devMinor, entropy. */
const NUMBERS = 10;
/** String lengths per entry: path, linkTarget, sha256 (-1: absent); then the mtime's number in `times`. */
const STRINGS = 4;

/** A TarIndex without its entries (they travel packed). */
type Section = Omit<TarIndex, 'entries'> & { count: number };

export interface PackedIndex {
  kind: EvidenceIndex['kind'];
  itemId: string;
  sha256: string;
  archive?: Extract<EvidenceIndex, { kind: 'image' }>['archive'];
  /** Image layers: each section's layer (by position in archive.layers). */
  layerPositions?: number[];
  sections: Section[];
  /**
   * Every string, concatenated: as latin1 bytes (transferred; each string read back is a fresh flat string, which
   * Maps hash and compare fast — slices of one big string made the diff's Maps 3× slower), or as a string when a
   * char above U+00FF is among them (only a hostile PAX name decoded as UTF-8 can give one).
   */
  text: Uint8Array | string;
  /** Distinct mtimes, referenced by number. */
  times: string[];
  numbers: Float64Array;
  lengths: Int32Array;
  /** [entry number, xattrs] for the few entries that have any. */
  xattrs: [number, Record<string, string>][];
}

/** The ArrayBuffers a postMessage can transfer instead of copying. */
export const transferables = (packed: PackedIndex): ArrayBuffer[] => [
  packed.numbers.buffer as ArrayBuffer,
  packed.lengths.buffer as ArrayBuffer,
  ...(typeof packed.text === 'string' ? [] : [packed.text.buffer as ArrayBuffer]),
];

const WIDE = /[^\x00-\xff]/;

function textOf(parts: string[]): Uint8Array | string {
  const joined = parts.join('');
  if (WIDE.test(joined)) return joined;
  // Its own memory (never Buffer's shared pool), so it can be transferred.
  const bytes = Buffer.from(new ArrayBuffer(joined.length));
  bytes.write(joined, 0, 'latin1');
  return bytes;
}

function tarsOf(index: EvidenceIndex): TarIndex[] {
  return index.kind === 'tar' ? [index.index] : index.layers.map((layer) => layer.index);
}

export function packIndex(index: EvidenceIndex): PackedIndex {
  const tars = tarsOf(index);
  const total = tars.reduce((sum, tar) => sum + tar.entries.length, 0);
  const numbers = new Float64Array(total * NUMBERS);
  const lengths = new Int32Array(total * STRINGS);
  const parts: string[] = [];
  const times: string[] = [];
  const timeNumbers = new Map<string, number>();
  const xattrs: [number, Record<string, string>][] = [];
  const put = (slot: number, value: string | undefined): void => {
    if (value === undefined) lengths[slot] = -1;
    else {
      lengths[slot] = value.length;
      parts.push(value);
    }
  };
  let at = 0;
  for (const tar of tars) {
    for (const entry of tar.entries) {
      const n = at * NUMBERS;
      numbers[n] = TYPE_CODES.get(entry.type) ?? TYPES.length - 1;
      numbers[n + 1] = entry.mode;
      numbers[n + 2] = entry.uid;
      numbers[n + 3] = entry.gid;
      numbers[n + 4] = entry.size;
      numbers[n + 5] = entry.headerOffset;
      numbers[n + 6] = entry.dataOffset;
      numbers[n + 7] = entry.devMajor ?? NaN;
      numbers[n + 8] = entry.devMinor ?? NaN;
      numbers[n + 9] = entry.entropy ?? NaN;
      const s = at * STRINGS;
      put(s, entry.path);
      put(s + 1, entry.linkTarget);
      put(s + 2, entry.sha256);
      let time = timeNumbers.get(entry.mtime);
      if (time === undefined) {
        time = times.length;
        times.push(entry.mtime);
        timeNumbers.set(entry.mtime, time);
      }
      lengths[s + 3] = time;
      if (entry.xattrs !== undefined) xattrs.push([at, entry.xattrs]);
      at += 1;
    }
  }
  const sections = tars.map(({ entries, ...rest }): Section => ({ ...rest, count: entries.length }));
  const packed: PackedIndex = {
    kind: index.kind,
    itemId: index.itemId,
    sha256: index.sha256,
    sections,
    text: textOf(parts),
    times,
    numbers,
    lengths,
    xattrs,
  };
  if (index.kind === 'image') {
    packed.archive = index.archive;
    packed.layerPositions = index.layers.map((layer) => index.archive.layers.indexOf(layer.layer));
  }
  return packed;
}

export function unpackIndex(packed: PackedIndex): EvidenceIndex {
  const { text, times, numbers, lengths } = packed;
  const extra = new Map(packed.xattrs);
  let at = 0;
  let offset = 0;
  // A transferred Buffer arrives as a plain Uint8Array.
  const bytes = typeof text === 'string' ? undefined : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  const take = (slot: number): string | undefined => {
    const length = lengths[slot] as number;
    if (length < 0) return undefined;
    const value =
      bytes === undefined
        ? (text as string).slice(offset, offset + length)
        : bytes.toString('latin1', offset, offset + length);
    offset += length;
    return value;
  };
  const tars = packed.sections.map(({ count, ...rest }): TarIndex => {
    const entries = new Array<IndexEntry>(count);
    for (let index = 0; index < count; index += 1, at += 1) {
      const n = at * NUMBERS;
      const s = at * STRINGS;
      const entry: IndexEntry = {
        path: take(s) as string,
        type: TYPES[numbers[n] as number] ?? 'other',
        mode: numbers[n + 1] as number,
        uid: numbers[n + 2] as number,
        gid: numbers[n + 3] as number,
        size: numbers[n + 4] as number,
        mtime: times[lengths[s + 3] as number] as string,
        headerOffset: numbers[n + 5] as number,
        dataOffset: numbers[n + 6] as number,
      };
      // Optional fields in the order a stored index reads back (tar-index-store.ts decodeEntry).
      const linkTarget = take(s + 1);
      if (linkTarget !== undefined) entry.linkTarget = linkTarget;
      if (!Number.isNaN(numbers[n + 7])) entry.devMajor = numbers[n + 7] as number;
      if (!Number.isNaN(numbers[n + 8])) entry.devMinor = numbers[n + 8] as number;
      const sha256 = take(s + 2);
      if (sha256 !== undefined) entry.sha256 = sha256;
      if (!Number.isNaN(numbers[n + 9])) entry.entropy = numbers[n + 9] as number;
      const xattrs = extra.get(at);
      if (xattrs !== undefined) entry.xattrs = xattrs;
      entries[index] = entry;
    }
    return { entries, ...rest };
  });
  if (packed.kind === 'tar') {
    return { kind: 'tar', itemId: packed.itemId, sha256: packed.sha256, index: tars[0] as TarIndex };
  }
  const archive = packed.archive as Extract<EvidenceIndex, { kind: 'image' }>['archive'];
  const layers = tars.map((index, position) => ({
    layer: archive.layers[packed.layerPositions?.[position] ?? position] as (typeof archive.layers)[number],
    index,
  }));
  return { kind: 'image', itemId: packed.itemId, sha256: packed.sha256, archive, layers };
}
