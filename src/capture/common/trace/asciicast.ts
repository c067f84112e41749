// Terminal output of a session as asciicast v2: a JSON header line, then one [time, "o", text] line per chunk.
//
// Deterministic: header keys in a fixed order, times computed from integer nanoseconds and printed with six
// decimals, text from exact bytes (UTF-8 sequences split across writes are joined; invalid bytes become U+FFFD,
// as asciicast requires valid Unicode). A trace without timestamps plays one chunk every 100 ms.
import type { TraceReplay, ReplayInstant } from './replay.js';
import { countThrough, type TtyRecord } from './replay-records.js';
import { bytesToWellFormedText, concatBytes } from './trace-bytes.js';

export interface AsciicastOptions {
  /** Only this pid's processes and their descendants (default: every process's terminal output). */
  pid?: number;
  /** Output up to this instant. */
  until?: ReplayInstant;
  title?: string;
  /** Terminal size; default the first TIOCGWINSZ the trace shows, else 80×24. */
  width?: number;
  height?: number;
  /** Also write "i" events for what was read from the terminal. */
  input?: boolean;
}

const UNTIMED_STEP_NS = 100_000_000;

/** Length of the longest prefix that does not end inside a UTF-8 sequence. */
function completeLength(bytes: Uint8Array): number {
  const length = bytes.length;
  for (let back = 1; back <= 3 && back <= length; back++) {
    const byte = bytes[length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation: look further back for the lead byte
    // Only real lead bytes start a sequence; anything else is complete (and invalid) as it stands.
    const needed =
      byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xc2 && byte <= 0xdf ? 2 : 1;
    return needed > back ? length - back : length;
  }
  return length;
}

function seconds(ns: number): string {
  const whole = Math.floor(ns / 1e9);
  const micros = Math.floor((ns - whole * 1e9) / 1000);
  return `${whole}.${String(micros).padStart(6, '0')}`;
}

export function asciicast(replay: TraceReplay, options: AsciicastOptions = {}): string {
  const chosen = options.pid === undefined ? undefined : replay.descendantsOf(options.pid);
  if (chosen !== undefined && chosen.size === 0) throw new RangeError(`pid ${options.pid} is not in this trace`);
  const end = options.until === undefined ? replay.tty.length : countThrough(replay.tty, replay.seqOf(options.until));
  const chunks: TtyRecord[] = [];
  for (let index = 0; index < end; index++) {
    const chunk = replay.tty[index];
    if (chunk === undefined) continue;
    if (chosen !== undefined && !chosen.has(chunk.processId)) continue;
    if (chunk.direction === 'in' && options.input !== true) continue;
    chunks.push(chunk);
  }
  const first = chunks[0];
  const timed = first !== undefined && !Number.isNaN(first.sec);
  const size = replay.windowSize;
  const header: Record<string, unknown> = {
    version: 2,
    width: options.width ?? size?.cols ?? 80,
    height: options.height ?? size?.rows ?? 24,
  };
  if (timed) header.timestamp = first.sec;
  if (options.title !== undefined) header.title = options.title;
  const lines = [JSON.stringify(header)];
  // Per fd and direction, bytes of a UTF-8 sequence cut by a write boundary wait for the next write.
  const carry = new Map<string, { bytes: Uint8Array; ns: number; code: string }>();
  const event = (ns: number, code: string, bytes: Uint8Array): void => {
    lines.push(
      `[${seconds(Math.max(0, ns))}, ${JSON.stringify(code)}, ${JSON.stringify(bytesToWellFormedText(bytes))}]`,
    );
  };
  chunks.forEach((chunk, index) => {
    const key = `${chunk.processId}:${chunk.fd}:${chunk.direction}`;
    const code = chunk.direction === 'out' ? 'o' : 'i';
    const ns = timed ? (chunk.sec - first.sec) * 1e9 + (chunk.nsec - first.nsec) : index * UNTIMED_STEP_NS;
    const pending = carry.get(key);
    const bytes = pending === undefined ? chunk.bytes : concatBytes([pending.bytes, chunk.bytes]);
    const usable = completeLength(bytes);
    if (usable < bytes.length) carry.set(key, { bytes: bytes.slice(usable), ns, code });
    else carry.delete(key);
    if (usable > 0) event(ns, code, bytes.subarray(0, usable));
  });
  // A sequence still cut at the end never completed: it is shown (as U+FFFD) where it was written.
  for (const rest of carry.values()) event(rest.ns, rest.code, rest.bytes);
  return `${lines.join('\n')}\n`;
}
