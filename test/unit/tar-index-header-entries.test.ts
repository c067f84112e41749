// Whole entries: the index frames and names what tar-stream's extract (the old indexer's reader) emits, entry for
// entry, for GNU tar's archives; where the index chose GNU tar's reading, one example each.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { entryTypeFromTarStream, MODE_MASK } from '../../src/forensics/common/tar-entry-type.js';
import { normaliseTarPath } from '../../src/forensics/common/tar-path.js';
import { indexTar } from '../../src/forensics/node/tar-index.js';
import { file, pax, tar } from '../support/hostile-tar.js';
import { corpus, type CorpusArchive } from './tar-index-corpus.js';

interface Seen {
  path: string;
  type: string;
  size: number;
  mode: number;
  linkTarget?: string;
  sha256?: string;
  /** tar-stream's name when its UTF-8 decoder replaced bytes (the first example below): compared decoded. */
  lossy?: string;
}

/** What tar-stream's extract (latin1 names, unknown formats allowed, as the old indexer ran it) emits. */
async function extracted(bytes: Buffer): Promise<Seen[]> {
  // @types/tar-stream 3.1 lacks these two options tar-stream 3 reads.
  const options = { filenameEncoding: 'latin1', allowUnknownFormat: true } as Parameters<typeof extract>[0];
  const reader = extract(options);
  Readable.from([bytes]).pipe(reader);
  const seen: Seen[] = [];
  for await (const entry of reader) {
    const hash = createHash('sha256');
    for await (const chunk of entry) hash.update(chunk as Buffer);
    const { header } = entry;
    const paxRecords = (header.pax ?? undefined) as Record<string, string> | undefined;
    // PAX names came through tar-stream's UTF-8 decoder: back to bytes to compare with the index's byte strings.
    const fromPax = (key: 'path' | 'linkpath', value: string): string =>
      paxRecords?.[key] === undefined ? value : Buffer.from(value, 'utf8').toString('latin1');
    const type = entryTypeFromTarStream(header.type);
    const link = header.linkname == null ? undefined : fromPax('linkpath', header.linkname);
    const lossy = paxRecords?.['path'] !== undefined && header.name.includes('\ufffd');
    seen.push({
      ...(lossy ? { lossy: normaliseTarPath(header.name) } : {}),
      path: normaliseTarPath(fromPax('path', header.name)),
      type,
      size: header.size ?? 0,
      mode: (header.mode ?? 0) & MODE_MASK,
      ...(type === 'symlink' ? { linkTarget: link ?? '' } : {}),
      ...(type === 'hardlink' ? { linkTarget: normaliseTarPath(link ?? '') } : {}),
      ...(type === 'file' ? { sha256: hash.digest('hex') } : {}),
    });
  }
  return seen;
}

async function indexed(bytes: Buffer): Promise<Seen[]> {
  const { entries } = await indexTar({ stream: Readable.from([bytes]) });
  return entries.map(({ path, type, size, mode, linkTarget, sha256 }) => ({
    path,
    type,
    size,
    mode,
    ...(linkTarget === undefined ? {} : { linkTarget }),
    ...(sha256 === undefined ? {} : { sha256 }),
  }));
}

describe('given GNU tar-made archives (default, pax, gnu, oldgnu, ustar)', () => {
  let archives: CorpusArchive[];
  beforeAll(async () => {
    // The hostile corpus is left to the block-level test: many of its archives are broken where the two part.
    archives = (await corpus()).filter(({ name }) => name.startsWith('GNU tar') || name.startsWith('realTar'));
  }, 120_000);

  it('when each is extracted by tar-stream and indexed, then entries, names, sizes, links and contents agree', async () => {
    expect(archives.length).toBe(5);
    for (const { name, bytes } of archives) {
      const reference = await extracted(bytes);
      const entries = await indexed(bytes);
      expect(reference.length).toBeGreaterThan(5);
      for (const [at, seen] of reference.entries()) {
        const { lossy, ...rest } = seen;
        if (lossy === undefined) continue;
        // Our bytes, decoded as tar-stream decoded them, give tar-stream's name: the same name, kept exact.
        const ours = entries[at]?.path ?? '';
        expect(Buffer.from(ours, 'latin1').toString('utf8')).toBe(lossy);
        reference[at] = { ...rest, path: ours };
      }
      expect({ archive: name, entries }).toEqual({ archive: name, entries: reference });
    }
  });
});

describe('given the cases where tar-stream is wrong and the index reads as GNU tar does', () => {
  it('when a PAX path is not valid UTF-8, then the index keeps its bytes where tar-stream has U+FFFD', async () => {
    const bytes = tar([pax([['path', Buffer.from([0x6e, 0xff, 0xfe, 0x2e, 0x74])]]), file('placeholder', 'x')]);
    const [reference] = await extracted(bytes);
    const [entry] = await indexed(bytes);
    // tar-stream decoded the record as UTF-8: two replacement characters, then back to bytes, are not the name.
    expect(reference?.path).not.toBe('n\xff\xfe.t');
    expect(entry?.path).toBe('n\xff\xfe.t');
  });

  it('when a PAX record gives uid and mtime, then the index uses them (tar-stream ignores them)', async () => {
    const bytes = tar([
      pax([
        ['uid', '4000000000'],
        ['mtime', '1700000000.5'],
      ]),
      file('owned', 'x', { uid: 7, mtime: 1 }),
    ]);
    const { entries } = await indexTar({ stream: Readable.from([bytes]) });
    expect(entries[0]).toMatchObject({ uid: 4_000_000_000, mtime: '2023-11-14T22:13:20.5Z' });
  });

  it('when a negative uid is in base-256, then the index reads it exactly where tar-stream is one off', async () => {
    // tar-stream's one's complement reads 0xff…ff (-1) as -0: the index flags the real value instead.
    const bytes = tar([file('negative', 'x', { uid: -1, base256: ['uid'] })]);
    const { entries, problems } = await indexTar({ stream: Readable.from([bytes]) });
    expect(entries[0]?.uid).toBe(0);
    expect(problems.map((problem) => problem.detail)).toContain('uid -1 is not a non-negative integer; indexed as 0');
  });
});
