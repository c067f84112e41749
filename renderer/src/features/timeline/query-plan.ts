// Filter → query planning over IndexedDB and the in-memory columns. Every condition's exact count comes from the
// column dictionaries at no cost; a selective condition is read from its Dexie index as an exact key list (lists
// are intersected shortest first), a wide one is checked on the columns over what is left, and the text search
// comes last. Pure: the Dexie side is timeline-query.ts.
import type { Clause, IndexName } from './timeline-filters.js';

/**
 * Most events a condition may match and still be read from its index. On this 2-core VM IndexedDB hands back keys
 * at 3–30 µs each (more under load), while a column check costs a few nanoseconds per event, so a scan of a million
 * events (5–10 ms) beats reading more than about a thousand keys (bench:timeline).
 */
export const INDEX_LIMIT = 1024;

/** The matching events: a contiguous run of merge positions (no condition but time), or a sorted key list. */
export type QueryResult =
  { kind: 'range'; lo: number; hi: number; count: number } | { kind: 'keys'; keys: Uint32Array; count: number };

export const EMPTY_RESULT: QueryResult = { kind: 'keys', keys: new Uint32Array(0), count: 0 };

/** Merge positions lo..hi inclusive (hi < lo when none). */
export function rangeResult(lo: number, hi: number): QueryResult {
  return { kind: 'range', lo, hi, count: Math.max(0, hi - lo + 1) };
}

export function keysResult(keys: Uint32Array): QueryResult {
  return { kind: 'keys', keys, count: keys.length };
}

/** The merge position of the result's row at list index `index`. */
export function positionAt(result: QueryResult, index: number): number {
  return result.kind === 'range' ? result.lo + index : (result.keys[index] as number);
}

/** The list index of a merge position in the result, or -1. */
export function indexOfPosition(result: QueryResult, position: number): number {
  if (result.kind === 'range') return position >= result.lo && position <= result.hi ? position - result.lo : -1;
  const at = lowerBound(result.keys, position);
  return result.keys[at] === position ? at : -1;
}

export type IndexClause = Extract<Clause, { op: 'equals' | 'prefix' }>;

/** A condition with how many events meet it (undefined: no column can count it, e.g. bookmarks by id). */
export interface Counted {
  clause: IndexClause;
  count: number | undefined;
}

export interface QueryPlan {
  /** A condition matched nothing: the answer is empty without further work. */
  empty: boolean;
  /** Conditions read from their index, fewest events first: their key lists are intersected in this order. */
  indexed: IndexClause[];
  /** Wide conditions, checked on the columns over the lists' intersection (or the whole time range). */
  checks: IndexClause[];
  /** The text search, applied last. */
  text?: Extract<Clause, { op: 'contains' }>;
}

/** Fields with a Dexie index (the executable name has only its column). */
const INDEXED: ReadonlySet<IndexName> = new Set(['source', 'kind', 'technique', 'pid', 'path', 'id']);

export function planQuery(clauses: readonly Clause[], counted: readonly Counted[]): QueryPlan {
  const text = clauses.find((clause): clause is Extract<Clause, { op: 'contains' }> => clause.op === 'contains');
  const indexed: Counted[] = [];
  const checks: IndexClause[] = [];
  let empty = false;
  for (const entry of counted) {
    if (entry.count === 0) empty = true;
    if (entry.count === undefined || (entry.count <= INDEX_LIMIT && INDEXED.has(entry.clause.index)))
      indexed.push(entry);
    else checks.push(entry.clause);
  }
  indexed.sort((a, b) => (a.count ?? 0) - (b.count ?? 0));
  return { empty, indexed: indexed.map((entry) => entry.clause), checks, ...(text ? { text } : {}) };
}

/** First index whose key is ≥ value (keys ascending). */
export function lowerBound(keys: Uint32Array, value: number): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((keys[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The keys within lo..hi inclusive (a view, no copy). */
export function clipToRange(keys: Uint32Array, lo: number, hi: number): Uint32Array {
  return keys.subarray(lowerBound(keys, lo), lowerBound(keys, hi + 1));
}

/** Keys as a strictly ascending typed array: sorted only when needed, duplicates (multi-entry indexes) dropped. */
export function sortedUnique(keys: ArrayLike<number>): Uint32Array {
  let array = Uint32Array.from(keys);
  let ascending = true;
  for (let index = 1; index < array.length && ascending; index += 1)
    ascending = (array[index - 1] as number) < (array[index] as number);
  if (ascending) return array;
  array = array.sort();
  let write = 0;
  // In place: the write position never passes the read position.
  for (const key of array) if (write === 0 || key !== array[write - 1]) array[write++] = key;
  return array.subarray(0, write);
}

/** The keys in both ascending lists. */
export function intersectSorted(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      out[n++] = x;
      i += 1;
      j += 1;
    } else if (x < y) i += 1;
    else j += 1;
  }
  return out.subarray(0, n);
}

/** The positions (the candidates, or lo..hi when there are none) that pass every check. */
export function filterPositions(
  checks: readonly ((position: number) => boolean)[],
  range: { lo: number; hi: number },
  candidates?: Uint32Array,
): Uint32Array {
  const size = candidates ? candidates.length : Math.max(0, range.hi - range.lo + 1);
  const out = new Uint32Array(size);
  let n = 0;
  const pass = (position: number): boolean => checks.every((check) => check(position));
  if (candidates) {
    for (const position of candidates) if (pass(position)) out[n++] = position;
  } else {
    for (let position = range.lo; position <= range.hi; position += 1) if (pass(position)) out[n++] = position;
  }
  return out.subarray(0, n);
}
