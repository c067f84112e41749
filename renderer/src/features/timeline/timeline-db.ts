// The open case's timeline in IndexedDB (Dexie): one database per case and timeline file, events indexed by time,
// source, kind, process, path and technique; per loaded page, the filter columns (columns.ts) and the search text
// the text-search worker scans.
// A cache of the host's analysis/timeline.jsonl, never the record: the host stays the source of truth, and a
// rebuilt timeline (new SHA-256) is a new database.
import { Dexie, type Table } from 'dexie';
import { Columns, type ColumnChunk } from './columns.js';
import type { StoredEvent } from './event-row.js';

/**
 * The search text (event-row.ts searchText) of one loaded page's events, one line each, in merge order. A column
 * instead of a word index: a multi-entry index of every word doubled the load time of a million events, while
 * scanning this column in a worker answers a substring search over all of them in well under a second.
 */
export interface TextChunk {
  start: number;
  text: string;
}

/** How far the load of this timeline got: a load cut short resumes from `loaded`. */
export interface LoadMeta {
  key: 'load';
  caseDir: string;
  sha256: string;
  total: number;
  loaded: number;
  complete: boolean;
}

/** Index names (Dexie key paths) the queries use; the executable name has a column only (columns.ts). */
export const INDEX = {
  order: 'o',
  time: 'k',
  source: 'e.source',
  kind: 'e.kind',
  pid: 'e.subject.pid',
  path: 'e.subject.path',
  technique: 'e.techniques',
  id: 'e.id',
} as const;

const PREFIX = 'holdcell-timeline';

export class TimelineDb extends Dexie {
  // `declare`, not a field: a class field would be defined after super() and hide the tables Dexie sets up.
  declare events: Table<StoredEvent, number>;
  declare columns: Table<ColumnChunk, number>;
  declare texts: Table<TextChunk, number>;
  declare meta: Table<LoadMeta, string>;

  constructor(name: string) {
    super(name);
    // Version 2: no index on the executable name (the column answers it); each database is a cache of one file.
    this.version(2).stores({
      events: 'o, k, e.source, e.kind, e.subject.pid, e.subject.path, *e.techniques, e.id',
      columns: 'start',
      texts: 'start',
      meta: 'key',
    });
  }
}

/** FNV-1a, 64 bits, as 16 hex digits: a short stable name for a case folder (not a security boundary). */
export function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/** The database of one case's timeline file: the case's hash, then the file's SHA-256 (a rebuild is a new load). */
export function timelineDbName(caseDir: string, sha256: string): string {
  return `${PREFIX}:${fnv1a64(caseDir)}:${sha256.slice(0, 32)}`;
}

export function openTimelineDb(caseDir: string, sha256: string): TimelineDb {
  return new TimelineDb(timelineDbName(caseDir, sha256));
}

/** Deletes this case's databases for timeline files other than the current one; other cases are left alone. */
export async function deleteStaleTimelines(caseDir: string, sha256: string): Promise<string[]> {
  const keep = timelineDbName(caseDir, sha256);
  const prefix = `${PREFIX}:${fnv1a64(caseDir)}:`;
  const stale = (await Dexie.getDatabaseNames()).filter((name) => name.startsWith(prefix) && name !== keep);
  await Promise.all(stale.map((name) => Dexie.delete(name)));
  return stale;
}

/** The filter columns and times of every loaded page, merged in memory. */
export async function readColumns(db: TimelineDb, total: number): Promise<Columns> {
  const columns = new Columns(total);
  await db.columns.orderBy('start').each((chunk) => columns.add(chunk));
  return columns;
}
