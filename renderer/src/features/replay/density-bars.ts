// The scrubber's density strip as bars in SVG user units: where each equal-seq slice starts and how busy it was.
import type { ReplaySummary } from '../../../../src/capture/common/replay.contract.js';

/** SVG user units across and high; the strip stretches to the slider's width. */
export const DENSITY_WIDTH = 1000;
export const DENSITY_HEIGHT = 24;

export interface DensityBar {
  x: number;
  width: number;
  height: number;
  count: number;
  start: number;
}

/** Bars placed by the seq each slice starts at (slices are equal in seq, not in time); heights by square root. */
export function densityBars(summary: Pick<ReplaySummary, 'density' | 'densityStarts' | 'lastSeq'>): DensityBar[] {
  const span = summary.lastSeq + 1;
  const peak = Math.max(1, ...summary.density);
  return summary.density.map((count, index) => {
    const start = summary.densityStarts[index] ?? 0;
    const end = summary.densityStarts[index + 1] ?? span;
    return {
      x: (start / span) * DENSITY_WIDTH,
      width: Math.max(0.5, ((end - start) / span) * DENSITY_WIDTH),
      height: count === 0 ? 0 : Math.max(1, Math.sqrt(count / peak) * DENSITY_HEIGHT),
      count,
      start,
    };
  });
}
