// The timeline store's time keys: nanosecond strings padded to a fixed width sort as the instants do, and convert to
// the histogram's float milliseconds and back without crossing the instant they came from.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareTns,
  msToTns,
  timeKey,
  TNS_WIDTH,
  tnsToIso,
  tnsToMs,
} from '../../renderer/src/features/timeline/time-key.js';

const tns = fc.bigInt({ min: 0n, max: 10n ** 22n - 1n }).map((value) => value.toString());

describe('time keys for the IndexedDB time index', () => {
  it('given nanosecond times of different lengths, when keyed, then the keys sort as the numbers do', () => {
    expect(timeKey('999') < timeKey('1000')).toBe(true);
    expect(timeKey('1795395390900000000')).toHaveLength(TNS_WIDTH);
    fc.assert(
      fc.property(tns, tns, (a, b) => {
        const byKey = timeKey(a) < timeKey(b) ? -1 : timeKey(a) > timeKey(b) ? 1 : 0;
        const byNumber = BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
        expect(byKey).toBe(byNumber);
        expect(compareTns(a, b)).toBe(byNumber);
      }),
    );
  });

  it('given something that is not a nanosecond time, when keyed, then it is refused rather than mis-sorted', () => {
    for (const bad of ['', '-1', '1e9', '12.5', '1'.repeat(23), ' 12']) expect(() => timeKey(bad)).toThrow();
  });

  it('given an instant of this century, when turned into float milliseconds and back, then floor and ceil bracket it within a microsecond', () => {
    const century = fc.bigInt({ min: 946_684_800n * 10n ** 9n, max: 4_102_444_800n * 10n ** 9n });
    fc.assert(
      fc.property(century, (value) => {
        const ms = tnsToMs(value.toString());
        const floor = BigInt(msToTns(ms, 'floor'));
        const ceil = BigInt(msToTns(ms, 'ceil'));
        expect(floor <= ceil).toBe(true);
        expect(floor - value < 1000n && value - floor < 1000n).toBe(true);
        expect(ceil - value < 1000n && value - ceil < 1000n).toBe(true);
      }),
    );
    expect(tnsToMs('1795395390900400000') - 1_795_395_390_900).toBeCloseTo(0.4, 3);
    expect(msToTns(1.9999999, 'ceil')).toBe('2000000');
    expect(msToTns(-5)).toBe('0');
  });

  it('given a nanosecond time, when shown, then it is UTC with all nine fraction digits', () => {
    expect(tnsToIso('1795395390900000123')).toBe('2026-11-23T00:56:30.900000123Z');
    expect(tnsToIso('5')).toBe('1970-01-01T00:00:00.000000005Z');
  });
});
