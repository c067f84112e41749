// Runs a filter against the case's IndexedDB and columns as query-plan.ts plans it: bounded index probes, key-list
// intersection, column checks for wide conditions, then the text worker. The time range maps to merge positions
// through the time index (positions are in time order), so it only ever trims.
import type { Collection } from 'dexie';
import type { Columns } from './columns.js';
import type { StoredEvent } from './event-row.js';
import {
  clipToRange,
  EMPTY_RESULT,
  filterPositions,
  intersectSorted,
  keysResult,
  planQuery,
  PROBE_LIMIT,
  rangeResult,
  sortedUnique,
  type IndexClause,
  type Probe,
  type QueryResult,
} from './query-plan.js';
import { clauseColumn } from './columns.js';
import type { TextSearch } from './text-search.js';
import { INDEX, type TimelineDb } from './timeline-db.js';
import type { Clause } from './timeline-filters.js';

export interface QueryContext {
  db: TimelineDb;
  columns: Columns;
  total: number;
  text?: TextSearch | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * One key range per value (equals, or startsWith for a prefix): a plain range lets IndexedDB answer with one
 * getAllKeys call, where Dexie's anyOf/startsWithAnyOf walk a cursor entry by entry.
 */
function collections(db: TimelineDb, clause: IndexClause): Collection<StoredEvent, number>[] {
  const index = INDEX[clause.index];
  return clause.values.map((value) =>
    clause.op === 'prefix' ? db.events.where(index).startsWith(String(value)) : db.events.where(index).equals(value),
  );
}

/** The clause's keys if every value has at most PROBE_LIMIT (a condition without a column is read whole). */
async function probe(db: TimelineDb, clause: IndexClause): Promise<Probe> {
  const bounded = clauseColumn(clause) !== undefined;
  const lists = await Promise.all(
    collections(db, clause).map((part) => (bounded ? part.limit(PROBE_LIMIT + 1) : part).primaryKeys()),
  );
  if (bounded && lists.some((list) => list.length > PROBE_LIMIT)) return { clause, keys: 'wide' };
  return { clause, keys: sortedUnique(lists.length === 1 ? (lists[0] as number[]) : lists.flat()) };
}

/** Merge positions of the first and last event within the time bounds (hi < lo when none). */
export async function positionRange(
  db: TimelineDb,
  bounds: { lo?: string; hi?: string },
  total: number,
): Promise<{ lo: number; hi: number }> {
  const [lo, hi] = await Promise.all([
    bounds.lo === undefined
      ? 0
      : db.events
          .where(INDEX.time)
          .aboveOrEqual(bounds.lo)
          .limit(1)
          .primaryKeys()
          .then((keys) => keys[0] ?? total),
    bounds.hi === undefined
      ? total - 1
      : db.events
          .where(INDEX.time)
          .belowOrEqual(bounds.hi)
          .reverse()
          .limit(1)
          .primaryKeys()
          .then((keys) => keys[0] ?? -1),
  ]);
  return { lo, hi };
}

export async function runQuery(
  context: QueryContext,
  clauses: readonly Clause[],
  bounds: { lo?: string; hi?: string },
): Promise<QueryResult> {
  const { db, columns, total, signal } = context;
  const range = await positionRange(db, bounds, total);
  if (range.hi < range.lo) return EMPTY_RESULT;
  if (clauses.length === 0) return rangeResult(range.lo, range.hi);
  const indexClauses = clauses.filter((clause): clause is IndexClause => clause.op !== 'contains');
  const plan = planQuery(clauses, await Promise.all(indexClauses.map((clause) => probe(db, clause))));
  signal?.throwIfAborted();
  if (plan.empty) return EMPTY_RESULT;

  let candidates: Uint32Array | undefined;
  for (const list of plan.lists) {
    const clipped = clipToRange(list, range.lo, range.hi);
    candidates = candidates ? intersectSorted(candidates, clipped) : clipped;
  }
  if (plan.checks.length > 0)
    candidates = filterPositions(
      plan.checks.map((clause) => columns.compile(clause)),
      range,
      candidates,
    );
  if (plan.text) {
    if (!context.text) throw new Error('no text search for this timeline');
    candidates = await context.text.search(plan.text.values, { ...range, candidates }, signal);
  }
  return candidates ? keysResult(candidates) : rangeResult(range.lo, range.hi);
}
