// Fetches what the player shows at an instant (state, activity) with a small cache, dropping answers that came too late.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ActivityPage, ReplayAt } from '../../../../src/capture/common/replay.contract.js';
import type { ReplayStateView } from '../../../../src/capture/common/trace/replay-model.js';
import type { AppClient } from '../../../../src/contract/app-contract.js';

/** States kept for stepping back and forth without asking the host again. */
const CACHE_SIZE = 64;
/** Latest events of each kind shown in the activity tables (the host caps at 5000). */
export const ACTIVITY_LIMIT = 1000;

export type Loaded<T> =
  | { status: 'loading'; previous?: T }
  | { status: 'ready'; value: T }
  | { status: 'failed'; error: string; previous?: T };

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The states at instants of one replay; the player primes it when it asks by time, so the view reuses the answer. */
export function useStateCache(client: AppClient, replayId: string) {
  const cache = useRef(new Map<number, ReplayStateView>());
  useEffect(() => {
    cache.current = new Map();
  }, [replayId]);
  const fetchState = useCallback(
    async (at: ReplayAt): Promise<ReplayStateView> => {
      if ('seq' in at) {
        const cached = cache.current.get(at.seq);
        if (cached) return cached;
      }
      const state = await client.replay.replayState({ replayId, at });
      cache.current.delete(state.seq);
      cache.current.set(state.seq, state);
      // Map keeps insertion order: the first key is the least recently stored.
      if (cache.current.size > CACHE_SIZE) cache.current.delete(cache.current.keys().next().value as number);
      return state;
    },
    [client, replayId],
  );
  return fetchState;
}

/** Calls `load` whenever its inputs change and keeps the last good value visible while the next one loads. */
function useLatest<T>(load: () => Promise<T>): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ status: 'loading' });
  useEffect(() => {
    let current = true;
    setLoaded((before) => ({ status: 'loading', ...previousOf(before) }));
    load().then(
      (value) => current && setLoaded({ status: 'ready', value }),
      (error: unknown) =>
        current && setLoaded((before) => ({ status: 'failed', error: message(error), ...previousOf(before) })),
    );
    return () => {
      current = false;
    };
  }, [load]);
  return loaded;
}

function previousOf<T>(loaded: Loaded<T>): { previous?: T } {
  if (loaded.status === 'ready') return { previous: loaded.value };
  return loaded.previous === undefined ? {} : { previous: loaded.previous };
}

/** The value to show: the fresh one, or the previous one while loading (no flicker while scrubbing). */
export function shown<T>(loaded: Loaded<T>): T | undefined {
  return loaded.status === 'ready' ? loaded.value : loaded.previous;
}

export function useInstantState(
  fetchState: (at: ReplayAt) => Promise<ReplayStateView>,
  seq: number,
): Loaded<ReplayStateView> {
  return useLatest(useCallback(() => fetchState({ seq }), [fetchState, seq]));
}

export function useActivity(client: AppClient, replayId: string, seq: number): Loaded<ActivityPage> {
  return useLatest(
    useCallback(
      () => client.replay.replayActivity({ replayId, fromSeq: 0, untilSeq: seq, limit: ACTIVITY_LIMIT }),
      [client, replayId, seq],
    ),
  );
}
