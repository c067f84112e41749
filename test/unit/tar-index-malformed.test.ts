// Broken and hostile tars: indexing keeps everything before the fault, says where and why, and never hangs.
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastWins } from '../../src/forensics/common/tar-index-view.js';
import type { IndexEntry } from '../../src/forensics/common/tar-index-model.js';
import { readEntrySlice } from '../../src/forensics/node/evidence-file-reader.js';
import { indexTar, type TarIndex } from '../../src/forensics/node/tar-index.js';
import { base256, file, header, tar } from '../support/hostile-tar.js';
import { chunked, fixChecksum, padded, removeDir, run, sha256, tempDir, ustarHeader } from './tar-index-support.js';

let work: string;
/** A GNU-format archive of a (1000 bytes), b (3000 bytes), c (10 bytes), in that order. */
let healthy: Buffer;
let full: TarIndex;
const content = {
  a: Buffer.alloc(1000, 0x61),
  b: Buffer.from(Array.from({ length: 3000 }, (_, index) => index % 251)),
  c: Buffer.from('0123456789'),
};

beforeAll(async () => {
  work = await tempDir('malformed');
  await run('mkdir', [`${work}/tree`]);
  for (const [name, bytes] of Object.entries(content)) await writeFile(`${work}/tree/${name}`, bytes);
  await run('tar', ['--format=gnu', '-C', `${work}/tree`, '-cf', `${work}/healthy.tar`, 'a', 'b', 'c']);
  healthy = await readFile(`${work}/healthy.tar`);
  full = await indexTar({ file: `${work}/healthy.tar` });
});

afterAll(async () => {
  if (work) await removeDir(work);
});

function entry(index: TarIndex, path: string): IndexEntry {
  const found = index.entries.find((candidate) => candidate.path === path);
  if (found === undefined) throw new Error(`${path} not indexed`);
  return found;
}

/** Indexes the same bytes from a file and as streams cut into awkward chunk sizes; all must agree. */
async function indexEveryWay(bytes: Buffer, name: string): Promise<TarIndex> {
  const file = `${work}/${name}`;
  await writeFile(file, bytes);
  const fromFile = await indexTar({ file }, { streamSha256: true });
  for (const size of [1, 7, 511, 513, 4096]) {
    const fromStream = await indexTar({ stream: chunked(bytes, size) }, { streamSha256: true });
    expect({ ...fromStream, bytes: 0 }, `chunks of ${size}`).toEqual({ ...fromFile, bytes: 0 });
  }
  // Hashing on the worker thread (what large tars get) gives the same index, problems and all.
  const onWorker = await indexTar({ file }, { streamSha256: true, parallelHashing: true });
  expect(onWorker, 'hashed on the worker').toEqual(fromFile);
  const streamedToWorker = await indexTar(
    { stream: chunked(bytes, 700) },
    { streamSha256: true, parallelHashing: true },
  );
  expect({ ...streamedToWorker, bytes: 0 }, 'streamed, hashed on the worker').toEqual({ ...fromFile, bytes: 0 });
  // The stream hash covers every byte read (for a whole file: the file's own SHA-256).
  if (fromFile.bytes === bytes.length) expect(fromFile.sha256).toBe(sha256(bytes));
  return fromFile;
}

describe('given a healthy archive', () => {
  it('when indexed from a file or from streams cut into 1-, 7-, 511-, 513- and 4096-byte chunks, then the indexes are identical', async () => {
    const index = await indexEveryWay(healthy, 'healthy-copy.tar');
    expect(index.complete).toBe(true);
    expect(index.problems).toEqual([]);
    expect(index.entries.map((item) => [item.path, item.sha256])).toEqual(
      Object.entries(content).map(([name, bytes]) => [name, sha256(bytes)]),
    );
  });
});

