// Copies a case's timeline from the host into its IndexedDB, page by page (one bulkPut transaction per page), with
// progress; resumes a load that was cut short and stops when the host's file changed under it.
import type { TimelineEvent } from '../../../../src/forensics/common/timeline-model.js';
import { encodeChunk } from './columns.js';
import { searchText, toStoredEvent } from './event-row.js';
import type { LoadMeta, TimelineDb } from './timeline-db.js';

/** The host's page limit (timelineEvents accepts up to 20,000 per call). */
export const PAGE_SIZE = 20_000;

export interface TimelinePage {
  events: TimelineEvent[];
  total: number;
  nextOffset?: number | undefined;
  sha256: string;
}

export type FetchPage = (offset: number, limit: number, signal?: AbortSignal) => Promise<TimelinePage>;

/** The host rebuilt the timeline while it was being loaded: the caller starts again with the new file. */
export class TimelineChangedError extends Error {
  constructor(
    readonly expected: string,
    readonly found: string,
  ) {
    super(`the case's timeline changed while loading (${expected.slice(0, 12)} → ${found.slice(0, 12)}); reload it`);
  }
}

export interface LoadOptions {
  caseDir: string;
  sha256: string;
  total: number;
  fetchPage: FetchPage;
  pageSize?: number;
  signal?: AbortSignal;
  onProgress?: (loaded: number, total: number) => void;
}

async function writePage(db: TimelineDb, offset: number, events: readonly TimelineEvent[], meta: LoadMeta) {
  const rows = events.map((event, index) => toStoredEvent(event, offset + index));
  const columns = encodeChunk(offset, events);
  const text = events.map(searchText).join('\n');
  await db.transaction('rw', [db.events, db.columns, db.texts, db.meta], async () => {
    await db.events.bulkPut(rows);
    await db.columns.put(columns);
    await db.texts.put({ start: offset, text });
    await db.meta.put(meta);
  });
}

/**
 * Loads what is missing and resolves with the finished load record. The next page is fetched from the host, and
 * its transaction queued, while the current one commits, so the pipe, this thread and IndexedDB work at once;
 * each transaction records how far the load got, so a load cut short resumes after the last committed page.
 */
export async function loadTimeline(db: TimelineDb, options: LoadOptions): Promise<LoadMeta> {
  const { caseDir, sha256, total, fetchPage, signal } = options;
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const known = await db.meta.get('load');
  let meta: LoadMeta =
    known && known.sha256 === sha256 && known.total === total
      ? known
      : { key: 'load', caseDir, sha256, total, loaded: 0, complete: total === 0 };
  if (meta !== known) await db.meta.put(meta);
  options.onProgress?.(meta.loaded, total);

  let offset = meta.loaded;
  let next = offset < total ? fetchPage(offset, pageSize, signal) : undefined;
  let writing: Promise<void> | undefined;
  try {
    while (next) {
      const page = await next;
      signal?.throwIfAborted();
      if (page.sha256 !== sha256) throw new TimelineChangedError(sha256, page.sha256);
      if (page.events.length === 0) throw new Error(`the host sent an empty page at ${offset} of ${total} events`);
      const loaded = offset + page.events.length;
      next = loaded < total ? fetchPage(loaded, pageSize, signal) : undefined;
      // A rejected prefetch is reported by the await above on the next turn, not as an unhandled rejection now.
      next?.catch(() => undefined);
      const pageMeta: LoadMeta = { ...meta, loaded, complete: loaded >= total };
      const previous = writing;
      writing = writePage(db, offset, page.events, pageMeta);
      writing.catch(() => undefined);
      await previous;
      if (previous) options.onProgress?.(offset, total);
      meta = pageMeta;
      offset = loaded;
    }
    await writing;
  } finally {
    // Never leave a write running unobserved when the load stops early.
    await writing?.catch(() => undefined);
  }
  options.onProgress?.(meta.loaded, total);
  return meta;
}
