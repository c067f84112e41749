// Play/pause, speed, single steps and the current instant (UTC ISO with nanoseconds, and seq) above the scrubber.
import type { ReplaySummary } from '../../../../src/capture/common/replay.contract.js';
import { SafeText } from '../../ui/SafeText.js';
import { SPEEDS, speedLabel, type Speed } from './replay-clock.js';
import { Scrubber } from './Scrubber.js';
import type { Player } from './use-player.js';

export function PlayerControls({
  summary,
  seq,
  at,
  player,
  onSeek,
}: {
  summary: ReplaySummary;
  seq: number;
  /** The instant's time; null when the trace has none, undefined while loading. */
  at: string | null | undefined;
  player: Player;
  onSeek: (seq: number) => void;
}) {
  const last = summary.lastSeq;
  return (
    <section className="player" aria-label="Player">
      <div className="toolbar player-buttons">
        <button type="button" aria-label="First event" disabled={seq <= 0} onClick={() => onSeek(0)}>
          |◀ first
        </button>
        <button type="button" aria-label="Step back" disabled={seq <= 0} onClick={() => onSeek(seq - 1)}>
          ◀ step
        </button>
        <button
          type="button"
          className="play"
          aria-label={player.playing ? 'Pause' : 'Play'}
          disabled={last < 0}
          onClick={player.toggle}
        >
          {player.playing ? '⏸ pause' : '▶ play'}
        </button>
        <button type="button" aria-label="Step forward" disabled={seq >= last} onClick={() => onSeek(seq + 1)}>
          step ▶
        </button>
        <button type="button" aria-label="Last event" disabled={seq >= last} onClick={() => onSeek(last)}>
          last ▶|
        </button>
        <label>
          Speed{' '}
          <select
            aria-label="Speed"
            value={player.speed}
            onChange={(event) => player.setSpeed(Number(event.target.value) as Speed)}
          >
            {SPEEDS.map((speed) => (
              <option key={speed} value={speed}>
                {speedLabel(speed, player.timed)}
              </option>
            ))}
          </select>
        </label>
        <span className="instant mono" data-testid="instant">
          <span data-testid="instant-at">
            {at === undefined ? '…' : at === null ? 'no time in trace' : <SafeText text={at} />}
          </span>{' '}
          · seq <span data-testid="instant-seq">{seq}</span> / {last}
        </span>
      </div>
      {player.error ? (
        <p className="job job-failed" role="alert">
          Playback stopped: <SafeText text={player.error} />
        </p>
      ) : null}
      <Scrubber summary={summary} seq={seq} onSeek={onSeek} />
    </section>
  );
}