describe('given an archive cut short', () => {
  it('when the cut falls inside a file, then the files before it keep their hashes and the cut one is listed without', async () => {
    const b = entry(full, 'b');
    const index = await indexEveryWay(healthy.subarray(0, b.dataOffset + 1500), 'cut-data.tar');
    expect(index.complete).toBe(false);
    expect(entry(index, 'a').sha256).toBe(sha256(content.a));
    expect(entry(index, 'b')).toMatchObject({ size: 3000 });
    expect(entry(index, 'b').sha256).toBeUndefined();
    expect(index.problems).toEqual([
      {
        kind: 'truncated',
        offset: b.dataOffset + 1500,
        path: 'b',
        detail: "the tar ends inside this entry's content after 1500 of 3000 bytes: indexed without a hash",
      },
    ]);
    await expect(readEntrySlice(`${work}/cut-data.tar`, entry(index, 'b'), 0, 10)).rejects.toThrow(
      /without its content/,
    );
  });

  it('when the cut falls inside a large file hashed on the worker thread, then the result is the same as hashed here', async () => {
    const dir = `${work}/large`;
    await run('mkdir', ['-p', dir]);
    await writeFile(`${dir}/first`, Buffer.alloc(700 * 1024, 1));
    await writeFile(`${dir}/second`, Buffer.alloc(900 * 1024, 2));
    await run('tar', ['--format=gnu', '-C', dir, '-cf', `${dir}.tar`, 'first', 'second']);
    const whole = await readFile(`${dir}.tar`);
    const second = entry(await indexTar({ file: `${dir}.tar` }), 'second');
    const cut = whole.subarray(0, second.dataOffset + 500 * 1024);
    for (const parallelHashing of [false, true]) {
      const index = await indexTar({ stream: chunked(cut, 64 * 1024) }, { parallelHashing, streamSha256: true });
      expect(
        index.entries.map((item) => [item.path, item.sha256]),
        `worker: ${parallelHashing}`,
      ).toEqual([
        ['first', sha256(Buffer.alloc(700 * 1024, 1))],
        ['second', undefined],
      ]);
      expect(index.sha256).toBe(sha256(cut));
      expect(index.problems.map((problem) => [problem.kind, problem.path])).toEqual([['truncated', 'second']]);
    }
  });

  it('when the cut falls inside a header, then every earlier entry is kept and the problem names the header', async () => {
    const c = entry(full, 'c');
    const index = await indexEveryWay(healthy.subarray(0, c.headerOffset + 100), 'cut-header.tar');
    expect(index.entries.map((item) => item.path)).toEqual(['a', 'b']);
    expect(entry(index, 'b').sha256).toBe(sha256(content.b));
    expect(index.problems).toEqual([
      {
        kind: 'truncated',
        offset: c.headerOffset + 100,
        detail: 'the tar ends inside a header (100 bytes of a header region); 2 entries indexed before it',
      },
    ]);
  });

  it('when the cut drops the end-of-archive blocks (or one of them), then all entries are there but the archive is not complete', async () => {
    const c = entry(full, 'c');
    const endOfEntries = c.dataOffset + 512;
    for (const extra of [0, 512]) {
      const index = await indexEveryWay(healthy.subarray(0, endOfEntries + extra), `cut-end-${extra}.tar`);
      expect(index.entries.map((item) => item.sha256)).toEqual(full.entries.map((item) => item.sha256));
      expect(index.complete).toBe(false);
      expect(index.problems).toEqual([
        {
          kind: 'truncated',
          offset: endOfEntries + extra,
          detail: 'the tar ends without end-of-archive blocks after 3 entries: it may have been cut',
        },
      ]);
    }
  });

  it('when the archive is empty (zero bytes), then nothing is indexed and it is not complete', async () => {
    const index = await indexEveryWay(Buffer.alloc(0), 'empty.tar');
    expect(index.entries).toEqual([]);
    expect(index.complete).toBe(false);
    expect(index.problems.map((problem) => problem.kind)).toEqual(['truncated']);
  });
});

