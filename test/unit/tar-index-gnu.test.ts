// The tar index agrees with GNU tar's own listing of the same archive, and every file reads back by its offset.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastWins } from '../../src/forensics/common/tar-index-view.js';
import type { IndexEntry } from '../../src/forensics/common/tar-index-model.js';
import { permissionString } from '../../src/forensics/common/tar-entry-type.js';
import { entryContent, readEntrySlice, MAX_SLICE_BYTES } from '../../src/forensics/node/evidence-file-reader.js';
import { indexTar, type TarIndex } from '../../src/forensics/node/tar-index.js';
import {
  buildTree,
  byteString,
  gnuListing,
  gnuTimeToIso,
  NAMES,
  removeDir,
  run,
  sha256,
  tempDir,
  TYPE_BY_CHAR,
  type ListedEntry,
  type TreeFiles,
} from './tar-index-support.js';

let work: string;
let tree: string;
let files: TreeFiles;
const archives: Record<string, { file: string; index: TarIndex; listing: ListedEntry[] }> = {};

/** Names plain ustar cannot hold: numbers beyond its octal fields, names beyond its 100+155 bytes. */
const NOT_USTAR = ['huge-uid', 'before-1970', 'after-2242', NAMES.longComponent, NAMES.longPath];

/** What GNU tar writes for each format: PAX with xattrs, GNU (base-256 numbers), plain ustar (what fits). */
const FORMATS: Record<string, string[]> = {
  pax: ['--format=pax', '--xattrs', '--xattrs-include=*'],
  gnu: ['--format=gnu'],
  ustar: ['--format=ustar', ...NOT_USTAR.map((name) => `--exclude=./${name}`)],
};

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this suite creates device nodes with mknod and needs root');
  work = await tempDir('gnu');
  tree = `${work}/tree`;
  await run('mkdir', [tree]);
  files = await buildTree(tree, { devices: true, capability: true, outOfRange: true });
  for (const [format, flags] of Object.entries(FORMATS)) {
    const file = `${work}/${format}.tar`;
    await run('tar', [...flags, '-C', tree, '-cf', file, '.']);
    archives[format] = { file, index: await indexTar({ file }), listing: await gnuListing(file) };
  }
}, 120_000);

afterAll(async () => {
  if (work) await removeDir(work);
});

function archive(format: string): { file: string; index: TarIndex; listing: ListedEntry[] } {
  const found = archives[format];
  if (found === undefined) throw new Error(`no ${format} archive`);
  return found;
}

