// One IndexEntry from the decoded header (tar-index-header.ts), the entry's raw header block and its raw PAX records.
import type { EntryType } from '../common/diff-model.js';
import { entryTypeFromTarStream, entryTypeFromTypeflag, MODE_MASK } from '../common/tar-entry-type.js';
import type { BytePath, IndexEntry } from '../common/tar-index-model.js';
import { climbsOut, normaliseTarPath } from '../common/tar-path.js';
import type { TarProblem } from '../common/tar-problem.js';
import { isoFromEpochNanos, isoFromEpochSeconds, isoFromPaxTime } from '../common/tar-time.js';
import { tarNumber, xattrsOf } from './tar-index-fields.js';
import type { TarHeader } from './tar-index-header.js';

/** Where the entry's bytes are, as the block walk found them. */
export interface EntryPlace {
  /** First header block of the entry (its PAX or GNU long-name header, or its own header). */
  headerOffset: number;
  /** The entry's own header block, inside `chunk` at `at`. */
  entryHeaderAt: number;
  chunk: Buffer;
  at: number;
  dataOffset: number;
  /** This entry's PAX records (global ones merged in), byte strings. */
  pax?: ReadonlyMap<string, string>;
}

export interface DescribedEntry {
  entry: IndexEntry;
  /** GNU or PAX sparse: the size is the real size, the stored bytes are not the content. */
  sparse: boolean;
  problems: TarProblem[];
}

/** PAX keys that mark a GNU sparse entry (formats 0.0, 0.1 and 1.0). */
const SPARSE_KEYS = ['GNU.sparse.major', 'GNU.sparse.size', 'GNU.sparse.map', 'GNU.sparse.numblocks'];

export function describeEntry(header: TarHeader, place: EntryPlace): DescribedEntry {
  const problems: TarProblem[] = [];
  const { pax, chunk, at } = place;
  let type: EntryType = entryTypeFromTarStream(header.type);
  // PAX path and linkpath as bytes: tar-stream's versions went through a UTF-8 decoder.
  let name = pax?.get('path') ?? header.name;
  let size = header.size ?? 0;
  let sparse = false;
  if (header.type == null) {
    const flag = chunk[at + 156] ?? 0;
    type = entryTypeFromTypeflag(flag);
    if (flag === 0x53 /* 'S': old GNU sparse */) {
      sparse = true;
      // The real size, when it is an exact byte count (a hostile base-256 field can say 2^95).
      const real = Number(tarNumber(chunk, at + 483, 12));
      if (Number.isSafeInteger(real) && real >= 0) size = real;
      if (chunk[at + 482] !== 0) {
        problems.push({
          kind: 'sparse',
          offset: place.entryHeaderAt,
          detail:
            'old GNU sparse entry with extension blocks: tar-stream cannot frame it, entries after it may be misread',
        });
      }
    } else {
      problems.push({
        kind: 'unusual-entry',
        offset: place.entryHeaderAt,
        path: normaliseTarPath(name),
        detail: `typeflag ${JSON.stringify(String.fromCharCode(flag))} is not a file, link, device, fifo or directory; indexed as "${type}"`,
      });
    }
  }
  if (pax !== undefined && SPARSE_KEYS.some((key) => pax.has(key))) {
    sparse = true;
    name = pax.get('GNU.sparse.name') ?? name;
    const real = Number(pax.get('GNU.sparse.realsize') ?? pax.get('GNU.sparse.size'));
    if (Number.isSafeInteger(real) && real >= 0) size = real;
  }
  const path = normaliseTarPath(name);
  const owner = (field: 'uid' | 'gid', offset: number, decoded: number | null): number => {
    const paxValue = pax?.get(field);
    // Base-256 fields are read from the raw block (tar-stream's reading of negative ones is off by one).
    const value =
      paxValue !== undefined && /^\d+$/.test(paxValue)
        ? Number(paxValue)
        : ((chunk[at + offset] ?? 0) & 0x80) !== 0
          ? Number(tarNumber(chunk, at + offset, 8))
          : (decoded ?? 0);
    if (Number.isSafeInteger(value) && value >= 0) return value;
    problems.push({
      kind: 'unusual-entry',
      offset: place.entryHeaderAt,
      path,
      detail: `${field} ${String(value)} is not a non-negative integer; indexed as 0`,
    });
    return 0;
  };
  const entry: IndexEntry = {
    path,
    type,
    mode: (header.mode ?? 0) & MODE_MASK,
    uid: owner('uid', 108, header.uid),
    gid: owner('gid', 116, header.gid),
    size,
    mtime: mtimeOf(header, place, path, problems),
    headerOffset: place.headerOffset,
    dataOffset: place.dataOffset,
  };
  const link = pax?.get('linkpath') ?? header.linkname ?? undefined;
  if (type === 'symlink') entry.linkTarget = link ?? '';
  else if (type === 'hardlink') entry.linkTarget = normaliseTarPath(link ?? '');
  if (type === 'char' || type === 'block') {
    // Non-octal digits make tar-stream's numbers NaN, which no index line can store.
    entry.devMajor = Number.isSafeInteger(header.devmajor) ? (header.devmajor as number) : 0;
    entry.devMinor = Number.isSafeInteger(header.devminor) ? (header.devminor as number) : 0;
  }
  if (pax !== undefined) {
    const xattrs = xattrsOf(pax);
    if (xattrs !== undefined) entry.xattrs = xattrs;
  }
  if (sparse) {
    problems.push({
      kind: 'sparse',
      offset: place.headerOffset,
      path,
      detail: `sparse entry of ${size} bytes: indexed without materialising; its content is neither hashed nor readable`,
    });
  }
  if (climbsOut(path)) {
    problems.push({
      kind: 'path-climbs',
      offset: place.headerOffset,
      path,
      detail: 'the name has a ".." component: an extractor would write outside its target folder',
    });
  }
  return { entry, sparse, problems };
}

