// Docker's multiplexed stream framing (logs, attach and exec without a TTY), parsed incrementally in bounded memory.
//
// Each frame is an 8-byte header (stream type 0 stdin / 1 stdout / 2 stderr, three zero bytes, payload size as a
// big-endian uint32) and its payload. The parser never waits for a whole frame: payload bytes are handed on as
// they arrive, so a header claiming 4 GiB costs nothing while it is believed, and is reported when the stream
// ends short of it. A header that is not one (another type byte, non-zero padding) ends parsing with a problem
// instead of guessing: every later byte could belong to either stream, and mixing them would splice evidence.

export type MuxStream = 0 | 1 | 2;

export interface MuxPiece {
  stream: MuxStream;
  bytes: Uint8Array;
}

const HEADER_BYTES = 8;

/** Where the framing broke, and how; the offset is in the multiplexed stream as received. */
export class MuxFramingError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'MuxFramingError';
  }
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

export class MuxParser {
  private readonly header = new Uint8Array(HEADER_BYTES);
  private headerFill = 0;
  private stream: MuxStream = 1;
  /** Payload bytes still to come in the current frame (0: a header is next). */
  private left = 0;
  private declared = 0;
  private frameAt = 0;
  private consumed = 0;
  private failed: MuxFramingError | undefined;

  /** Bytes of the multiplexed stream taken so far. */
  get offset(): number {
    return this.consumed;
  }

  /**
   * Splits one chunk into payload pieces (views into the chunk, no copies). Throws MuxFramingError at the first
   * header that is not one; the pieces before it in the same chunk are lost to the caller only if it does not
   * catch, so callers that keep evidence pass `onPiece` and get them before the error.
   */
  push(chunk: Uint8Array, onPiece: (piece: MuxPiece) => void): void {
    if (this.failed) throw this.failed;
    let at = 0;
    while (at < chunk.byteLength) {
      if (this.left === 0) {
        const take = Math.min(HEADER_BYTES - this.headerFill, chunk.byteLength - at);
        this.header.set(chunk.subarray(at, at + take), this.headerFill);
        if (this.headerFill === 0) this.frameAt = this.consumed;
        this.headerFill += take;
        at += take;
        this.consumed += take;
        if (this.headerFill < HEADER_BYTES) return;
        this.headerFill = 0;
        this.readHeader();
        continue;
      }
      const take = Math.min(this.left, chunk.byteLength - at);
      onPiece({ stream: this.stream, bytes: chunk.subarray(at, at + take) });
      this.left -= take;
      at += take;
      this.consumed += take;
    }
  }

  /** After the last chunk: undefined when the stream ended on a frame boundary, otherwise what is wrong. */
  end(): MuxFramingError | undefined {
    if (this.failed) return this.failed;
    if (this.headerFill > 0) {
      return new MuxFramingError(
        `the multiplexed stream ended inside a frame header (${this.headerFill} of 8 bytes, at byte ${this.frameAt})`,
        this.frameAt,
      );
    }
    if (this.left > 0) {
      const got = this.declared - this.left;
      return new MuxFramingError(
        `the multiplexed stream ended ${got} bytes into a frame whose header (at byte ${this.frameAt}) declared ` +
          `${this.declared} bytes: cut short, or the header is corrupt`,
        this.frameAt,
      );
    }
    return undefined;
  }

  private readHeader(): void {
    const [type = 0, a = 0, b = 0, c = 0] = this.header;
    if ((type !== 0 && type !== 1 && type !== 2) || a !== 0 || b !== 0 || c !== 0) {
      this.failed = new MuxFramingError(
        `not a multiplexed frame header at byte ${this.frameAt} (stream type ${hex(type)}, padding ` +
          `${hex(a)} ${hex(b)} ${hex(c)}): the stream is corrupt or not multiplexed`,
        this.frameAt,
      );
      throw this.failed;
    }
    const view = new DataView(this.header.buffer, this.header.byteOffset, HEADER_BYTES);
    this.stream = type;
    this.declared = view.getUint32(4, false);
    this.left = this.declared;
  }
}

/** Checks a whole multiplexed document (e.g. stored logs); undefined when it is well framed. */
export function muxFramingProblem(bytes: Uint8Array): MuxFramingError | undefined {
  const parser = new MuxParser();
  try {
    parser.push(bytes, () => undefined);
  } catch (error) {
    if (error instanceof MuxFramingError) return error;
    throw error;
  }
  return parser.end();
}
