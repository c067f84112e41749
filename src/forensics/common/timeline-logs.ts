// Container logs on the time axis: Docker's multiplexed frames (or a TTY's raw stream) → one event per timestamped line.
//
// With `timestamps=1` the engine starts every line with its RFC 3339 time (nanoseconds); without a TTY it frames
// stdout and stderr with an 8-byte header (stream byte, three zeros, big-endian length). Frames need not end at a
// line end, so each stream keeps its unfinished line until the next frame of that stream.
import { bytesToText } from '../../capture/common/trace/trace-bytes.js';
import { makeEvent, type ItemRef, type MapResult } from './timeline-event.js';
import type { TimelineEvent } from './timeline-model.js';
import { timeFromIso } from './timeline-time.js';

export type LogStream = 'stdin' | 'stdout' | 'stderr' | 'tty';

export interface LogFrame {
  stream: LogStream;
  bytes: Uint8Array;
}

const STREAMS: readonly LogStream[] = ['stdin', 'stdout', 'stderr'];
const STAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) ?/;
const PROBLEM_EXAMPLES = 5;

/**
 * The frames when the whole item is a valid multiplexed stream (every header well formed, lengths ending exactly
 * at the end of the bytes); undefined when it is not, which is how a TTY's raw stream is told apart.
 */
export function demultiplex(bytes: Uint8Array): LogFrame[] | undefined {
  const frames: LogFrame[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 8 > bytes.length) return undefined;
    const stream = STREAMS[bytes[at] ?? 9];
    if (stream === undefined || bytes[at + 1] !== 0 || bytes[at + 2] !== 0 || bytes[at + 3] !== 0) return undefined;
    const length =
      (((bytes[at + 4] ?? 0) << 24) >>> 0) +
      ((bytes[at + 5] ?? 0) << 16) +
      ((bytes[at + 6] ?? 0) << 8) +
      (bytes[at + 7] ?? 0);
    if (at + 8 + length > bytes.length) return undefined;
    frames.push({ stream, bytes: bytes.subarray(at + 8, at + 8 + length) });
    at += 8 + length;
  }
  return frames.length > 0 ? frames : undefined;
}

/** Splits the streams into lines, in the order each line was completed; a last line without newline still counts. */
export function logLines(frames: readonly LogFrame[]): { stream: LogStream; text: string }[] {
  const out: { stream: LogStream; text: string }[] = [];
  const pending = new Map<LogStream, Uint8Array[]>();
  const flush = (stream: LogStream, parts: Uint8Array[]): void => {
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    const joined = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    let text = bytesToText(joined);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    out.push({ stream, text });
  };
  for (const frame of frames) {
    let start = 0;
    for (let index = 0; index < frame.bytes.length; index++) {
      if (frame.bytes[index] !== 0x0a) continue;
      flush(frame.stream, [...(pending.get(frame.stream) ?? []), frame.bytes.subarray(start, index)]);
      pending.delete(frame.stream);
      start = index + 1;
    }
    if (start < frame.bytes.length) {
      pending.set(frame.stream, [...(pending.get(frame.stream) ?? []), frame.bytes.subarray(start)]);
    }
  }
  for (const [stream, parts] of pending) flush(stream, parts);
  return out;
}

/** One event per timestamped line; lines without a stamp (or with a bad one) are counted and shown as problems. */
export function containerLogEvents(bytes: Uint8Array, ref: ItemRef): MapResult {
  const frames = demultiplex(bytes) ?? [{ stream: 'tty' as const, bytes }];
  const events: TimelineEvent[] = [];
  const unstamped: number[] = [];
  logLines(frames).forEach(({ stream, text }, index) => {
    const lineNo = index + 1;
    const match = STAMPED.exec(text);
    const time = match === null ? undefined : timeFromIso(match[1]);
    if (match === null || time === undefined) {
      unstamped.push(lineNo);
      return;
    }
    const message = text.slice(match[0].length);
    events.push(
      makeEvent({
        time,
        source: 'container-logs',
        kind: `log.${stream}`,
        subject: { engineId: ref.engineId, containerId: ref.containerId },
        summary: message,
        attributes: { stream, line: lineNo },
        confidence: 'exact',
        evidence: { itemId: ref.itemId, sha256: ref.sha256, locator: `line ${lineNo}` },
      }),
    );
  });
  const problems =
    unstamped.length === 0
      ? []
      : [
          `${ref.itemId}: ${unstamped.length} log line(s) without an engine timestamp left off the time axis ` +
            `(lines ${unstamped.slice(0, PROBLEM_EXAMPLES).join(', ')}${unstamped.length > PROBLEM_EXAMPLES ? ', …' : ''})`,
        ];
  return { events, problems };
}