function mtimeOf(header: TarHeader, place: EntryPlace, path: BytePath, problems: TarProblem[]): string {
  const paxValue = place.pax?.get('mtime');
  if (paxValue !== undefined) {
    const iso = isoFromPaxTime(paxValue);
    if (iso !== undefined) return iso;
    problems.push({
      kind: 'unusual-entry',
      offset: place.entryHeaderAt,
      path,
      detail: 'PAX mtime is not a number; the header mtime is used',
    });
  }
  // Base-256 mtimes (before 1970, after 2242, or anything a hostile tar says) are read exactly from the raw
  // field: tar-stream's Date is a second off for negative ones and invalid beyond Date's range.
  if (((place.chunk[place.at + 136] ?? 0) & 0x80) !== 0) {
    return isoFromEpochNanos(tarNumber(place.chunk, place.at + 136, 12) * 1_000_000_000n);
  }
  const seconds = header.mtime ?? 0;
  if (Number.isNaN(seconds)) {
    // Found by fuzzing: an mtime field of "99999999999" (not octal) gave tar-stream an invalid Date, and
    // BigInt(NaN) threw inside tar-stream's entry event, an uncaught exception that took the process down.
    problems.push({
      kind: 'unusual-entry',
      offset: place.entryHeaderAt,
      path,
      detail: 'the mtime field is not an octal number; its leading octal digits are used',
    });
    return isoFromEpochSeconds(tarNumber(place.chunk, place.at + 136, 12));
  }
  return isoOfSeconds(seconds);
}

/**
 * ISO strings of recent whole-second mtimes, made once each: a filesystem has few distinct mtimes (242 among the
 * Debian test image's 6,665 entries) and a fresh string per entry was garbage-collector work at a million entries.
 * Only the memory is shared; the text is what isoFromEpochSeconds gives.
 */
const isoBySeconds = new Map<number, string>();
const ISO_CACHE_SIZE = 4096;

function isoOfSeconds(seconds: number): string {
  let iso = isoBySeconds.get(seconds);
  if (iso === undefined) {
    if (isoBySeconds.size >= ISO_CACHE_SIZE) isoBySeconds.clear();
    iso = isoFromEpochSeconds(seconds);
    isoBySeconds.set(seconds, iso);
  }
  return iso;
}
