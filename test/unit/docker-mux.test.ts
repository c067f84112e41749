// Docker's multiplexed framing: payload passed on as it arrives, lies about frame sizes and non-headers said, not held.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MuxFramingError, MuxParser, muxFramingProblem, type MuxPiece } from '../../src/capture/common/docker-mux.js';
import { demultiplex } from '../../src/capture/node/docker-demux.js';

function frame(stream: number, payload: string | Buffer, declared?: number): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header.writeUInt8(stream, 0);
  header.writeUInt32BE(declared ?? body.length, 4);
  return Buffer.concat([header, body]);
}

function parseAll(chunks: Buffer[]): { pieces: MuxPiece[]; error?: MuxFramingError } {
  const parser = new MuxParser();
  const pieces: MuxPiece[] = [];
  try {
    for (const chunk of chunks) parser.push(chunk, (piece) => pieces.push(piece));
  } catch (error) {
    return { pieces, error: error as MuxFramingError };
  }
  const error = parser.end();
  return error ? { pieces, error } : { pieces };
}

const text = (pieces: MuxPiece[], stream: number): string =>
  Buffer.concat(pieces.filter((piece) => piece.stream === stream).map((piece) => piece.bytes)).toString();

describe('MuxParser', () => {
  it('given well-framed stdout and stderr split at every byte, then each stream gets its own bytes in order', () => {
    const stream = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err\n'), frame(0, ''), frame(1, 'out two\n')]);
    const { pieces, error } = parseAll([...stream].map((byte) => Buffer.from([byte])));
    expect(error).toBeUndefined();
    expect(text(pieces, 1)).toBe('out one\nout two\n');
    expect(text(pieces, 2)).toBe('err\n');
  });

  it('given a header claiming 4 GiB, then payload flows on at once (nothing held) and the end says the frame was cut short', () => {
    const parser = new MuxParser();
    const seen: number[] = [];
    parser.push(frame(1, Buffer.alloc(1000), 0xffff_ffff), (piece) => seen.push(piece.bytes.byteLength));
    parser.push(Buffer.alloc(5000), (piece) => seen.push(piece.bytes.byteLength));
    expect(seen).toEqual([1000, 5000]);
    const problem = parser.end();
    expect(problem).toBeInstanceOf(MuxFramingError);
    expect(problem?.message).toBe(
      'the multiplexed stream ended 6000 bytes into a frame whose header (at byte 0) declared 4294967295 bytes: ' +
        'cut short, or the header is corrupt',
    );
  });

  it('given a header that is not one, then parsing stops there with its offset; the bytes before it were passed on', () => {
    const { pieces, error } = parseAll([
      Buffer.concat([frame(1, 'fine\n'), Buffer.from('\x07\x00\x00\x00\x00\x00\x00\x04junk')]),
    ]);
    expect(text(pieces, 1)).toBe('fine\n');
    expect(error?.offset).toBe(13);
    expect(error?.message).toContain('not a multiplexed frame header at byte 13 (stream type 0x07');
  });

  it('given a stream cut inside a header, then the end says so', () => {
    expect(muxFramingProblem(Buffer.concat([frame(1, 'x'), Buffer.from([1, 0, 0])]))?.message).toContain(
      'ended inside a frame header (3 of 8 bytes, at byte 9)',
    );
    expect(muxFramingProblem(Buffer.concat([frame(1, 'a'), frame(2, 'b')]))).toBeUndefined();
    expect(muxFramingProblem(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('demultiplex (the exec output splitter)', () => {
  async function collect(stream: PassThrough): Promise<{ text: string; error?: Error }> {
    const parts: Buffer[] = [];
    try {
      for await (const chunk of stream) parts.push(chunk as Buffer);
      return { text: Buffer.concat(parts).toString() };
    } catch (error) {
      return { text: Buffer.concat(parts).toString(), error: error as Error };
    }
  }

  it('given a clean exec stream, then stdout and stderr end normally with their bytes', async () => {
    const source = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const done = demultiplex(source, stdout, stderr);
    source.end(Buffer.concat([frame(1, 'hello\n'), frame(2, 'warn\n')]));
    const [out, err] = await Promise.all([collect(stdout), collect(stderr), done]);
    expect(out).toEqual({ text: 'hello\n' });
    expect(err).toEqual({ text: 'warn\n' });
  });

  it('given a frame cut short, then stdout fails with the framing problem after every byte that came, and stderr ends', async () => {
    const source = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const done = demultiplex(source, stdout, stderr);
    source.end(Buffer.concat([frame(2, 'diag\n'), frame(1, 'partial', 0xffff_ffff)]));
    const [out, err] = await Promise.all([collect(stdout), collect(stderr), done]);
    expect(out.text).toBe('partial');
    expect(out.error?.message).toContain('declared 4294967295 bytes');
    expect(err).toEqual({ text: 'diag\n' });
  });

  it('given a slow reader, then the source is paused rather than its output buffered without bound', async () => {
    const source = new PassThrough();
    const stdout = new PassThrough({ highWaterMark: 1024 });
    const stderr = new PassThrough();
    void demultiplex(source, stdout, stderr);
    source.write(frame(1, Buffer.alloc(64 * 1024)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.isPaused()).toBe(true);
    stdout.resume();
    await new Promise((resolve) => stdout.once('drain', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.isPaused()).toBe(false);
  });
});
