// The block walk resumes across chunk boundaries: the same archive cut at every byte gives the same index.
//
// An engine connection delivers a tar in pieces of any size: a header block (or a PAX record, or a file's data)
// split over two chunks must read exactly as when whole. Small archives, so every split point is tried.
import { describe, expect, it } from 'vitest';
import { indexTar, type TarIndex } from '../../src/forensics/node/tar-index.js';
import { dir, file, gnuLong, hardlink, header, pax, symlink, tar } from '../support/hostile-tar.js';
import { endOfEntries, realTar } from './case-fixtures.js';

async function* pieces(bytes: Buffer, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > from) yield bytes.subarray(from, cut);
    from = cut;
  }
}

const indexOf = (bytes: Buffer, cuts: readonly number[]): Promise<TarIndex> =>
  indexTar({ stream: pieces(bytes, cuts) }, { streamSha256: true });

/** A small archive with every region the walk frames: PAX (global and local), GNU long names, data, links. */
const HAND_MADE = tar([
  pax([['comment', 'global record']], { global: true }),
  dir('etc/'),
  file('etc/passwd', 'root:x:0:0::/root:/bin/sh\n'.repeat(30)),
  pax([
    ['path', `${'deep/'.repeat(30)}payload`],
    ['mtime', '1700000000.25'],
  ]),
  file('short', 'x'.repeat(700)),
  gnuLong('L', `${'n'.repeat(150)}/long`),
  file('gnu-short', 'gnu'),
  gnuLong('K', '../'.repeat(50)),
  symlink('link', 'x'),
  hardlink('hard', 'etc/passwd'),
  header({ name: 'empty', size: 0 }),
]);

async function everySplit(bytes: Buffer): Promise<{ whole: TarIndex; splits: number }> {
  const whole = await indexOf(bytes, []);
  let splits = 0;
  for (let cut = 1; cut < bytes.length; cut += 1) {
    const split = await indexOf(bytes, [cut]);
    // Compare one split at a time, with the cut in the message, so a failure names the byte.
    if (JSON.stringify(split) !== JSON.stringify(whole)) expect({ cut, split }).toEqual({ cut, split: whole });
    splits += 1;
  }
  return { whole, splits };
}

describe('given a small hand-made archive of every framed region', () => {
  it('when it arrives in two chunks, cut at every byte, then every index is identical to the whole one', async () => {
    const { whole, splits } = await everySplit(HAND_MADE);
    expect(splits).toBe(HAND_MADE.length - 1);
    expect(whole.complete).toBe(true);
    expect(whole.problems).toEqual([]);
    expect(whole.entries.map((entry) => entry.path)).toEqual([
      'etc',
      'etc/passwd',
      `${'deep/'.repeat(30)}payload`,
      `${'n'.repeat(150)}/long`,
      'link',
      'hard',
      'empty',
    ]);
  }, 120_000);

  it('when it arrives one byte at a time, then the index is identical to the whole one', async () => {
    const cuts = Array.from({ length: HAND_MADE.length - 1 }, (_, at) => at + 1);
    expect(await indexOf(HAND_MADE, cuts)).toEqual(await indexOf(HAND_MADE, []));
  });

  it('when a header block is cut in three (inside its name, its size field and its checksum), then it reads whole', async () => {
    // The PAX header of 'short' starts after the global header, etc/, and etc/passwd's header and data.
    const whole = await indexOf(HAND_MADE, []);
    const entry = whole.entries.find((candidate) => candidate.path.endsWith('payload'));
    const at = entry?.headerOffset ?? -1;
    expect(at).toBeGreaterThan(0);
    expect(await indexOf(HAND_MADE, [at + 10, at + 130, at + 150])).toEqual(whole);
  });
});

describe('given a small archive made by GNU tar', () => {
  it('when it arrives in two chunks, cut at every byte, then every index is identical to the whole one', async () => {
    const bytes = await realTar({
      'etc/passwd': 'root:x:0:0::/root:/bin/sh\n',
      [`${'long-name/'.repeat(12)}file`]: 'GNU long name\n',
      'bin/tool': Buffer.alloc(1500, 0x41),
    });
    // GNU tar pads to a 10 KiB record: the cuts stop a block after the end blocks (the rest is zeros all the way).
    const end = endOfEntries(bytes) + 3 * 512;
    expect(bytes.length).toBeGreaterThanOrEqual(end);
    const { whole, splits } = await everySplit(bytes.subarray(0, end));
    expect(splits).toBe(end - 1);
    expect(whole.complete).toBe(true);
    expect(whole.entries.map((entry) => entry.path)).toContain(`${'long-name/'.repeat(12)}file`);
    expect(whole.entries.find((entry) => entry.path === 'bin/tool')?.size).toBe(1500);
  }, 120_000);
});