describe.each(Object.keys(FORMATS))('given a tree archived by GNU tar in %s format', (format) => {
  it('when indexed, then it has exactly the paths GNU tar lists, in the same order, and the archive is complete', () => {
    const { index, listing } = archive(format);
    expect(listing.length).toBeGreaterThan(20);
    expect(index.problems).toEqual([]);
    expect(index.complete).toBe(true);
    expect(index.entries.map((entry) => entry.path)).toEqual(listing.map((line) => line.path));
  });

  it('then every entry has the type, permissions, owner, size, device numbers, mtime and link target GNU tar shows', () => {
    const { index, listing } = archive(format);
    listing.forEach((line, position) => {
      const entry = index.entries[position] as IndexEntry;
      const where = `${format} ${JSON.stringify(line.path)}`;
      expect(entry.type, where).toBe(TYPE_BY_CHAR[line.typeChar]);
      expect(permissionString(entry.mode), where).toBe(line.permissions);
      expect([entry.uid, entry.gid], where).toEqual([line.uid, line.gid]);
      expect(entry.mtime, where).toBe(gnuTimeToIso(line.time));
      if (line.device) expect([entry.devMajor, entry.devMinor], where).toEqual([line.device.major, line.device.minor]);
      else expect(entry.size, where).toBe(line.size);
      if (line.typeChar === 'l') expect(entry.linkTarget, where).toBe(line.linkTarget);
      // GNU tar prints hardlink targets as stored ("./etc/…"); the index keeps them normalised like paths.
      if (line.typeChar === 'h') expect(entry.linkTarget, where).toBe(line.linkTarget?.replace(/^\.\//, ''));
    });
  });

  it('then hostile names are kept byte for byte: newline, ESC, HTML, bidi override, invalid UTF-8, long names', () => {
    const paths = new Set(archive(format).index.entries.map((entry) => entry.path));
    const long = format === 'ustar' ? [] : [NAMES.longComponent, NAMES.longPath];
    for (const name of [NAMES.newline, NAMES.escape, NAMES.html, NAMES.bidi, ...long]) {
      expect(paths.has(byteString(name)), JSON.stringify(name)).toBe(true);
    }
    expect(paths.has(byteString(NAMES.invalidUtf8))).toBe(true);
  });

  it('then symlinks to host paths are recorded as links with their targets, never followed', () => {
    const { byPath } = lastWins(archive(format).index.entries);
    expect(byPath.get('abs-link')).toMatchObject({ type: 'symlink', linkTarget: '/etc/passwd', size: 0 });
    expect(byPath.get('etc/rel-link')).toMatchObject({ type: 'symlink', linkTarget: '../../../../etc/shadow' });
    expect(byPath.get('abs-link')?.sha256).toBeUndefined();
    expect(byPath.get('fifo')).toMatchObject({ type: 'fifo', size: 0 });
    expect(byPath.get('null-like')).toMatchObject({ type: 'char', devMajor: 1, devMinor: 3 });
    expect(byPath.get('loop-like')).toMatchObject({ type: 'block', devMajor: 7, devMinor: 0 });
  });

  it('then setuid, setgid and sticky bits are in the mode', () => {
    const { byPath } = lastWins(archive(format).index.entries);
    expect(byPath.get('setuid-tool')?.mode).toBe(0o4755);
    expect(byPath.get('setgid-dir')?.mode).toBe(0o2755);
    expect(byPath.get('sticky-dir')?.mode).toBe(0o1777);
  });

  it('then every regular file reads back by its offset, in capped slices, with the hash of the original file', async () => {
    const { file, index } = archive(format);
    const indexed = index.entries.filter((entry) => entry.type === 'file');
    const kept = format === 'ustar' ? files.size - NOT_USTAR.length : files.size;
    expect(indexed.length).toBe(kept);
    for (const entry of indexed) {
      const original = files.get(entry.path);
      expect(original, JSON.stringify(entry.path)).toBeDefined();
      expect(entry.sha256).toBe(sha256(original as Buffer));
      const pieces: Buffer[] = [];
      for (let offset = 0; offset < entry.size || offset === 0;) {
        const slice = await readEntrySlice(file, entry, offset, MAX_SLICE_BYTES * 2);
        expect(slice.bytes.length).toBeLessThanOrEqual(MAX_SLICE_BYTES);
        expect(slice.totalBytes).toBe(entry.size);
        pieces.push(slice.bytes);
        offset += slice.bytes.length;
        expect(slice.truncated).toBe(offset < entry.size);
        if (slice.bytes.length === 0) break;
      }
      expect(sha256(Buffer.concat(pieces)), JSON.stringify(entry.path)).toBe(entry.sha256);
      // Whole-file readers (package databases) stream the content uncapped instead.
      const streamed: Buffer[] = [];
      for await (const piece of entryContent(file, entry)) streamed.push(piece);
      expect(sha256(Buffer.concat(streamed)), JSON.stringify(entry.path)).toBe(entry.sha256);
    }
  });

  it('then every headerOffset starts a valid header (its own or its PAX/long-name one) and dataOffset follows the entry header', async () => {
    const { file, index } = archive(format);
    const bytes = await readFile(file);
    const checksumOk = (block: Buffer): boolean => {
      let sum = 0;
      block.forEach((byte, at) => (sum += at >= 148 && at < 156 ? 0x20 : byte));
      return sum === parseInt(block.toString('latin1', 148, 156), 8);
    };
    const flags = { file: '0', dir: '5', symlink: '2', hardlink: '1', char: '3', block: '4', fifo: '6' } as const;
    for (const entry of index.entries) {
      const first = bytes.subarray(entry.headerOffset, entry.headerOffset + 512);
      const own = bytes.subarray(entry.dataOffset - 512, entry.dataOffset);
      expect(checksumOk(first) && checksumOk(own), JSON.stringify(entry.path)).toBe(true);
      expect(String.fromCharCode(own[156] ?? 0)).toBe(flags[entry.type as keyof typeof flags]);
      if (entry.headerOffset !== entry.dataOffset - 512) expect('xLK').toContain(String.fromCharCode(first[156] ?? 0));
    }
  });

  it('then hashing on the worker thread (as large tars are) gives exactly the same index', async () => {
    const { file, index } = archive(format);
    expect(await indexTar({ file }, { parallelHashing: true })).toEqual(index);
  });

  it('then files of at least 1 MiB carry their entropy: random ≈ 8 bits per byte, zeros 0', () => {
    const { byPath } = lastWins(archive(format).index.entries);
    expect(byPath.get('random-1536k.bin')?.entropy).toBeGreaterThan(7.99);
    expect(byPath.get('zeros-1200k.bin')?.entropy).toBe(0);
    expect(byPath.get('random-700k.bin')?.entropy).toBeUndefined();
  });
});

describe('given the PAX archive with extended attributes', () => {
  it('when indexed, then security.capability is kept as its exact bytes (base64), as getfattr would show them', async () => {
    const { byPath } = lastWins(archive('pax').index.entries);
    const xattrs = byPath.get('capable')?.xattrs;
    expect(Object.keys(xattrs ?? {})).toEqual(['security.capability']);
    // The kernel's own bytes for the capability, read with getcap's companion: the raw xattr via tar's listing.
    const { stdout } = await run('getcap', [`${tree}/capable`]);
    expect(stdout.toString()).toContain('cap_net_raw=ep');
    const value = Buffer.from(xattrs?.['security.capability'] ?? '', 'base64');
    // VFS_CAP_REVISION_2 (0x02000000) with the effective flag, permitted = CAP_NET_RAW (bit 13).
    expect(value.length).toBe(20);
    expect(value.readUInt32LE(0)).toBe(0x02000001);
    expect(value.readUInt32LE(4)).toBe(1 << 13);
  });

  it('then PAX fractional mtimes keep their digits', () => {
    const { byPath } = lastWins(archive('pax').index.entries);
    expect(byPath.get('fractional-mtime')?.mtime).toBe('2023-11-14T22:13:20.25Z');
    // The ustar header keeps whole seconds only.
    expect(lastWins(archive('ustar').index.entries).byPath.get('fractional-mtime')?.mtime).toBe('2023-11-14T22:13:20Z');
  });
});

describe('given a responder asking for bytes that are not there', () => {
  it('when the offset is past the end, or the entry has no content of its own, then the read is refused in words', async () => {
    const { file, index } = archive('pax');
    const { byPath } = lastWins(index.entries);
    const job = byPath.get('etc/cron.d/job') as IndexEntry;
    await expect(readEntrySlice(file, job, job.size + 1, 10)).rejects.toThrow(/offset \d+ is outside the file/);
    await expect(readEntrySlice(file, byPath.get('fifo') as IndexEntry, 0, 10)).rejects.toThrow(
      /a fifo has no content/,
    );
    await expect(readEntrySlice(file, byPath.get('hardlinked-job') as IndexEntry, 0, 10)).rejects.toThrow(/a hardlink/);
    expect(await readEntrySlice(file, job, job.size, 10)).toMatchObject({ offset: job.size, truncated: false });
  });

  it('when the index says more than the evidence file holds (a stale index), then the read fails instead of returning short', async () => {
    const { file, index } = archive('pax');
    const big = lastWins(index.entries).byPath.get('random-1536k.bin') as IndexEntry;
    const moved = { ...big, dataOffset: (await readFile(file)).length - 100 };
    await expect(readEntrySlice(file, moved, 0, 1000)).rejects.toThrow(/the index is stale or the file was cut/);
  });
});

describe('given numbers that do not fit ustar octal fields', () => {
  it('when GNU tar writes them base-256 (gnu format) or as PAX records, then both read the same values', () => {
    for (const format of ['gnu', 'pax']) {
      const { byPath } = lastWins(archive(format).index.entries);
      expect(byPath.get('huge-uid'), format).toMatchObject({ uid: 4_000_000_000, gid: 4_000_000_001 });
      expect(byPath.get('before-1970')?.mtime, format).toBe('1960-01-01T00:00:00Z');
      expect(byPath.get('after-2242')?.mtime, format).toBe('2400-01-01T00:00:00Z');
    }
  });
});
