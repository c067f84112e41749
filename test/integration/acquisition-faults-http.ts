// HTTP-aware faults for the socket proxy: the engine's real answer, decoded, edited, and re-framed for the client.
//
// Some faults cannot come from a healthy dockerd on demand: a multiplexed frame header claiming 4 GiB, a non-JSON
// line in a JSON progress stream, a chunked body whose framing breaks after the headers were sent, a 500 on one
// particular call. This script takes the engine's real response on the socket, decodes its body (chunked,
// Content-Length, or the raw stream after a 101 upgrade), lets a test edit it, and sends it on in the same framing
// (chunked for ordinary responses, raw after an upgrade) so dockerode and Node's HTTP parser meet it as they would
// meet a faulty engine. What is forged is named by each test that uses it.
import type { ConnectionScript, ScriptIo } from '../support/socket-proxy.js';

export interface ResponseEdit {
  /** Replaces the status code and reason, e.g. '500 Internal Server Error'. */
  status?: string;
  /** Rewrites the decoded body piece by piece; `offset` is where `piece` starts in the engine's body. */
  body?: (piece: Buffer, offset: number) => Buffer;
  /** Stops passing the engine's body after this many decoded bytes (the rest is read and dropped). */
  truncateAt?: number;
  /** Sent after the (possibly truncated) body, before the ending. */
  append?: Buffer;
  /** Then this many bytes of `byte`, produced as the client takes them (a huge body without holding it). */
  fill?: { bytes: number; byte: number };
  /**
   * How the answer ends, once the engine's body is over or truncated: 'clean' (proper last chunk), 'cut' (connection
   * destroyed), 'bad-chunk' (a chunk-size line that is not hex, then a cut), 'stall' (nothing more, connection
   * left open: a stalled engine). Default 'clean'.
   */
  ending?: 'clean' | 'cut' | 'bad-chunk' | 'stall';
}

type BodyFraming = { kind: 'chunked' } | { kind: 'length'; left: number } | { kind: 'raw' };

const CRLF = Buffer.from('\r\n');

function chunk(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(bytes.length.toString(16), 'latin1'), CRLF, bytes, CRLF]);
}

/** Rewrites the head: new status, and (for non-upgrade answers) chunked framing whatever the engine used. */
function rewriteHead(head: string, edit: ResponseEdit): { head: string; framing: BodyFraming; upgrade: boolean } {
  const lines = head.split('\r\n');
  const statusLine = lines[0] ?? '';
  const match = /^(HTTP\/1\.[01]) (\d{3})/.exec(statusLine);
  const code = Number(match?.[2] ?? 0);
  const upgrade = code === 101;
  const headers = lines.slice(1);
  const named = (name: string): string | undefined =>
    headers
      .find((line) => line.toLowerCase().startsWith(`${name}:`))
      ?.slice(name.length + 1)
      .trim();
  let framing: BodyFraming;
  if (upgrade) framing = { kind: 'raw' };
  else if (named('transfer-encoding')?.toLowerCase() === 'chunked') framing = { kind: 'chunked' };
  else if (named('content-length') !== undefined) framing = { kind: 'length', left: Number(named('content-length')) };
  else framing = { kind: 'raw' };
  const kept = upgrade
    ? headers
    : headers
        .filter((line) => !/^(content-length|transfer-encoding):/i.test(line))
        .concat('Transfer-Encoding: chunked');
  const first = edit.status === undefined ? statusLine : `${match?.[1] ?? 'HTTP/1.1'} ${edit.status}`;
  return { head: [first, ...kept].join('\r\n'), framing, upgrade };
}

