// The scrubber's density strip: how many events fall in each equal slice of trace time (or of seq without times).
import type { TraceReplay } from './replay.js';
import { parseIso } from './trace-time.js';

export interface Density {
  counts: number[];
  /** seq of the first event in each slice (a slice with no events starts where the next one does). */
  starts: number[];
}

const nanos = (iso: string): bigint | undefined => {
  const time = parseIso(iso);
  return time === undefined ? undefined : BigInt(time.sec) * 1_000_000_000n + BigInt(time.nsec);
};

/** At most `slices` slices; each boundary is one binary search in the replay's time index, never a rescan. */
export function replayDensity(replay: TraceReplay, slices = 200): Density {
  const { first, last, events } = replay.span();
  if (events === 0) return { counts: [], starts: [] };
  const from = first === null ? undefined : nanos(first);
  const to = last === null ? undefined : nanos(last);
  const count = Math.max(1, Math.min(slices, events));
  const starts: number[] = [0];
  if (from === undefined || to === undefined || to <= from) {
    for (let slice = 1; slice < count; slice++) starts.push(Math.floor((slice * events) / count));
  } else {
    const width = to - from;
    for (let slice = 1; slice < count; slice++) {
      const boundary = from + (width * BigInt(slice)) / BigInt(count);
      // seqOf gives the last event at or before the boundary: the slice starts right after it.
      starts.push(Math.min(events, Math.max(starts[slice - 1] ?? 0, replay.seqOf({ tns: boundary.toString() }) + 1)));
    }
  }
  const counts = starts.map((start, slice) => (starts[slice + 1] ?? events) - start);
  return { counts, starts };
}