describe('given a header that does not parse', () => {
  it('when its checksum is wrong, then indexing stops there with the entries before it kept', async () => {
    const bytes = Buffer.from(healthy);
    const c = entry(full, 'c');
    bytes[c.headerOffset + 10] = 0x21;
    const index = await indexEveryWay(bytes, 'bad-checksum.tar');
    expect(index.entries.map((item) => item.path)).toEqual(['a', 'b']);
    expect(index.complete).toBe(false);
    expect(index.problems).toHaveLength(1);
    expect(index.problems[0]).toMatchObject({ kind: 'bad-header', offset: c.headerOffset });
    expect(index.problems[0]?.detail).toMatch(/Invalid tar header.*2 entries indexed before it/);
  });

  it('when a PAX header claims 5 MiB, then it is refused as a bad header instead of being buffered', async () => {
    const pax = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const bytes = Buffer.concat([
      ustarHeader({ name: 'first', size: 3, typeflag: '0' }),
      padded(Buffer.from('one')),
      ustarHeader({ name: 'PaxHeader', size: pax.length, typeflag: 'x' }),
      padded(pax),
      ustarHeader({ name: 'second', size: 0, typeflag: '0' }),
      Buffer.alloc(1024),
    ]);
    const index = await indexTar({ stream: chunked(bytes, 65536) });
    expect(index.entries.map((item) => item.path)).toEqual(['first']);
    expect(index.problems).toHaveLength(1);
    expect(index.problems[0]).toMatchObject({ kind: 'bad-header', offset: 1024 });
    expect(index.problems[0]?.detail).toMatch(/Header exceeds max size/);
  });
});

describe('given base-256 numbers far outside any clock', () => {
  it('when mtimes are 400 million years away, then they are exact expanded-year ISO times; a negative uid is flagged', async () => {
    // 400 Gregorian years are exactly 146097 days, so these instants fall on 1 January at midnight.
    const cycle = 146_097n * 86_400n;
    const bytes = Buffer.from(healthy);
    const base256 = (block: Buffer, at: number, length: number, value: bigint): void => {
      let twos = value < 0n ? (1n << BigInt(8 * length)) + value : value;
      for (let index = length - 1; index >= 0; index -= 1) {
        block[at + index] = Number(twos & 0xffn);
        twos >>= 8n;
      }
      if (value >= 0n) block[at] = 0x80;
    };
    const a = bytes.subarray(entry(full, 'a').headerOffset, entry(full, 'a').headerOffset + 512);
    base256(a, 136, 12, 1_000_000n * cycle);
    fixChecksum(a);
    const b = bytes.subarray(entry(full, 'b').headerOffset, entry(full, 'b').headerOffset + 512);
    base256(b, 136, 12, -1_000_000n * cycle);
    base256(b, 108, 8, -2n);
    fixChecksum(b);
    const index = await indexEveryWay(bytes, 'base256.tar');
    expect(entry(index, 'a').mtime).toBe('+400001970-01-01T00:00:00Z');
    expect(entry(index, 'b').mtime).toBe('-399998030-01-01T00:00:00Z');
    expect(entry(index, 'b').uid).toBe(0);
    expect(index.problems).toEqual([
      {
        kind: 'unusual-entry',
        offset: entry(full, 'b').headerOffset,
        path: 'b',
        detail: 'uid -2 is not a non-negative integer; indexed as 0',
      },
    ]);
    expect(index.complete).toBe(true);
  });
});

describe('given the same path twice (GNU tar --append)', () => {
  it('when indexed, then both are kept in tar order, the duplicate is flagged, and the last one wins', async () => {
    await run('cp', [`${work}/healthy.tar`, `${work}/appended.tar`]);
    await writeFile(`${work}/tree/a`, 'replaced content');
    await run('tar', ['--format=gnu', '-C', `${work}/tree`, '-rf', `${work}/appended.tar`, 'a']);
    await writeFile(`${work}/tree/a`, content.a);
    const index = await indexTar({ file: `${work}/appended.tar` });
    expect(index.entries.map((item) => item.path)).toEqual(['a', 'b', 'c', 'a']);
    expect(index.problems).toEqual([
      {
        kind: 'duplicate-path',
        offset: index.entries[3]?.headerOffset,
        path: 'a',
        detail: 'occurrence 2 of this path; every occurrence is indexed and the last one wins',
      },
    ]);
    const { byPath, duplicated } = lastWins(index.entries);
    expect(duplicated).toEqual(['a']);
    expect(byPath.get('a')?.sha256).toBe(sha256(Buffer.from('replaced content')));
  });
});

