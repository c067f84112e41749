// Exact trace instants: whole seconds since the epoch plus nanoseconds, written as UTC ISO strings with nine digits.
//
// Why two integers and not one number: nanoseconds since the epoch (~1.8e18) exceed 2^53, so a double would round
// them; seconds (< 2^53) and nanoseconds (< 1e9) are both exact. The public sortable key is the decimal string of
// nanoseconds since the epoch (`tns`), which BigInt reads exactly.

export interface TraceInstant {
  /** Whole seconds since 1970-01-01T00:00:00Z (may be negative in theory, never fractional). */
  sec: number;
  /** 0 ≤ nsec < 1e9. */
  nsec: number;
}

const NS_PER_SEC = 1_000_000_000;
/**
 * The instants a trace can name: 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z, the four-digit-year
 * ISO form the JSONL record schema requires. Found by fuzzing: a hostile stamp (20 epoch digits, a year-9999 base
 * date plus a time of day, a tns of 30 digits) made formatIso throw or write an expanded year no reader accepts.
 */
export const FIRST_TRACE_SECOND = -62_167_219_200;
export const LAST_TRACE_SECOND = 253_402_300_799;

/** True when whole seconds `sec` fall in the range above (false for NaN and infinities). */
export function inTraceRange(sec: number): boolean {
  return sec >= FIRST_TRACE_SECOND && sec <= LAST_TRACE_SECOND;
}
const ISO_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** `2026-11-22T22:08:26.008881000Z`; always nine fraction digits so strings sort like instants within a year range. */
export function formatIso(sec: number, nsec: number): string {
  const date = new Date(sec * 1000);
  const whole = date.toISOString();
  // toISOString gives "YYYY-MM-DDTHH:MM:SS.mmmZ"; the milliseconds are replaced by the exact nanoseconds.
  return `${whole.slice(0, 19)}.${pad(nsec, 9)}Z`;
}

/** Nanoseconds since the epoch as a decimal string (the JSONL `tns` field). */
export function formatNs(sec: number, nsec: number): string {
  return (BigInt(sec) * BigInt(NS_PER_SEC) + BigInt(nsec)).toString();
}

/** Reads a `tns` string back; undefined when it is not an integer or outside the trace range. */
export function parseNs(text: string): TraceInstant | undefined {
  if (!/^-?\d{1,30}$/.test(text)) return undefined;
  const total = BigInt(text);
  const billion = BigInt(NS_PER_SEC);
  let sec = total / billion;
  let nsec = total % billion;
  if (nsec < 0n) {
    nsec += billion;
    sec -= 1n;
  }
  return inTraceRange(Number(sec)) ? { sec: Number(sec), nsec: Number(nsec) } : undefined;
}

/** Parses an ISO 8601 instant with up to nine fraction digits and a Z or ±HH:MM offset (undefined outside the range). */
export function parseIso(text: string): TraceInstant | undefined {
  const match = ISO_PATTERN.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999, so "0050-…" would come back as 1950.
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), 0);
  const millis = date.getTime();
  if (Number.isNaN(millis)) return undefined;
  let sec = millis / 1000;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    sec -= sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4)) * 60);
  }
  const nsec = fraction === undefined ? 0 : Number(fraction.padEnd(9, '0'));
  return inTraceRange(sec) ? { sec, nsec } : undefined;
}

/** Negative when a is earlier than b. Instants without a time (NaN seconds) compare as equal to everything. */
export function compareInstants(aSec: number, aNsec: number, bSec: number, bNsec: number): number {
  if (aSec !== bSec) return aSec < bSec ? -1 : aSec > bSec ? 1 : 0;
  return aNsec - bNsec;
}

/** Adds a duration given as strace prints it ("0.000123", seconds with a fraction) to an instant. */
export function addDecimalSeconds(sec: number, nsec: number, decimal: string): TraceInstant | undefined {
  const parsed = parseDecimalSeconds(decimal);
  if (parsed === undefined) return undefined;
  let outSec = sec + parsed.sec;
  let outNsec = nsec + parsed.nsec;
  if (outNsec >= NS_PER_SEC) {
    outNsec -= NS_PER_SEC;
    outSec += 1;
  }
  return { sec: outSec, nsec: outNsec };
}

/** "12.000345" → {sec: 12, nsec: 345000}; undefined for anything else. */
export function parseDecimalSeconds(decimal: string): TraceInstant | undefined {
  const match = /^(\d+)(?:\.(\d{1,9}))?$/.exec(decimal);
  if (match === null) return undefined;
  return { sec: Number(match[1]), nsec: match[2] === undefined ? 0 : Number(match[2].padEnd(9, '0')) };
}

/** Midnight (in the given UTC offset) of a YYYY-MM-DD date, as epoch seconds; undefined for a malformed date. */
export function midnightSeconds(date: string, utcOffsetSeconds: number): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (match === null) return undefined;
  const millis = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (Number.isNaN(millis)) return undefined;
  const check = new Date(millis).toISOString().slice(0, 10);
  if (check !== date) return undefined;
  return millis / 1000 - utcOffsetSeconds;
}

/** "+02:00" / "-0530" / "Z" → seconds east of UTC; undefined when malformed. */
export function parseUtcOffset(text: string): number | undefined {
  if (text === 'Z' || text === 'UTC') return 0;
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (match === null) return undefined;
  const value = Number(match[2]) * 3600 + Number(match[3]) * 60;
  if (value > 14 * 3600) return undefined;
  return match[1] === '-' ? -value : value;
}

/** The YYYY-MM-DD date of an epoch-seconds instant in the given UTC offset. */
export function dateInOffset(sec: number, utcOffsetSeconds: number): string {
  return new Date((sec + utcOffsetSeconds) * 1000).toISOString().slice(0, 10);
}

/** Seconds into the day of an instant in the given UTC offset. */
export function secondOfDay(sec: number, utcOffsetSeconds: number): number {
  const local = sec + utcOffsetSeconds;
  return ((local % 86_400) + 86_400) % 86_400;
}
