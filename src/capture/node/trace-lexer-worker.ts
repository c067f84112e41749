// Worker thread that lexes blocks of strace lines (strace-lexer.ts) so the main thread only assembles and replays.
//
// In: { id, bytes } — a block of whole lines as latin1 bytes (transferred, not copied).
// Out: { id, ints, floats, count } — the lexed slots (typed arrays transferred). The main thread decodes the same
// bytes itself: latin1 is one character per byte, so offsets agree, and a string sent back would be copied twice.
import { parentPort } from 'node:worker_threads';
import { LexedLines, lexLines } from '../common/trace/strace-lexer.js';

export interface LexRequest {
  id: number;
  bytes: Uint8Array;
}

export interface LexResponse {
  id: number;
  ints: Int32Array;
  floats: Float64Array;
  count: number;
}

parentPort?.on('message', (request: LexRequest) => {
  const { bytes } = request;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  // About one line per 100 bytes: sized once, grown if a block has shorter lines.
  const lexed = new LexedLines(Math.max(256, Math.ceil(text.length / 64)));
  lexLines(text, lexed);
  const response: LexResponse = { id: request.id, ints: lexed.ints, floats: lexed.floats, count: lexed.count };
  parentPort?.postMessage(response, [lexed.ints.buffer as ArrayBuffer, lexed.floats.buffer as ArrayBuffer]);
});
