// The page bench:timeline drives in Chromium: the renderer's own timeline store, query modules and event list
// component (bundled by esbuild from renderer/src), a synthetic million-event case, and a plain IndexedDB baseline.
import { createRoot } from 'react-dom/client';
import '../renderer/src/ui/styles.css';
import { rangeResult } from '../renderer/src/features/timeline/query-plan.js';
import type { Columns } from '../renderer/src/features/timeline/columns.js';
import {
  deleteStaleTimelines,
  openTimelineDb,
  readColumns,
  type TimelineDb,
} from '../renderer/src/features/timeline/timeline-db.js';
import {
  clausesFor,
  NO_FILTERS,
  timeBounds,
  type TimelineFilters,
} from '../renderer/src/features/timeline/timeline-filters.js';
import { loadTimeline, PAGE_SIZE } from '../renderer/src/features/timeline/timeline-load.js';
import { runQuery } from '../renderer/src/features/timeline/timeline-query.js';
import { TextSearch } from '../renderer/src/features/timeline/text-search.js';
import { EventList } from '../renderer/src/features/timeline/EventList.js';
import { SyntheticTimeline } from './timeline-synthetic.js';

const CASE = '/bench/cases/synthetic';
const SHA = 'be'.repeat(32);

let db: TimelineDb | undefined;
let timeline: SyntheticTimeline | undefined;
let text: TextSearch | undefined;
let columns: Columns | undefined;

/** No annotations in the synthetic case: every row is drawn without marks, as an unannotated case's are. */
const NO_MARKS = new Map<string, never[]>();
const ignore = (): void => undefined;

/** The same events, each a plain put into an object store with no index: what IndexedDB costs without Dexie. */
async function loadPlain(total: number): Promise<void> {
  const source = new SyntheticTimeline(total);
  const plain = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('bench-plain', 1);
    request.onupgradeneeded = () => request.result.createObjectStore('events');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  for (let offset = 0; offset < total; offset += PAGE_SIZE) {
    const events = source.page(offset, PAGE_SIZE);
    await new Promise<void>((resolve, reject) => {
      const transaction = plain.transaction('events', 'readwrite');
      const store = transaction.objectStore('events');
      events.forEach((event, index) => store.put(event, offset + index));
      transaction.oncomplete = () => resolve();
      transaction.onerror = () => reject(transaction.error);
    });
  }
  plain.close();
}

const bench = {
  /** Generating the events alone (both loads include it): to tell the store's cost from the generator's. */
  generate(total: number): number {
    const source = new SyntheticTimeline(total);
    const start = performance.now();
    let bytes = 0;
    for (let offset = 0; offset < total; offset += PAGE_SIZE) bytes += source.page(offset, PAGE_SIZE).length;
    if (bytes !== total) throw new Error('generator lost events');
    return performance.now() - start;
  },
  /** Loads the events as the view does; a kept profile (--profile) that already holds them is reused, not timed. */
  async loadDexie(total: number): Promise<{ ms: number; loaded: number; reused: boolean }> {
    timeline = new SyntheticTimeline(total);
    const source = timeline;
    await deleteStaleTimelines(CASE, SHA);
    db = openTimelineDb(CASE, SHA);
    const known = await db.meta.get('load');
    const reused = known?.complete === true && known.total === total;
    const start = performance.now();
    const meta = await loadTimeline(db, {
      caseDir: CASE,
      sha256: SHA,
      total,
      fetchPage: async (offset, limit) => ({ events: source.page(offset, limit), total, sha256: SHA }),
    });
    text = new TextSearch(db.name, total);
    return { ms: performance.now() - start, loaded: meta.loaded, reused };
  },
  /** Opening a loaded timeline: its filter columns read back from IndexedDB and merged in memory. */
  async open(): Promise<{ ms: number }> {
    if (!db || !timeline) throw new Error('load first');
    const start = performance.now();
    columns = await readColumns(db, timeline.total);
    return { ms: performance.now() - start };
  },
  async loadPlain(total: number): Promise<{ ms: number }> {
    const start = performance.now();
    await loadPlain(total);
    return { ms: performance.now() - start };
  },
  async filter(filters: Partial<TimelineFilters>): Promise<{ ms: number; count: number }> {
    if (!db || !timeline || !columns) throw new Error('load and open first');
    const full = { ...NO_FILTERS, ...filters };
    const start = performance.now();
    const result = await runQuery({ db, columns, total: timeline.total, text }, clausesFor(full), timeBounds(full));
    return { ms: performance.now() - start, count: result.count };
  },
  async mountList(): Promise<void> {
    if (!db || !timeline) throw new Error('load first');
    const root = document.getElementById('root');
    if (!root) throw new Error('no root');
    // The Timeline view's own list component, as its Workspace renders it.
    createRoot(root).render(
      <EventList
        db={db}
        result={rangeResult(0, timeline.total - 1)}
        selectedIndex={-1}
        byEvent={NO_MARKS}
        withDate={false}
        onSelectEvent={ignore}
      />,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
  },
  /** Scrolls the list by `step` px per frame for `frames` frames; returns the frame-to-frame times (ms). */
  scroll(frames: number, step: number): Promise<{ deltas: number[]; blankRows: number }> {
    const list = document.querySelector<HTMLElement>('.tl-list');
    if (!list) throw new Error('no list');
    const loafs: PerformanceEntry[] = [];
    const observer = new PerformanceObserver((list) => loafs.push(...list.getEntries()));
    observer.observe({ type: 'long-animation-frame', buffered: false });
    (window as unknown as { loafs: PerformanceEntry[] }).loafs = loafs;
    return new Promise((resolve) => {
      const deltas: number[] = [];
      let blankRows = 0;
      let last = performance.now();
      let frame = 0;
      const tick = (now: number): void => {
        deltas.push(now - last);
        last = now;
        blankRows += list.querySelectorAll('.tl-row.loading').length;
        list.scrollTop += step;
        frame += 1;
        if (frame < frames) requestAnimationFrame(tick);
        else resolve({ deltas: deltas.slice(1), blankRows });
      };
      requestAnimationFrame((now) => {
        last = now;
        requestAnimationFrame(tick);
      });
    });
  },
};

Object.assign(window, { bench });