describe('given bytes after the end-of-archive blocks', () => {
  it('when they are junk, then the index is complete and says it ignored them', async () => {
    const index = await indexEveryWay(Buffer.concat([healthy, Buffer.from('junk after the end')]), 'junk.tar');
    expect(index.complete).toBe(true);
    expect(index.entries).toHaveLength(3);
    expect(index.problems.map((problem) => problem.kind)).toEqual(['trailing-data']);
  });

  it('when they are a second archive (as `cat a.tar b.tar` makes), then, like GNU tar without -i, only the first is indexed', async () => {
    const second = ustarHeader({ name: 'hidden-after-end', size: 0, typeflag: '0' });
    const c = entry(full, 'c');
    const docker = healthy.subarray(0, c.dataOffset + 512 + 1024);
    const index = await indexEveryWay(Buffer.concat([docker, second, Buffer.alloc(1024)]), 'concatenated.tar');
    expect(index.entries.map((item) => item.path)).toEqual(['a', 'b', 'c']);
    expect(index.complete).toBe(true);
    expect(index.problems).toEqual([
      {
        kind: 'trailing-data',
        offset: c.dataOffset + 512 + 1024,
        detail: expect.stringMatching(/^non-zero bytes \(another header, or junk\) after the end-of-archive blocks/),
      },
    ]);
    const { stdout } = await run('tar', ['-tf', `${work}/concatenated.tar`]);
    expect(stdout.toString()).toBe('a\nb\nc\n');
  });
});

describe('given sparse files', () => {
  it.each([
    ['gnu', ['--format=gnu']],
    ['pax 1.0', ['--format=pax', '--sparse-version=1.0']],
    ['pax 0.1', ['--format=pax', '--sparse-version=0.1']],
  ])(
    'when GNU tar stores one in %s form, then it is indexed with its real size, unhashed, and what follows is intact',
    async (label, flags) => {
      const dir = `${work}/sparse-${label.replace(/\W/g, '')}`;
      await run('mkdir', ['-p', dir]);
      await run('truncate', ['-s', '64M', `${dir}/holes`]);
      await run('dd', ['if=/dev/urandom', `of=${dir}/holes`, 'bs=4096', 'count=1', 'seek=100', 'conv=notrunc']);
      await writeFile(`${dir}/after`, 'after the sparse file');
      await run('tar', [...flags, '--sparse', '-C', dir, '-cf', `${dir}.tar`, 'holes', 'after']);
      const index = await indexTar({ file: `${dir}.tar` });
      expect(index.entries.map((item) => [item.path, item.type, item.size])).toEqual([
        ['holes', 'file', 64 * 1024 * 1024],
        ['after', 'file', 21],
      ]);
      expect(entry(index, 'holes').sha256).toBeUndefined();
      expect(entry(index, 'after').sha256).toBe(sha256(Buffer.from('after the sparse file')));
      expect(index.problems.map((problem) => [problem.kind, problem.path])).toEqual([['sparse', 'holes']]);
      expect(index.complete).toBe(true);
    },
  );
});

describe('given an old v7 archive (no ustar magic)', () => {
  it('when indexed, then its entries are read like any other', async () => {
    await run('tar', ['--format=v7', '-C', `${work}/tree`, '-cf', `${work}/v7.tar`, 'a', 'b', 'c']);
    const index = await indexTar({ file: `${work}/v7.tar` });
    expect(index.entries.map((item) => [item.path, item.sha256])).toEqual(
      full.entries.map((item) => [item.path, item.sha256]),
    );
    expect(index.problems).toEqual([]);
  });
});

describe('given a responder who cancels', () => {
  it('when the signal fires, then indexing rejects with the abort instead of running on', async () => {
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield healthy.subarray(0, 1024);
      controller.abort(new Error('responder cancelled'));
      yield healthy.subarray(1024);
    }
    await expect(indexTar({ stream: slow() }, { signal: controller.signal })).rejects.toThrow('responder cancelled');
  });

  it('when the producing stream fails, then what arrived is indexed and the failure is a problem', async () => {
    const c = entry(full, 'c');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield healthy.subarray(0, c.headerOffset);
      throw new Error('connection reset by engine');
    }
    const index = await indexTar({ stream: failing() }, { streamSha256: true });
    expect(index.entries.map((item) => item.path)).toEqual(['a', 'b']);
    expect(index.sha256).toBeUndefined();
    expect(index.problems[0]).toMatchObject({ kind: 'truncated', offset: c.headerOffset });
    expect(index.problems[0]?.detail).toMatch(/connection reset by engine/);
  });
});

