// The timeline histogram: its span, the bucket of each instant, counts for a filter's result, and the brush's and
// zoom's nanosecond ranges — an event at an edge of a range is never lost to rounding.
import { describe, expect, it } from 'vitest';
import {
  axisLabel,
  brushRange,
  bucketCounts,
  bucketOf,
  bucketRange,
  EDGE_SNAP,
  histogramBars,
  histogramDomain,
  HISTOGRAM_HEIGHT,
  HISTOGRAM_WIDTH,
  zoomOut,
} from '../../renderer/src/features/timeline/histogram.js';
import { keysResult, rangeResult } from '../../renderer/src/features/timeline/query-plan.js';
import { tnsToMs } from '../../renderer/src/features/timeline/time-key.js';

const T0 = 1_795_395_390_000;
/** Ten events: a burst of eight in the first 8 ms, then the responder 1 s and 2 s later. */
const TIMES = Float64Array.of(T0, T0 + 1, T0 + 2, T0 + 3, T0 + 4, T0 + 5, T0 + 6, T0 + 8, T0 + 1000, T0 + 2000);

describe('the histogram over a timeline', () => {
  it('given no time range, when its span is taken, then it runs from the first event to the last', () => {
    expect(histogramDomain(TIMES, '', '')).toEqual({ lo: T0, hi: T0 + 2000 });
    expect(histogramDomain(Float64Array.of(T0), '', '')).toEqual({ lo: T0 - 0.5, hi: T0 + 0.5 });
    expect(histogramDomain(new Float64Array(0), '', '')).toBeUndefined();
    expect(histogramDomain(TIMES, '1795395390000500000', '')).toEqual({ lo: T0 + 0.5, hi: T0 + 2000 });
  });

  it('given a domain, when instants are bucketed, then the ends belong to the first and last bucket and outside is none', () => {
    const domain = { lo: 0, hi: 120 };
    expect(bucketOf(0, domain, 120)).toBe(0);
    expect(bucketOf(119.999, domain, 120)).toBe(119);
    expect(bucketOf(120, domain, 120)).toBe(119);
    expect(bucketOf(-0.001, domain, 120)).toBe(-1);
    expect(bucketOf(Number.NaN, domain, 120)).toBe(-1);
  });

  it('given a filter result, when counted, then only its events are in the buckets', () => {
    const domain = { lo: T0, hi: T0 + 2000 };
    const all = bucketCounts(TIMES, rangeResult(0, 9), domain, 4);
    expect([...all]).toEqual([8, 0, 1, 1]);
    expect([...bucketCounts(TIMES, keysResult(Uint32Array.of(0, 8)), domain, 4)]).toEqual([1, 0, 1, 0]);
    const bars = histogramBars(all);
    expect(bars.map((bar) => bar.bucket)).toEqual([0, 2, 3]);
    expect(bars[0]?.height).toBe(HISTOGRAM_HEIGHT);
    expect(bars[1]?.height).toBeGreaterThanOrEqual(2);
  });

  it('given a brush dragged either way, when turned into a range, then it holds the instants at both ends and snaps to the edges', () => {
    const domain = { lo: T0, hi: T0 + 2000 };
    const forward = brushRange(HISTOGRAM_WIDTH / 4, HISTOGRAM_WIDTH / 2, domain);
    expect(brushRange(HISTOGRAM_WIDTH / 2, HISTOGRAM_WIDTH / 4, domain)).toEqual(forward);
    expect(tnsToMs(forward.from)).toBeLessThanOrEqual(T0 + 500);
    expect(tnsToMs(forward.to)).toBeGreaterThanOrEqual(T0 + 1000);
    const edges = brushRange(EDGE_SNAP - 1, HISTOGRAM_WIDTH - EDGE_SNAP + 1, domain);
    expect(tnsToMs(edges.from)).toBeLessThanOrEqual(T0);
    expect(tnsToMs(edges.to)).toBeGreaterThanOrEqual(T0 + 2000);
    // Widened by a microsecond: the first event, exactly at the edge, is inside whatever float rounding did.
    expect(BigInt(edges.from) <= 1_795_395_390_000_000_000n).toBe(true);
    expect(1_795_395_390_000_000_000n - BigInt(edges.from) < 1_500n).toBe(true);
  });

  it('given a bucket or a zoomed range, when zooming in or out, then the range grows around its middle but never past the timeline', () => {
    const whole = { lo: T0, hi: T0 + 2000 };
    const bucket = bucketRange(0, whole, 4);
    /** The range holds [lo, hi] (ns) and exceeds it by at most 1.5 µs at each end. */
    const holds = (range: { from: string; to: string } | undefined, lo: bigint, hi: bigint): void => {
      expect(range).toBeDefined();
      const from = BigInt(range?.from ?? '0');
      const to = BigInt(range?.to ?? '0');
      expect(from <= lo && lo - from < 1_500n).toBe(true);
      expect(to >= hi && to - hi < 1_500n).toBe(true);
    };
    holds(bucket, 1_795_395_390_000_000_000n, 1_795_395_390_500_000_000n);
    holds(zoomOut({ lo: T0 + 500, hi: T0 + 1000 }, whole), 1_795_395_390_250_000_000n, 1_795_395_391_250_000_000n);
    expect(zoomOut(whole, whole)).toBeUndefined();
  });

  it('given spans from days to microseconds, when the axis is labelled, then the precision follows the span', () => {
    expect(axisLabel(T0, 5 * 86_400_000)).toBe('2026-11-23 00:56');
    expect(axisLabel(T0, 60_000)).toBe('2026-11-23 00:56:30');
    expect(axisLabel(T0 + 12.345678, 100)).toBe('00:56:30.012');
    expect(axisLabel(T0 + 12.345678, 2)).toBe('00:56:30.012345');
  });
});
