// The scrubber over 0..lastSeq with the trace's event density drawn as SVG bars above it (no inline styles: CSP).
import type { ReplaySummary } from '../../../../src/capture/common/replay.contract.js';
import { DENSITY_HEIGHT as HEIGHT, DENSITY_WIDTH as WIDTH, densityBars } from './density-bars.js';

export function Scrubber({
  summary,
  seq,
  onSeek,
}: {
  summary: ReplaySummary;
  seq: number;
  onSeek: (seq: number) => void;
}) {
  const span = summary.lastSeq + 1;
  const cursor = ((seq + 0.5) / span) * WIDTH;
  return (
    <div className="scrubber">
      <svg
        className="density"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Event density over ${summary.events} events`}
        data-testid="density"
      >
        {densityBars(summary).map((bar) => (
          <rect
            key={bar.start}
            className="density-bar"
            x={bar.x}
            y={HEIGHT - bar.height}
            width={bar.width}
            height={bar.height}
            onClick={() => onSeek(bar.start)}
          >
            <title>{`${bar.count} events from seq ${bar.start}`}</title>
          </rect>
        ))}
        <rect className="density-cursor" x={Math.max(0, cursor - 1.5)} y={0} width={3} height={HEIGHT} />
      </svg>
      <input
        type="range"
        aria-label="Instant (seq)"
        min={0}
        max={Math.max(0, summary.lastSeq)}
        step={1}
        value={seq}
        onChange={(event) => onSeek(Number(event.target.value))}
      />
    </div>
  );
}
