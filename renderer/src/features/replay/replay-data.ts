// Opens the chosen traces, then fetches what the player shows at an instant (state, activity) with a small cache,
// dropping answers that came too late.
import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  ActivityPage,
  ReplayAt,
  ReplaySummary,
  TraceFormatChoice,
} from '../../../../src/capture/common/replay.contract.js';
import type { ReplayStateView } from '../../../../src/capture/common/trace/replay-model.js';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import type { CallOptions } from '../../../../src/contract/kit.js';
import { chooseTrace } from './replay-route.js';

/** States kept for stepping back and forth without asking the host again. */
const CACHE_SIZE = 64;
/** Latest events of each kind shown in the activity tables (the host caps at 5000). */
export const ACTIVITY_LIMIT = 1000;

export type Loaded<T> =
  | { status: 'loading'; previous?: T }
  | { status: 'ready'; value: T }
  | { status: 'failed'; error: string; previous?: T };

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** An opened replay, the case's trace items (for the picker), and why the URL's item was not used, if it was not. */
export interface OpenedReplay {
  summary: ReplaySummary;
  traceItemIds: string[];
  note?: string;
}

/** Replays the URL's trace item alone when the case holds it (its seqs are the timeline's), else all of them. */
export async function openTraces(
  client: AppClient,
  request: { caseDir: string; format: (typeof TraceFormatChoice.options)[number]; item: string },
  options: CallOptions,
): Promise<OpenedReplay> {
  const opened = await client.forensics.openCase({ caseDir: request.caseDir }, options);
  const traceItemIds = opened.items.filter((item) => item.kind === 'syscall-trace').map((item) => item.id);
  const choice = chooseTrace(traceItemIds, request.item);
  const summary = await client.replay.openReplay(
    {
      caseDir: request.caseDir,
      format: request.format,
      ...(choice.itemIds === undefined ? {} : { itemIds: choice.itemIds }),
    },
    options,
  );
  return { summary, traceItemIds, ...(choice.note === undefined ? {} : { note: choice.note }) };
}

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
