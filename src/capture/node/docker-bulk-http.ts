// Decodes one HTTP/1.1 response (status, headers, chunked/length/close-delimited body) from raw socket reads.
//
// Why our own and not an HTTP client: for a 275 MB export, undici (llhttp in wasm, a Readable, a fresh buffer per
// socket read) costs this process ~0.3–0.6 s of CPU on the 2-core bench machine; reading the socket into one reused
// buffer and decoding the chunk framing here costs ~0.05–0.1 s — and on a machine whose other core is busy
// producing the tar, this process's CPU is the acquisition's throughput. The decoder only frames: bytes of the
// body are passed on as views of the caller's read buffer (valid during the call), never copied or interpreted.
// Anything that is not a well-formed response is an error, so a corrupt stream can never look finished.

export interface ResponseHead {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: ReadonlyMap<string, string>;
}

export interface ResponseSink {
  head(head: ResponseHead): void;
  /** A view of body bytes, valid only during the call. */
  body(bytes: Uint8Array): void;
  end(): void;
}

/** The response broke its own framing (or the connection ended inside it); `code` says which for logs and tests. */
export class HttpFramingError extends Error {
  constructor(
    message: string,
    readonly code: 'HOLDCELL_HTTP_HEAD' | 'HOLDCELL_HTTP_CHUNK' | 'HOLDCELL_HTTP_CUT',
  ) {
    super(message);
    this.name = 'HttpFramingError';
  }
}

/** The status line and headers of a Docker response are a few hundred bytes; more is not a Docker engine. */
const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size line is a hex number plus optional extensions (Docker sends none); trailers are short too. */
const MAX_LINE_BYTES = 1024;
/** Trailer fields after the last chunk (Docker sends none): a few are tolerated, an endless stream is not. */
const MAX_TRAILER_LINES = 64;
const HEAD_END = Buffer.from('\r\n\r\n');
const LF = 0x0a;
const CR = 0x0d;

type State =
  | { kind: 'head' }
  | { kind: 'size' }
  | { kind: 'trailer'; lines: number }
  | { kind: 'data'; remaining: number }
  | { kind: 'data-end'; seen: number }
  | { kind: 'length'; remaining: number }
  | { kind: 'close' }
  | { kind: 'done' };

function parseHead(text: string): ResponseHead {
  const lines = text.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? '');
  if (status === null)
    throw new HttpFramingError('the engine did not answer with an HTTP/1.1 status line', 'HOLDCELL_HTTP_HEAD');
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpFramingError('the engine sent a malformed HTTP header line', 'HOLDCELL_HTTP_HEAD');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
  return { status: Number(status[1]), headers };
}

/** How the body ends (RFC 9112 §6.3): chunked wins over a length; neither means "until the connection closes". */
function framing(head: ResponseHead): State {
  const coding = head.headers.get('transfer-encoding');
  if (coding !== undefined) {
    const last = coding.split(',').at(-1)?.trim().toLowerCase();
    return last === 'chunked' ? { kind: 'size' } : { kind: 'close' };
  }
  const length = head.headers.get('content-length');
  if (length === undefined) return { kind: 'close' };
  const values = new Set(length.split(',').map((value) => value.trim()));
  const [only] = values;
  if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) {
    throw new HttpFramingError('the engine sent an unusable Content-Length', 'HOLDCELL_HTTP_HEAD');
  }
  const remaining = Number(only);
  return remaining === 0 ? { kind: 'done' } : { kind: 'length', remaining };
}

/** Parses a chunk-size line (without CRLF): hex digits, then optional ";extension" which is ignored. */
function chunkSize(line: string): number {
  const digits = line.split(';', 1)[0]?.trim() ?? '';
  // 12 hex digits is 256 TiB: far beyond any chunk, and still an exact JavaScript number.
  if (!/^[0-9a-fA-F]{1,12}$/.test(digits)) {
    throw new HttpFramingError('the engine sent a chunk size that is not a hex number', 'HOLDCELL_HTTP_CHUNK');
  }
  return Number.parseInt(digits, 16);
}

/**
 * The common case without allocating: a chunk-size line of 1–12 hex digits and CRLF, whole within `bytes`. Docker
 * sends one per ~32 KiB of body; anything else (extensions, a line split across reads) takes the general path.
 */
function plainChunkSize(bytes: Uint8Array, at: number): { size: number; next: number } | undefined {
  let size = 0;
  for (let index = at; index < bytes.byteLength && index - at <= 12; index += 1) {
    const byte = bytes[index] as number;
    const digit =
      byte >= 0x30 && byte <= 0x39
        ? byte - 0x30
        : byte >= 0x61 && byte <= 0x66
          ? byte - 0x57
          : byte >= 0x41 && byte <= 0x46
            ? byte - 0x37
            : -1;
    if (digit >= 0) {
      size = size * 16 + digit;
      continue;
    }
    const whole = byte === CR && index > at && bytes[index + 1] === LF;
    return whole ? { size, next: index + 2 } : undefined;
  }
  return undefined;
}

