// The read-ahead between engine and case: same bytes in the same order, batched, failures only after what arrived.
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readAhead } from '../../src/capture/node/acquisition-readahead.js';
import type { EngineStream } from '../../src/capture/node/container-engine.js';

/** Yields the given chunks one read at a time (like socket reads), then fails with `failure` if one is given. */
function engineLike(
  chunks: Buffer[],
  failure?: Error,
): EngineStream & { destroyedWith: () => Error | null | undefined } {
  let destroyedWith: Error | null | undefined;
  async function* reads(): AsyncGenerator<Uint8Array> {
    for (const chunk of chunks) {
      if (destroyedWith !== undefined) throw destroyedWith ?? new Error('destroyed');
      await new Promise((resolve) => setImmediate(resolve));
      yield chunk;
    }
    if (failure) throw failure;
  }
  return {
    [Symbol.asyncIterator]: () => reads(),
    destroy: (reason?: Error) => {
      destroyedWith = reason ?? null;
    },
    destroyedWith: () => destroyedWith,
  };
}

/** Consumes like the case's writer: one chunk at a time, each taking a moment (a disk write), when slow is set. */
async function drain(
  stream: AsyncIterable<Uint8Array>,
  slow = false,
): Promise<{ bytes: Buffer; sizes: number[]; error?: unknown }> {
  const parts: Uint8Array[] = [];
  try {
    for await (const chunk of stream) {
      parts.push(chunk);
      if (slow) await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } catch (error) {
    return { bytes: Buffer.concat(parts), sizes: parts.map((p) => p.byteLength), error };
  }
  return { bytes: Buffer.concat(parts), sizes: parts.map((p) => p.byteLength) };
}

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('read-ahead of an engine stream', () => {
  it('given many small socket reads and a slower writer, then the same bytes come out in order, batched up to the limit', async () => {
    const chunks = Array.from({ length: 200 }, (_, index) => randomBytes(1000 + index));
    const { bytes, sizes, error } = await drain(readAhead(engineLike(chunks), { batchBytes: 64 * 1024 }), true);
    expect(error).toBeUndefined();
    expect(sha(bytes)).toBe(sha(Buffer.concat(chunks)));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
    expect(sizes.length).toBeLessThan(chunks.length);
  });

  it('given a chunk larger than a batch, then it is handed over in whole batches, same bytes', async () => {
    const big = randomBytes(3 * 1024 * 1024 + 5);
    const { bytes, sizes } = await drain(readAhead(engineLike([big]), { batchBytes: 1024 * 1024 }));
    expect(sizes).toEqual([1024 * 1024, 1024 * 1024, 1024 * 1024, 5]);
    expect(sha(bytes)).toBe(sha(big));
  });

  it('given the connection breaks, then every byte that arrived is handed over before the error', async () => {
    const chunks = [randomBytes(5000), randomBytes(7000)];
    const cut = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    const { bytes, error } = await drain(readAhead(engineLike(chunks, cut)));
    expect(sha(bytes)).toBe(sha(Buffer.concat(chunks)));
    expect(error).toBe(cut);
  });

  it('given recycling and a consumer that is done with each chunk when it asks again, then batches are refilled, not reallocated, and the bytes are right', async () => {
    const chunks = Array.from({ length: 256 }, () => randomBytes(16 * 1024));
    const memories = new Set<ArrayBufferLike>();
    const copies: Buffer[] = [];
    for await (const chunk of readAhead(engineLike(chunks), {
      batchBytes: 64 * 1024,
      maxBufferedBytes: 256 * 1024,
      recycle: true,
    })) {
      memories.add(chunk.buffer);
      copies.push(Buffer.from(chunk));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(sha(Buffer.concat(copies))).toBe(sha(Buffer.concat(chunks)));
    // 4 MiB through 64 KiB batches: 64 batches without recycling; with it, about the bound's worth (4) plus the
    // one being filled and the one with the consumer.
    expect(memories.size).toBeLessThanOrEqual(8);
  });

  it('given the consumer gives up (idle timeout), then destroy reaches the engine stream and the next read fails', async () => {
    const source = engineLike([randomBytes(10)]);
    const stream = readAhead(source);
    const reason = new Error('idle for 1.5 s: abandoned');
    stream.destroy(reason);
    expect(source.destroyedWith()).toBe(reason);
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toBe(reason);
  });

  it('given a slow consumer, then reading pauses at the buffer bound instead of holding the whole stream', async () => {
    const chunks = Array.from({ length: 64 }, () => randomBytes(64 * 1024));
    let pulled = 0;
    const counting: EngineStream = {
      async *[Symbol.asyncIterator]() {
        for (const chunk of chunks) {
          pulled += chunk.byteLength;
          yield chunk;
        }
      },
      destroy: () => undefined,
    };
    const iterator = readAhead(counting, { batchBytes: 64 * 1024, maxBufferedBytes: 512 * 1024 })[
      Symbol.asyncIterator
    ]();
    await iterator.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pulled).toBeLessThanOrEqual(512 * 1024 + 2 * 64 * 1024);
    let total = 64 * 1024;
    for (let result = await iterator.next(); result.done !== true; result = await iterator.next()) {
      total += result.value.byteLength;
    }
    expect(total).toBe(64 * 64 * 1024);
  });
});

/** A transport that pushes (like the raw socket behind export/save): a real Node stream, read in push mode. */
function pushing(chunks: Buffer[], failure?: Error): EngineStream & { paused: () => number } {
  const stream = new PassThrough({ highWaterMark: 16 * 1024 });
  let pauses = 0;
  void (async () => {
    for (const chunk of chunks) {
      if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (failure) stream.destroy(failure);
    else stream.end();
  })();
  return {
    [Symbol.asyncIterator]: () => {
      throw new Error('a pushing source must be read through listen()');
    },
    destroy: (reason?: Error) => void stream.destroy(reason),
    listen: (handlers) => {
      stream.on('data', (chunk: Buffer) => handlers.data(chunk));
      stream.once('end', () => handlers.end());
      stream.once('error', (error) => handlers.error(error));
      return {
        pause: () => {
          pauses++;
          stream.pause();
        },
        resume: () => void stream.resume(),
      };
    },
    paused: () => pauses,
  };
}

describe('read-ahead of a pushing engine stream', () => {
  it('given a slow writer, then the same bytes come out in order and the transport was paused at the bound', async () => {
    const chunks = Array.from({ length: 64 }, () => randomBytes(64 * 1024));
    const source = pushing(chunks);
    const { bytes, error } = await drain(
      readAhead(source, { batchBytes: 64 * 1024, maxBufferedBytes: 256 * 1024 }),
      true,
    );
    expect(error).toBeUndefined();
    expect(sha(bytes)).toBe(sha(Buffer.concat(chunks)));
    expect(source.paused()).toBeGreaterThan(0);
  });

  it('given a transport that reuses one read buffer (overwritten after each call), then the bytes handed over are still the ones sent', async () => {
    const chunks = Array.from({ length: 40 }, (_, index) => randomBytes(30_000 + index));
    const reused = Buffer.alloc(64 * 1024);
    const source: EngineStream = {
      [Symbol.asyncIterator]: () => {
        throw new Error('a pushing source must be read through listen()');
      },
      destroy: () => undefined,
      listen: (handlers) => {
        void (async () => {
          for (const chunk of chunks) {
            chunk.copy(reused);
            handlers.data(reused.subarray(0, chunk.byteLength));
            // The next read lands in the same memory, as net's onread does.
            reused.fill(0xee);
            await new Promise((resolve) => setImmediate(resolve));
          }
          handlers.end();
        })();
        return { pause: () => undefined, resume: () => undefined };
      },
    };
    const { bytes, error } = await drain(readAhead(source, { batchBytes: 256 * 1024 }), true);
    expect(error).toBeUndefined();
    expect(sha(bytes)).toBe(sha(Buffer.concat(chunks)));
  });

  it('given the connection breaks, then every byte that arrived is handed over before the error', async () => {
    const chunks = [randomBytes(5000), randomBytes(7000)];
    const cut = Object.assign(new Error('the engine closed the connection before the end of the response body'), {
      code: 'HOLDCELL_HTTP_CUT',
    });
    const { bytes, error } = await drain(readAhead(pushing(chunks, cut)));
    expect(sha(bytes)).toBe(sha(Buffer.concat(chunks)));
    expect(error).toBe(cut);
  });
});
