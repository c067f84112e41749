// The evidence writer is done with a chunk before it asks for the next: the read-ahead may refill that memory.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pumpEvidence } from '../../src/forensics/node/evidence-writer.js';

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Yields every chunk in the same memory and scribbles over it the moment the next one is asked for, like the
 * read-ahead refilling a recycled batch: whatever the writer had not yet written or hashed would come out wrong.
 */
function reusingSource(chunks: Buffer[]): AsyncIterable<Uint8Array> {
  const memory = Buffer.alloc(Math.max(...chunks.map((chunk) => chunk.byteLength)));
  let index = 0;
  return {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        memory.fill(0xa5);
        await new Promise((resolve) => setImmediate(resolve));
        const chunk = chunks[index++];
        if (chunk === undefined) return { done: true, value: undefined };
        chunk.copy(memory);
        return { done: false, value: memory.subarray(0, chunk.byteLength) };
      },
    }),
  };
}

describe('evidence writer and reused chunk memory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hc-writer-reuse-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('given a source that overwrites each chunk once the next is asked for, then the file, its hash and its tar end are those of the bytes sent', async () => {
    // 3 MB of "tar" ending in the two zero blocks, in uneven chunks up to 1 MiB.
    const body = Buffer.concat([randomBytes(3_000_000 - 1024 - ((3_000_000 - 1024) % 512)), Buffer.alloc(1024)]);
    const chunks: Buffer[] = [];
    for (let at = 0; at < body.byteLength; at += 700_001) chunks.push(body.subarray(at, at + 700_001));
    const file = join(dir, 'export.tar');
    const handle = await open(file, 'wx');
    const written = await pumpEvidence(handle, reusingSource(chunks), 'tar');
    await handle.close();
    expect(written).toEqual({ sha256: sha(body), bytes: body.byteLength, complete: true });
    expect(sha(await readFile(file))).toBe(sha(body));
  });
});
