// The player's clock: trace time in integer nanoseconds (ISO strings carry nine digits), or a fractional seq when the
// trace has no times; each tick advances it by wall time × speed.

const ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/;
const BILLION = 1_000_000_000n;

/** UTC ISO time → nanoseconds since the epoch; undefined for anything else. */
export function isoToNs(iso: string): bigint | undefined {
  const match = ISO.exec(iso);
  if (!match?.[1]) return undefined;
  const seconds = Date.parse(`${match[1]}Z`);
  if (Number.isNaN(seconds)) return undefined;
  return (BigInt(seconds) / 1000n) * BILLION + BigInt((match[2] ?? '').padEnd(9, '0'));
}

/** Nanoseconds since the epoch → UTC ISO time with nine fraction digits (the replay's own format). */
export function nsToIso(ns: bigint): string {
  const seconds = ns >= 0n ? ns / BILLION : -((-ns + BILLION - 1n) / BILLION);
  const fraction = ns - seconds * BILLION;
  const whole = new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  return `${whole}.${fraction.toString().padStart(9, '0')}Z`;
}

export const SPEEDS = [1, 10, 100, 1000] as const;
export type Speed = (typeof SPEEDS)[number];

export type PlayClock = { kind: 'time'; ns: bigint } | { kind: 'seq'; seq: number };

/** Where the clock is after `elapsedMs` of wall time: ×speed trace time, or `speed` events per second. */
export function advanceClock(clock: PlayClock, elapsedMs: number, speed: number): PlayClock {
  if (clock.kind === 'time') return { kind: 'time', ns: clock.ns + BigInt(Math.round(elapsedMs * 1e6 * speed)) };
  return { kind: 'seq', seq: clock.seq + (elapsedMs / 1000) * speed };
}

/** Speed label: trace time multiples, or events per second when the trace has no times. */
export function speedLabel(speed: number, timed: boolean): string {
  return timed ? `×${speed}` : `${speed} ev/s`;
}
