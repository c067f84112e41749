// The histogram over time: its domain, event counts per bucket for a query result, bar geometry in SVG user units,
// the brush's pixel → nanosecond range, and axis labels whose precision follows the span shown.
import { positionAt, type QueryResult } from './query-plan.js';
import { msToTns, tnsToMs } from './time-key.js';

/** SVG user units; the chart stretches to its box. */
export const HISTOGRAM_WIDTH = 1000;
export const HISTOGRAM_HEIGHT = 80;
export const BUCKETS = 120;

/** A span of time in float milliseconds, lo < hi. */
export interface Domain {
  lo: number;
  hi: number;
}

/**
 * What the histogram spans: the filter's time range where it sets one, else the whole timeline. A single instant
 * is widened by half a millisecond each way so it still has a bucket to fall in.
 */
export function histogramDomain(times: Float64Array, from: string, to: string): Domain | undefined {
  const first = times[0];
  const last = times[times.length - 1];
  if (first === undefined || last === undefined || Number.isNaN(first) || Number.isNaN(last)) return undefined;
  const lo = from ? tnsToMs(from) : first;
  const hi = to ? tnsToMs(to) : last;
  if (hi < lo) return undefined;
  return hi === lo ? { lo: lo - 0.5, hi: hi + 0.5 } : { lo, hi };
}

/** The bucket of an instant, or -1 outside the domain. The last bucket includes the domain's end. */
export function bucketOf(ms: number, domain: Domain, buckets: number): number {
  if (!(ms >= domain.lo && ms <= domain.hi)) return -1;
  return Math.min(buckets - 1, Math.floor(((ms - domain.lo) / (domain.hi - domain.lo)) * buckets));
}

/** Events of the result per bucket (times: the instants by merge position, NaN where not loaded). */
export function bucketCounts(times: Float64Array, result: QueryResult, domain: Domain, buckets = BUCKETS): Uint32Array {
  const counts = new Uint32Array(buckets);
  for (let index = 0; index < result.count; index += 1) {
    const bucket = bucketOf(times[positionAt(result, index)] ?? Number.NaN, domain, buckets);
    if (bucket >= 0) counts[bucket] = (counts[bucket] as number) + 1;
  }
  return counts;
}

export interface Bar {
  bucket: number;
  x: number;
  width: number;
  height: number;
  count: number;
}

/** One bar per non-empty bucket; heights by square root so a burst does not flatten everything else. */
export function histogramBars(counts: Uint32Array): Bar[] {
  const peak = Math.max(1, ...counts);
  const width = HISTOGRAM_WIDTH / counts.length;
  const bars: Bar[] = [];
  counts.forEach((count, bucket) => {
    if (count === 0) return;
    bars.push({
      bucket,
      x: bucket * width,
      width: Math.max(0.5, width - 1),
      height: Math.max(2, Math.sqrt(count / peak) * HISTOGRAM_HEIGHT),
      count,
    });
  });
  return bars;
}

/** The instant under a horizontal position in user units (clamped to the chart). */
export function msAt(x: number, domain: Domain): number {
  const clamped = Math.min(HISTOGRAM_WIDTH, Math.max(0, x));
  return domain.lo + (clamped / HISTOGRAM_WIDTH) * (domain.hi - domain.lo);
}

/** A brush end this close (user units) to an edge of the chart snaps to it: a pointer cannot land on the edge. */
export const EDGE_SNAP = 4;

/**
 * Float milliseconds of this century are exact to about 0.25 µs, so a range made from them is widened by 1 µs at
 * each end: an event exactly at an edge (the first event, a bucket's boundary) is never lost to rounding.
 */
const WIDEN_MS = 0.001;

function rangeOf(loMs: number, hiMs: number): { from: string; to: string } {
  return { from: msToTns(loMs - WIDEN_MS, 'floor'), to: msToTns(hiMs + WIDEN_MS, 'ceil') };
}

/** The nanosecond range a brush from x0 to x1 (either direction) selects: start rounded down, end rounded up. */
export function brushRange(x0: number, x1: number, domain: Domain): { from: string; to: string } {
  const snap = (x: number): number => (x < EDGE_SNAP ? 0 : x > HISTOGRAM_WIDTH - EDGE_SNAP ? HISTOGRAM_WIDTH : x);
  return rangeOf(msAt(snap(Math.min(x0, x1)), domain), msAt(snap(Math.max(x0, x1)), domain));
}

/** The range of one bucket (a click on a bar zooms into it). */
export function bucketRange(bucket: number, domain: Domain, buckets = BUCKETS): { from: string; to: string } {
  const width = (domain.hi - domain.lo) / buckets;
  return rangeOf(domain.lo + bucket * width, domain.lo + (bucket + 1) * width);
}

/** The range twice as wide around the same middle (zoom out), no wider than the whole timeline. */
export function zoomOut(domain: Domain, whole: Domain): { from: string; to: string } | undefined {
  const half = domain.hi - domain.lo;
  const lo = Math.max(whole.lo, domain.lo - half / 2);
  const hi = Math.min(whole.hi, domain.hi + half / 2);
  if (lo <= whole.lo && hi >= whole.hi) return undefined;
  return rangeOf(lo, hi);
}

/** An axis label in UTC with as many fraction digits as the span shown needs (a day: seconds; a second: µs). */
export function axisLabel(ms: number, spanMs: number): string {
  const iso = new Date(Math.floor(ms)).toISOString();
  const date = iso.slice(0, 10);
  const clock = iso.slice(11, 19);
  if (spanMs >= 2 * 86_400_000) return `${date} ${clock.slice(0, 5)}`;
  if (spanMs >= 10_000) return `${date} ${clock}`;
  const micros = Math.floor((ms - Math.floor(ms / 1000) * 1000) * 1000);
  const digits = spanMs >= 10 ? 3 : 6;
  return `${clock}.${String(micros).padStart(6, '0').slice(0, digits)}`;
}
