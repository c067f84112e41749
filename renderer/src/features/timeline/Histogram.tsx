// Events over time for the current filters, as SVG bars (no inline styles: CSP). Drag across it to set the time
// range (the brush), click a bar to zoom into it; bookmarks and the selected event are marked above the bars.
import { useMemo, useRef, useState, type PointerEvent } from 'react';
import type { Columns } from './columns.js';
import {
  axisLabel,
  bucketCounts,
  bucketOf,
  bucketRange,
  brushRange,
  HISTOGRAM_HEIGHT as HEIGHT,
  HISTOGRAM_WIDTH as WIDTH,
  histogramBars,
  BUCKETS,
  type Domain,
} from './histogram.js';
import type { QueryResult } from './query-plan.js';

/** A drag shorter than this (user units, of 1000 across) is a click. */
const CLICK = 4;
/** Room left and right of the chart, in user units, so a marker at either end is drawn whole. */
const PAD = 8;

export interface Marker {
  ms: number;
  kind: 'bookmark' | 'selected';
  label: string;
  onClick?: () => void;
}

export function Histogram({
  columns,
  result,
  domain,
  markers,
  onRange,
}: {
  columns: Columns;
  result: QueryResult;
  domain: Domain;
  markers: readonly Marker[];
  onRange: (range: { from: string; to: string }) => void;
}) {
  const svg = useRef<SVGSVGElement>(null);
  const [brush, setBrush] = useState<{ x0: number; x1: number }>();
  const counts = useMemo(() => bucketCounts(columns.times, result, domain), [columns, result, domain]);
  const bars = useMemo(() => histogramBars(counts), [counts]);
  const peak = Math.max(0, ...counts);

  const unitsAt = (event: PointerEvent<SVGElement>): number => {
    const box = svg.current?.getBoundingClientRect();
    return box && box.width > 0 ? ((event.clientX - box.left) / box.width) * (WIDTH + 2 * PAD) - PAD : 0;
  };
  const finish = (event: PointerEvent<SVGElement>): void => {
    if (!brush) return;
    const x1 = unitsAt(event);
    setBrush(undefined);
    if (Math.abs(x1 - brush.x0) >= CLICK) return onRange(brushRange(brush.x0, x1, domain));
    const bucket = Math.min(BUCKETS - 1, Math.max(0, Math.floor((x1 / WIDTH) * BUCKETS)));
    if ((counts[bucket] ?? 0) > 0) onRange(bucketRange(bucket, domain));
  };
  const span = domain.hi - domain.lo;

  return (
    <figure className="histogram">
      <svg
        ref={svg}
        viewBox={`${-PAD} -10 ${WIDTH + 2 * PAD} ${HEIGHT + 10}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Events over time: ${result.count} in ${BUCKETS} buckets, busiest ${peak}`}
        data-testid="histogram"
        data-peak={peak}
        data-events={counts.reduce((sum, count) => sum + count, 0)}
      >
        <rect className="histogram-ground" x={0} y={0} width={WIDTH} height={HEIGHT} />
        {bars.map((bar) => (
          <rect
            key={bar.bucket}
            className="histogram-bar"
            x={bar.x}
            y={HEIGHT - bar.height}
            width={bar.width}
            height={bar.height}
            data-bucket={bar.bucket}
            data-count={bar.count}
          >
            <title>{`${bar.count} events from ${axisLabel(domain.lo + (bar.bucket * span) / BUCKETS, span)}`}</title>
          </rect>
        ))}
        <rect
          className="histogram-input"
          x={0}
          y={0}
          width={WIDTH}
          height={HEIGHT}
          data-testid="histogram-brush"
          onPointerDown={(event) => {
            event.currentTarget.setPointerCapture(event.pointerId);
            const x0 = unitsAt(event);
            setBrush({ x0, x1: x0 });
          }}
          onPointerMove={(event) => brush && setBrush({ ...brush, x1: unitsAt(event) })}
          onPointerUp={finish}
          onPointerCancel={() => setBrush(undefined)}
        >
          <title>Drag across to choose a time range; click a bar to zoom into it</title>
        </rect>
        {brush ? (
          <rect
            className="histogram-brush"
            x={Math.min(brush.x0, brush.x1)}
            y={0}
            width={Math.abs(brush.x1 - brush.x0)}
            height={HEIGHT}
          />
        ) : null}
        {markers.map((marker, index) => {
          const bucket = bucketOf(marker.ms, domain, BUCKETS);
          if (bucket < 0) return null;
          const x = ((marker.ms - domain.lo) / span) * WIDTH;
          return (
            <g
              key={`${marker.kind}-${index}`}
              className={`histogram-marker marker-${marker.kind}`}
              onPointerDown={(event) => event.stopPropagation()}
              onClick={marker.onClick}
            >
              <rect className="marker-line" x={x - 0.75} y={-10} width={1.5} height={HEIGHT + 10} />
              <path className="marker-head" d={`M ${x - 6} -10 L ${x + 6} -10 L ${x} 0 Z`} />
              <title>{marker.label}</title>
            </g>
          );
        })}
      </svg>
      <figcaption className="histogram-axis mono">
        <span data-testid="axis-start">{axisLabel(domain.lo, span)}</span>
        <span>{axisLabel(domain.lo + span / 2, span)}</span>
        <span data-testid="axis-end">{axisLabel(domain.hi, span)}</span>
      </figcaption>
    </figure>
  );
}
