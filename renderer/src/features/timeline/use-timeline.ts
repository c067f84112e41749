// Opens a case's timeline: the host builds it (or finds it built), the renderer loads it into the case's IndexedDB
// (resuming a cut load, skipping a finished one), reads the filter columns back and starts the text-search worker.
import { useEffect, useState } from 'react';
import type { TimelineSummary } from '../../../../src/forensics/common/timeline-model.js';
import type { Progress } from '../../../../src/contract/envelope.js';
import type { Columns } from './columns.js';
import { TextSearch } from './text-search.js';
import type { TimelineClient } from './timeline-client.js';
import { deleteStaleTimelines, openTimelineDb, readColumns, type TimelineDb } from './timeline-db.js';
import { loadTimeline, TimelineChangedError } from './timeline-load.js';

export interface OpenTimeline {
  summary: TimelineSummary;
  db: TimelineDb;
  columns: Columns;
  text: TextSearch;
}

export type TimelineState =
  | { status: 'idle' }
  | { status: 'building'; progress?: Progress }
  | { status: 'loading'; loaded: number; total: number }
  | { status: 'opening' }
  | { status: 'ready'; timeline: OpenTimeline }
  | { status: 'failed'; error: string };

/** A rebuilt file under a running load: start again this many times before giving up. */
const RESTARTS = 2;

async function open(
  client: TimelineClient,
  caseDir: string,
  rebuild: boolean,
  signal: AbortSignal,
  report: (state: TimelineState) => void,
  opened: (db: TimelineDb) => void,
): Promise<OpenTimeline> {
  for (let attempt = 0; ; attempt += 1) {
    report({ status: 'building' });
    const summary = await client.buildTimeline(
      { caseDir, rebuild: rebuild && attempt === 0 },
      { signal, onProgress: (progress) => report({ status: 'building', progress }) },
    );
    const db = openTimelineDb(caseDir, summary.sha256);
    opened(db);
    // Older loads of this case are caches of a file that no longer exists: free their space (best effort).
    void deleteStaleTimelines(caseDir, summary.sha256).catch(() => undefined);
    try {
      report({ status: 'loading', loaded: 0, total: summary.events });
      await loadTimeline(db, {
        caseDir,
        sha256: summary.sha256,
        total: summary.events,
        signal,
        fetchPage: (offset, limit, pageSignal) =>
          client.timelineEvents({ caseDir, offset, limit }, { signal: pageSignal ?? signal }),
        onProgress: (loaded, total) => report({ status: 'loading', loaded, total }),
      });
    } catch (error) {
      if (error instanceof TimelineChangedError && attempt < RESTARTS) continue;
      throw error;
    }
    report({ status: 'opening' });
    const columns = await readColumns(db, summary.events);
    return { summary, db, columns, text: new TextSearch(db.name, summary.events) };
  }
}

/** The case's timeline, opened when the case or `generation` changes (a higher generation with rebuild: rebuild it). */
export function useTimeline(
  client: TimelineClient,
  caseDir: string,
  request: { generation: number; rebuild: boolean },
): TimelineState {
  const [state, setState] = useState<TimelineState>({ status: 'idle' });
  useEffect(() => {
    if (caseDir === '') {
      setState({ status: 'idle' });
      return;
    }
    const controller = new AbortController();
    const databases: TimelineDb[] = [];
    let result: OpenTimeline | undefined;
    const report = (next: TimelineState): void => {
      if (!controller.signal.aborted) setState(next);
    };
    open(client, caseDir, request.rebuild, controller.signal, report, (db) => databases.push(db)).then(
      (timeline) => {
        result = timeline;
        if (controller.signal.aborted) timeline.text.close();
        else setState({ status: 'ready', timeline });
      },
      (error: unknown) => report({ status: 'failed', error: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      controller.abort();
      result?.text.close();
      for (const db of databases) db.close();
    };
  }, [client, caseDir, request.generation, request.rebuild]);
  return state;
}
