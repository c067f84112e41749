// Exact event times as keys: nanosecond decimal strings padded to a fixed width (so they sort as text), and the
// float milliseconds the histogram buckets with.

/** Digits of the widest nanosecond time the event model allows (TimelineEvent.tns: up to 22 digits). */
export const TNS_WIDTH = 22;

const TNS = /^\d{1,22}$/;

/** True for a nanosecond decimal string the event model accepts. */
export function isTns(value: string): boolean {
  return TNS.test(value);
}

/**
 * The index key of an instant: its nanoseconds left-padded with zeros to 22 digits, so comparing keys as strings
 * (IndexedDB's order) is comparing the instants as integers — "999" before "1000" — with no precision lost.
 */
export function timeKey(tns: string): string {
  if (!isTns(tns)) throw new Error(`not a nanosecond time: ${JSON.stringify(tns.slice(0, 40))}`);
  return tns.padStart(TNS_WIDTH, '0');
}

/** The instant in milliseconds as a float: exact to well under a microsecond for any date this century. */
export function tnsToMs(tns: string): number {
  const millis = tns.length > 6 ? Number(tns.slice(0, -6)) : 0;
  const nanos = Number(tns.length > 6 ? tns.slice(-6) : tns);
  return millis + nanos / 1e6;
}

/** The nanosecond string of a float millisecond instant, rounded down (floor) or up (ceil) to a whole nanosecond. */
export function msToTns(ms: number, round: 'floor' | 'ceil' = 'floor'): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0';
  const whole = Math.floor(ms);
  let nanos = (round === 'floor' ? Math.floor : Math.ceil)((ms - whole) * 1e6);
  let millis = BigInt(whole);
  if (nanos >= 1_000_000) {
    millis += 1n;
    nanos -= 1_000_000;
  }
  return (millis * 1_000_000n + BigInt(nanos)).toString();
}

/** Compares two nanosecond strings as integers. */
export function compareTns(a: string, b: string): number {
  const left = timeKey(a);
  const right = timeKey(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** UTC with nine fraction digits, e.g. 2026-11-22T22:08:27.080541123Z, for an exact nanosecond string. */
export function tnsToIso(tns: string): string {
  const padded = tns.padStart(10, '0');
  const seconds = padded.slice(0, -9) || '0';
  const fraction = padded.slice(-9);
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime())) return `${tns} ns`;
  return `${date.toISOString().slice(0, 19)}.${fraction}Z`;
}
