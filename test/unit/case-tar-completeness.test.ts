// An export is complete only when its tar end-of-archive blocks arrived: the rule, on real GNU tar bytes.
import { describe, expect, it } from 'vitest';
import { StreamTail, tarEndProblem } from '../../src/forensics/node/tar-end.js';
import { endOfEntries, realTar } from './case-fixtures.js';

function judge(bytes: Buffer, chunkSize: number): string | undefined {
  const tail = new StreamTail();
  for (let offset = 0; offset < bytes.length; offset += chunkSize)
    tail.push(bytes.subarray(offset, offset + chunkSize));
  return tarEndProblem(bytes.length, tail.bytes);
}

describe('tar completeness', () => {
  it('given an archive written by GNU tar (padded to a 10240-byte record), then it is complete', async () => {
    const tar = await realTar({ 'etc/passwd': 'root:x:0:0::/root:/bin/sh\n', 'tmp/dropper': 'x'.repeat(3000) });
    expect(tar.length % 10240).toBe(0);
    expect(judge(tar, 4096)).toBeUndefined();
  });

  it('given the same entries ending with exactly two zero blocks (as Docker writes them), then it is complete', async () => {
    const tar = await realTar({ 'bin/sh': 'x'.repeat(700) });
    const dockerStyle = tar.subarray(0, endOfEntries(tar) + 1024);
    expect(dockerStyle.length).toBeLessThan(tar.length);
    expect(judge(dockerStyle, 1000)).toBeUndefined();
  });

  it('given a stream cut on a block boundary just before the end-of-archive blocks, then it is incomplete', async () => {
    const tar = await realTar({ 'var/log/auth.log': 'y'.repeat(5000) });
    const cut = tar.subarray(0, endOfEntries(tar));
    expect(judge(cut, 4096)).toBe(`stream ended after ${cut.length} bytes without tar end-of-archive blocks`);
  });

  it('given a stream cut with only one of the two zero blocks, then it is incomplete', async () => {
    const tar = await realTar({ 'a.txt': 'a'.repeat(100) });
    const cut = tar.subarray(0, endOfEntries(tar) + 512);
    expect(judge(cut, 4096)).toMatch(/without tar end-of-archive blocks$/);
  });

  it('given a stream cut inside a block (inside the zero padding), then the message says it is not whole blocks', async () => {
    const tar = await realTar({ 'a.txt': 'a' });
    const cut = tar.subarray(0, tar.length - 100);
    expect(judge(cut, 4096)).toBe(
      `stream ended after ${cut.length} bytes without tar end-of-archive blocks (${cut.length} is not a whole number of 512-byte blocks)`,
    );
  });

  it('given an empty stream or one shorter than two blocks, then it is incomplete', () => {
    expect(tarEndProblem(0, new Uint8Array())).toMatch(/after 0 bytes/);
    expect(tarEndProblem(512, new Uint8Array(512))).toMatch(/without tar end-of-archive blocks/);
  });

  it('given the final kilobyte split over many tiny chunks, then the tail is judged the same as in one piece', async () => {
    const tar = await realTar({ 'a.txt': 'a'.repeat(1500) });
    const complete = tar.subarray(0, endOfEntries(tar) + 1024);
    const incomplete = tar.subarray(0, endOfEntries(tar));
    for (const size of [1, 7, 511, 512, 1023, 1024, 1025, 65536]) {
      expect(judge(complete, size), `chunk ${size}`).toBeUndefined();
      expect(judge(incomplete, size), `chunk ${size}`).toBeDefined();
    }
  });

  it('given a non-zero byte inside the final kilobyte, then it is incomplete', async () => {
    const tar = Buffer.from(await realTar({ 'a.txt': 'a' }));
    tar[tar.length - 700] = 1;
    expect(judge(tar, 4096)).toMatch(/without tar end-of-archive blocks/);
  });
});
