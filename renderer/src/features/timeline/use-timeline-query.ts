// Runs the filters in the URL against the open timeline whenever they (or the bookmarks) change; a newer filter
// cancels an older one still running, and the time it took is kept for the status line.
import { useEffect, useMemo, useRef, useState } from 'react';
import { EMPTY_RESULT, type QueryResult } from './query-plan.js';
import { clausesFor, timeBounds, type TimelineFilters } from './timeline-filters.js';
import { runQuery } from './timeline-query.js';
import type { OpenTimeline } from './use-timeline.js';

export interface QueryState {
  result: QueryResult;
  ms: number | undefined;
  running: boolean;
  error: string | undefined;
}

/** Typing in a filter box re-runs the query after this pause, not on every key. */
const SETTLE_MS = 120;

export function useTimelineQuery(
  timeline: OpenTimeline,
  filters: TimelineFilters,
  bookmarked: readonly string[],
): QueryState {
  const clauses = useMemo(() => clausesFor(filters, bookmarked), [filters, bookmarked]);
  const bounds = useMemo(() => timeBounds(filters), [filters]);
  // The query re-runs when the conditions differ, not when an equal filter object is made again.
  const key = JSON.stringify([clauses, bounds]);
  const latest = useRef({ clauses, bounds });
  latest.current = { clauses, bounds };
  const [state, setState] = useState<QueryState>({
    result: EMPTY_RESULT,
    ms: undefined,
    running: true,
    error: undefined,
  });

  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ ...previous, running: true }));
    const timer = setTimeout(() => {
      const { clauses: conditions, bounds: range } = latest.current;
      const start = performance.now();
      runQuery(
        {
          db: timeline.db,
          columns: timeline.columns,
          total: timeline.summary.events,
          text: timeline.text,
          signal: controller.signal,
        },
        conditions,
        range,
      ).then(
        (result) => {
          if (!controller.signal.aborted)
            setState({ result, ms: performance.now() - start, running: false, error: undefined });
        },
        (error: unknown) => {
          if (!controller.signal.aborted)
            setState({
              result: EMPTY_RESULT,
              ms: undefined,
              running: false,
              error: error instanceof Error ? error.message : String(error),
            });
        },
      );
    }, SETTLE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [timeline, key]);
  return state;
}
