// Entry mtimes read the same whatever the cache of ISO strings holds: repeated, interleaved and more than it keeps.
import { describe, expect, it } from 'vitest';
import { indexTar } from '../../src/forensics/node/tar-index.js';
import { chunks, file, tar } from '../support/hostile-tar.js';

describe('given 10,000 entries whose mtimes repeat, interleave and outnumber the cache of ISO strings', () => {
  it('when indexed, then every mtime is the exact UTC time of its header', async () => {
    // 6,000 distinct seconds (past the 4,096 the cache keeps), each used by one or two entries far apart.
    const seconds = Array.from({ length: 10_000 }, (_, index) => 1_600_000_000 + ((index * 7919) % 6000));
    const archive = tar(seconds.map((mtime, index) => file(`f${index}`, '', { mtime })));
    const index = await indexTar({ stream: chunks(archive) });
    expect(index.entries.map((entry) => entry.mtime)).toEqual(
      seconds.map((mtime) => new Date(mtime * 1000).toISOString().replace('.000Z', 'Z')),
    );
  });
});
