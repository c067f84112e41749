// The player's clock: nanosecond ISO times survive the round trip exactly and advance by wall time × speed.
import { describe, expect, it } from 'vitest';
import { advanceClock, isoToNs, nsToIso, speedLabel } from '../../renderer/src/features/replay/replay-clock.js';
import { densityBars } from '../../renderer/src/features/replay/density-bars.js';
import { matchesFileFilter } from '../../renderer/src/features/replay/file-filter.js';

describe('the replay clock', () => {
  it('given a trace time with nanoseconds, when converted to a count and back, then not one nanosecond is lost', () => {
    const iso = '2026-11-23T00:56:30.862086123Z';
    expect(isoToNs(iso)).toBe(1795395390862086123n);
    expect(nsToIso(isoToNs(iso) ?? 0n)).toBe(iso);
    expect(nsToIso(isoToNs('2026-11-23T00:56:30Z') ?? 0n)).toBe('2026-11-23T00:56:30.000000000Z');
    expect(nsToIso(isoToNs('2026-11-23T00:56:30.5Z') ?? 0n)).toBe('2026-11-23T00:56:30.500000000Z');
  });

  it('given something that is not a UTC ISO time, when converted, then it is refused', () => {
    expect(isoToNs('2026-11-23 00:56:30Z')).toBeUndefined();
    expect(isoToNs('2026-11-23T00:56:30+01:00')).toBeUndefined();
    expect(isoToNs('2026-11-23T00:56:30.1234567890Z')).toBeUndefined();
    expect(isoToNs('2026-13-45T00:00:00Z')).toBeUndefined();
  });

  it('given a timed trace at ×100, when 200 ms of wall time pass, then trace time moves 20 s', () => {
    const start = isoToNs('2026-11-23T00:56:30.000000001Z') ?? 0n;
    const next = advanceClock({ kind: 'time', ns: start }, 200, 100);
    expect(next).toEqual({ kind: 'time', ns: start + 20_000_000_000n });
    expect(speedLabel(100, true)).toBe('×100');
  });

  it('given a trace without times at 10 events/s, when 250 ms pass, then the seq moves 2.5 events', () => {
    expect(advanceClock({ kind: 'seq', seq: 4 }, 250, 10)).toEqual({ kind: 'seq', seq: 6.5 });
    expect(speedLabel(10, false)).toBe('10 ev/s');
  });
});

describe('the scrubber density strip and the file filter', () => {
  it('given slices of unequal size, when drawn, then bars sit where their seq starts and the busiest is full height', () => {
    const bars = densityBars({ density: [4, 0, 1], densityStarts: [0, 50, 75], lastSeq: 99 });
    expect(bars.map((bar) => bar.x)).toEqual([0, 500, 750]);
    expect(bars.map((bar) => bar.width)).toEqual([500, 250, 250]);
    expect(bars.map((bar) => bar.height)).toEqual([24, 0, 12]);
  });

  it('given file calls, when filtered, then op and every named path match case-insensitively', () => {
    const base = { seq: 1, at: null, pid: 1, tid: 1, result: 'ok' };
    const write = { ...base, op: 'write' as const, path: '/tmp/Drop.sh' };
    const rename = { ...base, op: 'rename' as const, path: '/tmp/a', newPath: '/usr/bin/evil' };
    expect(matchesFileFilter(write, 'drop')).toBe(true);
    expect(matchesFileFilter(write, ' WRITE ')).toBe(true);
    expect(matchesFileFilter(rename, 'evil')).toBe(true);
    expect(matchesFileFilter(rename, 'passwd')).toBe(false);
    expect(matchesFileFilter(rename, '')).toBe(true);
  });
});
