// Event times for the timeline: an ISO 8601 instant or seconds + nanoseconds → exact `tns` and nine-digit UTC ISO.
import { formatIso, formatNs, parseIso } from '../../capture/common/trace/trace-time.js';

export interface EventTime {
  /** Nanoseconds since the epoch, decimal (never negative: the timeline starts at 1970). */
  tns: string;
  /** UTC with nine fraction digits. */
  at: string;
}

/** Docker writes the Go zero time for "never" (FinishedAt of a container that never stopped). */
const GO_ZERO_TIME = /^0001-01-01T00:00:00(\.0+)?Z$/;

/** Width of the zero-padded tns in sort keys: 22 digits cover every instant up to the year 9999. */
export const TNS_WIDTH = 22;

export function timeFromParts(sec: number, nsec: number): EventTime | undefined {
  if (!Number.isFinite(sec) || !Number.isInteger(sec) || sec < 0) return undefined;
  if (!Number.isInteger(nsec) || nsec < 0 || nsec >= 1e9) return undefined;
  return { tns: formatNs(sec, nsec), at: formatIso(sec, nsec) };
}

/** undefined for text that is not an instant, for Docker's "never", and for instants before 1970. */
export function timeFromIso(text: unknown): EventTime | undefined {
  if (typeof text !== 'string' || GO_ZERO_TIME.test(text)) return undefined;
  const parsed = parseIso(text);
  return parsed === undefined ? undefined : timeFromParts(parsed.sec, parsed.nsec);
}

/** True when the text is Docker's zero time (an absent instant, not a bad one). */
export function isZeroTime(text: unknown): boolean {
  return typeof text === 'string' && GO_ZERO_TIME.test(text);
}

/** Seconds and nanoseconds back from a tns (for exports that want microseconds or milliseconds). */
export function tnsParts(tns: string): { sec: bigint; nsec: bigint } {
  const value = BigInt(tns);
  return { sec: value / 1_000_000_000n, nsec: value % 1_000_000_000n };
}

/** Microseconds since the epoch (Timesketch's `timestamp`), exact as long as it fits a double (until year 2255). */
export function tnsMicros(tns: string): number {
  return Number(BigInt(tns) / 1000n);
}

/** "2026-11-22T22:08:27.080541000Z" → "2026-11-22T22:08:27.080Z" (STIX timestamps: millisecond precision). */
export function isoMillis(at: string): string {
  return `${at.slice(0, 23)}Z`;
}