/** A ConnectionScript applying `edit` to the engine's answer. */
export function editResponse(edit: ResponseEdit): () => ConnectionScript {
  return () => {
    let pending: Buffer = Buffer.alloc(0);
    let phase: 'head' | 'size' | 'data' | 'data-crlf' | 'trailer' | 'done' = 'head';
    let framing: BodyFraming = { kind: 'raw' };
    let upgrade = false;
    let chunkLeft = 0;
    let offset = 0;
    let finished = false;

    const emit = (io: ScriptIo, bytes: Buffer): boolean => {
      if (bytes.length === 0) return true;
      return io.send(upgrade ? bytes : chunk(bytes));
    };

    const finish = (io: ScriptIo): void => {
      if (finished) return;
      finished = true;
      if (edit.append !== undefined) emit(io, edit.append);
      if (edit.fill === undefined) close(io);
      else void fill(io, edit.fill).then(() => close(io));
    };

    const fill = async (io: ScriptIo, spec: { bytes: number; byte: number }): Promise<void> => {
      const piece = Buffer.alloc(64 * 1024, spec.byte);
      for (let left = spec.bytes; left > 0; left -= piece.length) {
        if (!emit(io, left >= piece.length ? piece : piece.subarray(0, left))) await io.drained();
      }
    };

    const close = (io: ScriptIo): void => {
      const ending = edit.ending ?? 'clean';
      if (ending === 'bad-chunk') {
        io.send(Buffer.from('zz-not-a-size\r\n', 'latin1'));
        io.cut();
      } else if (ending === 'cut') {
        io.cut();
      } else if (ending === 'stall') {
        // Nothing: the engine's further bytes are dropped and the client waits on an open connection.
      } else {
        if (!upgrade) io.send(Buffer.from('0\r\n\r\n', 'latin1'));
        io.end();
      }
    };

    // Passes one decoded body piece through truncation and the edit.
    const body = (io: ScriptIo, piece: Buffer): void => {
      if (finished || piece.length === 0) return;
      let part = piece;
      if (edit.truncateAt !== undefined && offset + part.length >= edit.truncateAt) {
        part = part.subarray(0, Math.max(0, edit.truncateAt - offset));
      }
      const at = offset;
      offset += piece.length;
      emit(io, edit.body ? edit.body(part, at) : part);
      if (edit.truncateAt !== undefined && offset >= edit.truncateAt) finish(io);
    };

    const drain = (io: ScriptIo): void => {
      for (;;) {
        if (phase === 'head') {
          const end = pending.indexOf('\r\n\r\n');
          if (end < 0) return;
          const rewritten = rewriteHead(pending.subarray(0, end).toString('latin1'), edit);
          framing = rewritten.framing;
          upgrade = rewritten.upgrade;
          io.send(Buffer.from(`${rewritten.head}\r\n\r\n`, 'latin1'));
          pending = pending.subarray(end + 4);
          phase = framing.kind === 'chunked' ? 'size' : 'data';
          chunkLeft = framing.kind === 'length' ? framing.left : Number.POSITIVE_INFINITY;
          if (chunkLeft === 0) {
            phase = 'done';
            finish(io);
          }
        } else if (phase === 'size') {
          const eol = pending.indexOf('\r\n');
          if (eol < 0) return;
          const size = Number.parseInt(pending.subarray(0, eol).toString('latin1').split(';')[0] ?? '', 16);
          pending = pending.subarray(eol + 2);
          if (!Number.isFinite(size)) throw new Error('the engine sent a chunk size that is not hex');
          if (size === 0) phase = 'trailer';
          else {
            chunkLeft = size;
            phase = 'data';
          }
        } else if (phase === 'data') {
          if (pending.length === 0) return;
          const take = Math.min(chunkLeft, pending.length);
          const piece = pending.subarray(0, take);
          pending = pending.subarray(take);
          chunkLeft -= take;
          body(io, piece);
          if (chunkLeft === 0) {
            if (framing.kind === 'chunked') phase = 'data-crlf';
            else {
              phase = 'done';
              finish(io);
            }
          }
        } else if (phase === 'data-crlf') {
          if (pending.length < 2) return;
          pending = pending.subarray(2);
          phase = 'size';
        } else if (phase === 'trailer') {
          const eol = pending.indexOf('\r\n');
          if (eol < 0) return;
          pending = pending.subarray(eol + 2);
          if (eol === 0) {
            phase = 'done';
            finish(io);
          }
        } else {
          pending = Buffer.alloc(0);
          return;
        }
      }
    };

    return {
      data: (bytes, io) => {
        pending = pending.length === 0 ? bytes : Buffer.concat([pending, bytes]);
        drain(io);
      },
      // A raw (upgrade or close-delimited) body ends with the engine's side of the connection.
      end: (io) => finish(io),
    };
  };
}

/** An 8-byte Docker multiplexing header: stream type (0 stdin, 1 stdout, 2 stderr), three zero bytes, size (BE). */
export function muxHeader(stream: number, size: number): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt8(stream, 0);
  header.writeUInt32BE(size, 4);
  return header;
}

/** Body edit: overwrite bytes at a fixed body offset (e.g. a frame header), whatever piece boundaries fall there. */
export function patchAt(at: number, bytes: Buffer): (piece: Buffer, offset: number) => Buffer {
  return (piece, offset) => {
    const from = Math.max(at, offset);
    const to = Math.min(at + bytes.length, offset + piece.length);
    if (from >= to) return piece;
    const out = Buffer.from(piece);
    bytes.copy(out, from - offset, from - at, to - at);
    return out;
  };
}

/** Body edit: insert bytes before body offset `at` (lines into a JSON stream, say). */
export function insertAt(at: number, bytes: Buffer): (piece: Buffer, offset: number) => Buffer {
  return (piece, offset) => {
    if (at < offset || at >= offset + piece.length) return piece;
    return Buffer.concat([piece.subarray(0, at - offset), bytes, piece.subarray(at - offset)]);
  };
}