export class ResponseDecoder {
  private state: State = { kind: 'head' };
  /** Bytes of an unfinished head or chunk-size line (small, bounded above). */
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly sink: ResponseSink) {}

  get finished(): boolean {
    return this.state.kind === 'done';
  }

  /** Feeds the next bytes read from the connection; throws HttpFramingError when the response is malformed. */
  feed(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.byteLength && this.state.kind !== 'done') {
      at = this.step(bytes, at);
    }
  }

  /** The connection ended: the end of the body when the body is close-delimited, a cut anywhere else. */
  close(): void {
    const { kind } = this.state;
    if (kind === 'done') return;
    if (kind === 'close') {
      this.finish();
      return;
    }
    const where = kind === 'head' ? 'before the end of the response headers' : 'before the end of the response body';
    throw new HttpFramingError(`the engine closed the connection ${where}`, 'HOLDCELL_HTTP_CUT');
  }

  /** Consumes bytes from `at` for the current state; returns where the next state starts reading. */
  private step(bytes: Uint8Array, at: number): number {
    const state = this.state;
    switch (state.kind) {
      case 'head':
        return this.readHead(bytes, at);
      case 'size':
      case 'trailer': {
        if (state.kind === 'size' && this.pending.byteLength === 0) {
          const quick = plainChunkSize(bytes, at);
          if (quick !== undefined) {
            this.state = quick.size === 0 ? { kind: 'trailer', lines: 0 } : { kind: 'data', remaining: quick.size };
            return quick.next;
          }
        }
        const line = this.line(bytes, at);
        if (line === undefined) return bytes.byteLength;
        if (state.kind === 'trailer') {
          // The empty line after the last chunk (and any trailer fields, which carry nothing we keep): only now
          // is the message whole — a connection cut just before it is still a cut.
          if (line.text === '') this.finish();
          else if (++state.lines > MAX_TRAILER_LINES) {
            throw new HttpFramingError('the engine sent an endless trailer after the body', 'HOLDCELL_HTTP_CHUNK');
          }
          return line.next;
        }
        const size = chunkSize(line.text);
        this.state = size === 0 ? { kind: 'trailer', lines: 0 } : { kind: 'data', remaining: size };
        return line.next;
      }
      case 'data':
      case 'length': {
        const take = Math.min(state.remaining, bytes.byteLength - at);
        this.sink.body(bytes.subarray(at, at + take));
        state.remaining -= take;
        if (state.remaining === 0) {
          if (state.kind === 'length') this.finish();
          else this.state = { kind: 'data-end', seen: 0 };
        }
        return at + take;
      }
      case 'data-end': {
        // Exactly CRLF after each chunk's data: anything else means the sizes and the data disagree.
        const expected = state.seen === 0 ? CR : LF;
        if (bytes[at] !== expected) {
          throw new HttpFramingError('a chunk of the body is longer than its declared size', 'HOLDCELL_HTTP_CHUNK');
        }
        if (state.seen === 0) state.seen = 1;
        else this.state = { kind: 'size' };
        return at + 1;
      }
      case 'close':
        this.sink.body(bytes.subarray(at));
        return bytes.byteLength;
      case 'done':
        return bytes.byteLength;
    }
  }

  /** Gathers one CRLF-terminated line (chunk size or trailer); undefined until its end has arrived. */
  private line(bytes: Uint8Array, at: number): { text: string; next: number } | undefined {
    const newline = bytes.indexOf(LF, at);
    const end = newline < 0 ? bytes.byteLength : newline;
    this.pending = Buffer.concat([this.pending, bytes.subarray(at, end)]);
    if (this.pending.byteLength > MAX_LINE_BYTES) {
      throw new HttpFramingError('the engine sent an over-long chunk-size or trailer line', 'HOLDCELL_HTTP_CHUNK');
    }
    if (newline < 0) return undefined;
    const text = this.pending.toString('latin1');
    this.pending = Buffer.alloc(0);
    if (!text.endsWith('\r')) {
      throw new HttpFramingError('the engine sent a chunk-size or trailer line without CRLF', 'HOLDCELL_HTTP_CHUNK');
    }
    return { text: text.slice(0, -1), next: newline + 1 };
  }

  private readHead(bytes: Uint8Array, at: number): number {
    const before = this.pending.byteLength;
    this.pending = Buffer.concat([this.pending, bytes.subarray(at)]);
    // Search from a little before the new bytes: the blank line may straddle two reads.
    const end = this.pending.indexOf(HEAD_END, Math.max(0, before - HEAD_END.byteLength + 1));
    if (end < 0) {
      if (this.pending.byteLength > MAX_HEAD_BYTES) {
        throw new HttpFramingError('the engine sent more than 64 KiB of response headers', 'HOLDCELL_HTTP_HEAD');
      }
      return bytes.byteLength;
    }
    const head = parseHead(this.pending.subarray(0, end).toString('latin1'));
    this.pending = Buffer.alloc(0);
    this.state = framing(head);
    this.sink.head(head);
    if (this.state.kind === 'done') this.sink.end();
    return at + (end + HEAD_END.byteLength - before);
  }

  private finish(): void {
    this.state = { kind: 'done' };
    this.sink.end();
  }
}
