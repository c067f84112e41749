// Play/pause for the replay: a wall-clock tick advances trace time (or seq) by the speed and seeks to where it lands.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ReplayAt, ReplaySummary } from '../../../../src/capture/common/replay.contract.js';
import type { ReplayStateView } from '../../../../src/capture/common/trace/replay-model.js';
import { advanceClock, isoToNs, nsToIso, type PlayClock, type Speed } from './replay-clock.js';

/** Ticks per second while playing: smooth enough to watch, few enough host calls on a 2-core machine. */
const TICK_MS = 200;

interface PlayerInput {
  summary: ReplaySummary;
  seq: number;
  fetchState: (at: ReplayAt) => Promise<ReplayStateView>;
  seek: (seq: number) => void;
}

export interface Player {
  playing: boolean;
  speed: Speed;
  /** The trace has times: speed multiplies trace time; otherwise it is events per second. */
  timed: boolean;
  error?: string;
  toggle(): void;
  setSpeed(speed: Speed): void;
}

export function usePlayer({ summary, seq, fetchState, seek }: PlayerInput): Player {
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<Speed>(10);
  const [error, setError] = useState<string>();
  const lastNs = summary.last === null ? undefined : isoToNs(summary.last);
  const timed = summary.first !== null && lastNs !== undefined;
  // The tick reads the newest seq and callbacks without restarting the timer on every render.
  const latest = useRef({ seq, seek, fetchState });
  useEffect(() => {
    latest.current = { seq, seek, fetchState };
  });

  useEffect(() => {
    if (!playing) return;
    let stopped = false;
    let busy = false;
    let clock: PlayClock | undefined;
    let placed: number | undefined;
    let last = performance.now();
    const startClock = async (from: number): Promise<PlayClock> => {
      if (!timed) return { kind: 'seq', seq: from };
      const at = (await latest.current.fetchState({ seq: from })).at ?? summary.first;
      return { kind: 'time', ns: (at === null ? undefined : isoToNs(at)) ?? 0n };
    };
    const tick = async (): Promise<void> => {
      if (busy || stopped) return;
      busy = true;
      try {
        const now = performance.now();
        const elapsed = now - last;
        last = now;
        const current = latest.current.seq;
        // The responder moved the scrubber while playing: continue from there.
        if (!clock || placed !== current) clock = await startClock(current);
        clock = advanceClock(clock, elapsed, speed);
        let next: number;
        if (clock.kind === 'seq') next = Math.min(summary.lastSeq, Math.floor(clock.seq));
        else if (lastNs !== undefined && clock.ns >= lastNs) next = summary.lastSeq;
        else next = (await latest.current.fetchState({ iso: nsToIso(clock.ns) })).seq;
        if (stopped) return;
        next = Math.max(next, current);
        placed = next;
        if (next !== current) latest.current.seek(next);
        if (next >= summary.lastSeq) setPlaying(false);
      } catch (failure) {
        setError(failure instanceof Error ? failure.message : String(failure));
        setPlaying(false);
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => void tick(), TICK_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [playing, speed, timed, lastNs, summary.first, summary.lastSeq]);

  const toggle = useCallback(() => {
    setError(undefined);
    // Play at the end starts over, as any player does.
    if (!playing && latest.current.seq >= summary.lastSeq) latest.current.seek(0);
    setPlaying(!playing);
  }, [playing, summary.lastSeq]);

  return { playing, speed, timed, ...(error === undefined ? {} : { error }), toggle, setSpeed };
}
