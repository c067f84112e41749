// Runs a filter against the case's IndexedDB and columns as query-plan.ts plans it: index key lists for selective
// conditions, intersected; column checks for wide ones; then the text worker. The time range maps to merge positions
// through the time index (positions are in time order), so it only ever trims.
import type { Columns } from './columns.js';
import {
  clipToRange,
  EMPTY_RESULT,
  filterPositions,
  intersectSorted,
  keysResult,
  planQuery,
  rangeResult,
  sortedUnique,
  type IndexClause,
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
async function keysOf(db: TimelineDb, clause: IndexClause): Promise<Uint32Array> {
  if (clause.index === 'exe') throw new Error('the executable name has no index');
  const index = INDEX[clause.index];
  const lists = await Promise.all(
    clause.values.map((value) =>
      (clause.op === 'prefix'
        ? db.events.where(index).startsWith(String(value))
        : db.events.where(index).equals(value)
      ).primaryKeys(),
    ),
  );
  return sortedUnique(lists.length === 1 ? (lists[0] as number[]) : lists.flat());
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
  const counted = clauses
    .filter((clause): clause is IndexClause => clause.op !== 'contains')
    .map((clause) => ({ clause, count: clauseColumn(clause) === undefined ? undefined : columns.count(clause) }));
  const plan = planQuery(clauses, counted);
  if (plan.empty) return EMPTY_RESULT;

  let candidates: Uint32Array | undefined;
  for (const clause of plan.indexed) {
    const clipped = clipToRange(await keysOf(db, clause), range.lo, range.hi);
    signal?.throwIfAborted();
    candidates = candidates ? intersectSorted(candidates, clipped) : clipped;
    if (candidates.length === 0) return EMPTY_RESULT;
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
