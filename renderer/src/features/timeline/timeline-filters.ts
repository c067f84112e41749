// The timeline's filters as URL parameters (prefixed "t", so they do not leak into the diff's or the replay's own
// parameters when the responder switches views) and as index clauses for the query planner.
import { TIMELINE_SOURCES, type TimelineSource } from '../../../../src/forensics/common/timeline-model.js';
import { isTns, timeKey } from './time-key.js';

export interface TimelineFilters {
  /** Sources shown; empty means every source. */
  sources: TimelineSource[];
  /** An exact kind ("process.exec") or a family ("process.*"); '' for any. */
  kind: string;
  /** A technique id; a parent ("T1098") also matches its sub-techniques ("T1098.004"). */
  technique: string;
  /** A pid (digits) or an executable name ("nc", matched whole, any case). */
  process: string;
  /** A path prefix, as the events spell it ("/etc/"). */
  path: string;
  /** Words; an event matches when its search text (summary, kind, process, path, address…) holds each of them. */
  text: string;
  /** Time range, inclusive, in nanoseconds ('' = open). */
  from: string;
  to: string;
  /** Only bookmarked events. */
  bookmarked: boolean;
}

export const NO_FILTERS: TimelineFilters = {
  sources: [],
  kind: '',
  technique: '',
  process: '',
  path: '',
  text: '',
  from: '',
  to: '',
  bookmarked: false,
};

export const FILTER_PARAMS: Readonly<Record<keyof TimelineFilters, string>> = {
  sources: 'tsource',
  kind: 'tkind',
  technique: 'ttech',
  process: 'tproc',
  path: 'tpath',
  text: 'tq',
  from: 'tfrom',
  to: 'tto',
  bookmarked: 'tmarked',
};

/** The selected event's id. */
export const EVENT_PARAM = 'tevent';

const KIND = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*(?:\.\*)?$/i;
const TECHNIQUE = /^T\d{4}(?:\.\d{3})?$/;

/** Reads the filters from URL parameters; a malformed value means "not set", never an error. */
export function parseFilters(param: (name: string) => string): TimelineFilters {
  const sources = param(FILTER_PARAMS.sources)
    .split(',')
    .filter((source): source is TimelineSource => (TIMELINE_SOURCES as readonly string[]).includes(source));
  const kind = param(FILTER_PARAMS.kind).trim();
  const technique = param(FILTER_PARAMS.technique).trim().toUpperCase();
  const from = param(FILTER_PARAMS.from).trim();
  const to = param(FILTER_PARAMS.to).trim();
  return {
    sources: TIMELINE_SOURCES.filter((source) => sources.includes(source)),
    kind: KIND.test(kind) ? kind : '',
    technique: TECHNIQUE.test(technique) ? technique : '',
    process: param(FILTER_PARAMS.process).trim(),
    path: param(FILTER_PARAMS.path),
    text: param(FILTER_PARAMS.text),
    from: isTns(from) ? from : '',
    to: isTns(to) ? to : '',
    bookmarked: param(FILTER_PARAMS.bookmarked) === '1',
  };
}

/** URL parameter updates for a change of filters ('' removes a parameter). */
export function filterParams(filters: Partial<TimelineFilters>): Record<string, string> {
  const updates: Record<string, string> = {};
  for (const [name, value] of Object.entries(filters) as [
    keyof TimelineFilters,
    TimelineFilters[keyof TimelineFilters],
  ][]) {
    const param = FILTER_PARAMS[name];
    if (Array.isArray(value)) updates[param] = value.join(',');
    else if (typeof value === 'boolean') updates[param] = value ? '1' : '';
    else updates[param] = value;
  }
  return updates;
}

export function hasFilters(filters: TimelineFilters): boolean {
  return JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);
}

/** The fields a condition can be on: each has an IndexedDB index, an in-memory column, or both (columns.ts). */
export type IndexName = 'source' | 'kind' | 'technique' | 'pid' | 'exe' | 'path' | 'id';

/**
 * One condition: `equals` (any of the values) and `prefix` (any of the prefixes) are answered by an index or a
 * column; `contains` is the text search (every term a substring of the event's search text), the worker's.
 */
export type Clause =
  | { index: IndexName; op: 'equals' | 'prefix'; values: (string | number)[] }
  | { index: 'text'; op: 'contains'; values: string[] };

/** At most this many search terms are used; more add nothing a responder can read in one box. */
export const MAX_TERMS = 8;

/** The text's search terms: split on white space, lower-cased, distinct, in the order typed. */
export function queryTerms(text: string): string[] {
  return [
    ...new Set(
      text
        .toLowerCase()
        .split(/\s+/)
        .filter((term) => term !== ''),
    ),
  ].slice(0, MAX_TERMS);
}

/** The clauses of the filters (time aside: see timeBounds); bookmarked events are given by their ids. */
export function clausesFor(filters: TimelineFilters, bookmarkedIds: readonly string[] = []): Clause[] {
  const clauses: Clause[] = [];
  if (filters.sources.length > 0) clauses.push({ index: 'source', op: 'equals', values: [...filters.sources] });
  if (filters.kind.endsWith('.*')) clauses.push({ index: 'kind', op: 'prefix', values: [filters.kind.slice(0, -1)] });
  else if (filters.kind) clauses.push({ index: 'kind', op: 'equals', values: [filters.kind] });
  if (filters.technique) clauses.push({ index: 'technique', op: 'prefix', values: [filters.technique] });
  const process = filters.process.trim();
  if (/^\d{1,9}$/.test(process)) clauses.push({ index: 'pid', op: 'equals', values: [Number(process)] });
  else if (process) clauses.push({ index: 'exe', op: 'equals', values: [process.toLowerCase()] });
  if (filters.path) clauses.push({ index: 'path', op: 'prefix', values: [filters.path] });
  const terms = queryTerms(filters.text);
  if (terms.length > 0) clauses.push({ index: 'text', op: 'contains', values: terms });
  if (filters.bookmarked) clauses.push({ index: 'id', op: 'equals', values: [...new Set(bookmarkedIds)].sort() });
  return clauses;
}

/** The time range as index keys (inclusive); undefined ends are open. */
export function timeBounds(filters: TimelineFilters): { lo?: string; hi?: string } {
  return {
    ...(filters.from ? { lo: timeKey(filters.from) } : {}),
    ...(filters.to ? { hi: timeKey(filters.to) } : {}),
  };
}