// Archives the fuzzer (test/unit/fuzz-tar-index.test.ts) and the hostile corpus found: each once crashed the
// process from inside tar-stream's entry event, left indexTar pending forever, or indexed differently by chunking.
describe('given header fields found by fuzzing', () => {
  const withField = (name: string, at: number, edit: (block: Buffer) => void): Buffer => {
    const bytes = Buffer.from(healthy);
    const block = bytes.subarray(entry(full, name).headerOffset, entry(full, name).headerOffset + 512);
    edit(block.subarray(at));
    fixChecksum(block);
    return bytes;
  };

  it('when an mtime field holds "99999999999" (not octal), then the entry is indexed at its leading digits and flagged', async () => {
    const index = await indexEveryWay(
      withField('a', 136, (field) => field.write('99999999999\0', 'latin1')),
      'mtime-9.tar',
    );
    expect(index.entries.map((item) => [item.path, item.mtime])).toEqual([
      ['a', '1970-01-01T00:00:00Z'],
      ['b', entry(full, 'b').mtime],
      ['c', entry(full, 'c').mtime],
    ]);
    expect(index.problems).toEqual([
      {
        kind: 'unusual-entry',
        offset: entry(full, 'a').headerOffset,
        path: 'a',
        detail: 'the mtime field is not an octal number; its leading octal digits are used',
      },
    ]);
    expect(index.complete).toBe(true);
  });

  it('when a size field starts with 0x81 or says 2^62 in base-256, then indexing stops there instead of waiting forever', async () => {
    for (const [name, edit, shown] of [
      ['size-0x81.tar', (field: Buffer) => (field[0] = 0x81), 'null'],
      ['size-2-62.tar', (field: Buffer) => base256(field, 0, 12, 2n ** 62n), String(2 ** 62)],
    ] as const) {
      const index = await indexEveryWay(withField('b', 124, edit), name);
      expect(index.entries.map((item) => item.path)).toEqual(['a']);
      expect(index.problems).toEqual([
        {
          kind: 'bad-header',
          offset: entry(full, 'b').headerOffset,
          detail: `the size field does not hold a byte count (${shown}); the data after this header cannot be framed`,
        },
      ]);
    }
  });

  it('when a PAX header declares a size of -1000 bytes, then indexing stops with that reason (the block walk once looped forever)', async () => {
    const paxHeader = header({ name: 'PaxHeaders/x', typeflag: 'x', size: -1000n });
    const index = await indexEveryWay(tar([file('before', 'kept'), paxHeader, file('x', '')]), 'pax-negative.tar');
    expect(index.entries.map((item) => item.path)).toEqual(['before']);
    expect(index.problems).toEqual([
      {
        kind: 'bad-header',
        offset: 1024,
        detail: 'an extension header (PAX or GNU long name) declares a size of -1000 bytes',
      },
    ]);
  });

  it('when three zero blocks come before an archive, then every chunking reports the trailing bytes at the same offset', async () => {
    const index = await indexEveryWay(Buffer.concat([Buffer.alloc(1536), healthy]), 'zeros-first.tar');
    expect(index.entries).toEqual([]);
    expect(index.complete).toBe(true);
    expect(index.problems).toEqual([
      { kind: 'trailing-data', offset: 1536, detail: expect.stringMatching(/^non-zero bytes/) },
    ]);
  });

  it('when a device number is not octal, then it is indexed as 0 (never NaN, which no index line can hold)', async () => {
    const bytes = tar([
      header({ name: 'dev', typeflag: '3', edit: (block) => block.write('9999999\0', 329, 'latin1') }),
    ]);
    const index = await indexEveryWay(bytes, 'dev-9.tar');
    expect(index.entries).toMatchObject([{ path: 'dev', type: 'char', devMajor: 0, devMinor: 0 }]);
  });
});
