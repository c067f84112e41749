// The timeline's filterable fields as dictionary-coded columns in memory (one code per event, by merge position),
// persisted per loaded page beside the events. IndexedDB answers selective conditions well through its indexes,
// but walks a wide one (source "syscall": most of a million events) at microseconds per entry; a column check is a
// table look-up per event, so any condition over any share of a million events costs a few milliseconds.
import type { TimelineEvent } from '../../../../src/forensics/common/timeline-model.js';
import { executableName } from './event-row.js';
import type { Clause } from './timeline-filters.js';
import { tnsToMs } from './time-key.js';

export const COLUMN_NAMES = ['source', 'kind', 'technique', 'pid', 'exe', 'path'] as const;
export type ColumnName = (typeof COLUMN_NAMES)[number];

/** Values as codes: 0 = the event has none, n = dict[n - 1]. */
export interface CodedColumn {
  dict: string[];
  codes: Uint32Array;
}

/** One loaded page's columns, with dictionaries of that page only (merged when the timeline opens). */
export interface ColumnChunk {
  start: number;
  ms: Float64Array;
  columns: Record<ColumnName, CodedColumn>;
}

/** The value an event has in a column, as text (a technique list is its ids joined by spaces). */
export function columnValue(event: TimelineEvent, column: ColumnName): string | undefined {
  switch (column) {
    case 'source':
      return event.source;
    case 'kind':
      return event.kind;
    case 'technique':
      return event.techniques.length === 0 ? undefined : event.techniques.join(' ');
    case 'pid':
      return event.subject.pid === undefined ? undefined : String(event.subject.pid);
    case 'exe':
      return executableName(event.subject.process);
    case 'path':
      return event.subject.path;
  }
}

export function encodeColumn(values: readonly (string | undefined)[]): CodedColumn {
  const dict: string[] = [];
  const seen = new Map<string, number>();
  const codes = new Uint32Array(values.length);
  values.forEach((value, index) => {
    if (value === undefined) return;
    let code = seen.get(value);
    if (code === undefined) {
      dict.push(value);
      code = dict.length;
      seen.set(value, code);
    }
    codes[index] = code;
  });
  return { dict, codes };
}

export function encodeChunk(start: number, events: readonly TimelineEvent[]): ColumnChunk {
  const columns = Object.fromEntries(
    COLUMN_NAMES.map((name) => [name, encodeColumn(events.map((event) => columnValue(event, name)))]),
  ) as Record<ColumnName, CodedColumn>;
  return { start, ms: Float64Array.from(events, (event) => tnsToMs(event.tns)), columns };
}

interface GlobalColumn {
  dict: string[];
  seen: Map<string, number>;
  codes: Uint32Array;
  /** Events per code (index 0: events without a value). */
  counts: number[];
}

/** Every loaded page's columns merged, by merge position; positions not loaded yet have time NaN and no values. */
export class Columns {
  readonly times: Float64Array;
  private readonly columns: Record<ColumnName, GlobalColumn>;
  loaded = 0;

  constructor(readonly total: number) {
    this.times = new Float64Array(total).fill(Number.NaN);
    const empty = (): GlobalColumn => ({ dict: [], seen: new Map(), codes: new Uint32Array(total), counts: [0] });
    this.columns = Object.fromEntries(COLUMN_NAMES.map((name) => [name, empty()])) as Record<ColumnName, GlobalColumn>;
  }

  add(chunk: ColumnChunk): void {
    const length = Math.min(chunk.ms.length, this.total - chunk.start);
    if (length <= 0) return;
    this.times.set(chunk.ms.subarray(0, length), chunk.start);
    for (const name of COLUMN_NAMES) {
      const column = this.columns[name];
      const local = chunk.columns[name];
      // Page code → global code (0 stays 0).
      const remap = new Uint32Array(local.dict.length + 1);
      local.dict.forEach((value, index) => {
        let code = column.seen.get(value);
        if (code === undefined) {
          column.dict.push(value);
          code = column.dict.length;
          column.seen.set(value, code);
          column.counts.push(0);
        }
        remap[index + 1] = code;
      });
      for (let index = 0; index < length; index += 1) {
        const code = remap[local.codes[index] as number] as number;
        column.codes[chunk.start + index] = code;
        column.counts[code] = (column.counts[code] as number) + 1;
      }
    }
    this.loaded += length;
  }

  /** Each value of a column with how many events have it, most frequent first (the filter menus); techniques one by one. */
  values(name: ColumnName): { value: string; count: number }[] {
    const column = this.columns[name];
    const counts = new Map<string, number>();
    column.dict.forEach((value, index) => {
      for (const one of name === 'technique' ? value.split(' ') : [value])
        counts.set(one, (counts.get(one) ?? 0) + (column.counts[index + 1] as number));
    });
    return [...counts]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
  }

  /** Events meeting the clause, counted from the dictionary (no event is read). */
  count(clause: Extract<Clause, { op: 'equals' | 'prefix' }>): number {
    const name = clauseColumn(clause);
    if (name === undefined) throw new Error(`no column answers the ${clause.index} condition`);
    const column = this.columns[name];
    const accept = acceptTable(column.dict, name, clause);
    let count = 0;
    accept.forEach((accepted, code) => (count += accepted ? (column.counts[code] as number) : 0));
    return count;
  }

  /** A check of one clause against the columns: a look-up table over the column's codes. */
  compile(clause: Extract<Clause, { op: 'equals' | 'prefix' }>): (position: number) => boolean {
    const name = clauseColumn(clause);
    if (name === undefined) throw new Error(`no column answers the ${clause.index} condition`);
    const column = this.columns[name];
    const accept = acceptTable(column.dict, name, clause);
    const codes = column.codes;
    return (position) => accept[codes[position] as number] === 1;
  }
}

/** The column a clause reads ('id' has none: bookmarks are found through the index). */
export function clauseColumn(clause: Clause): ColumnName | undefined {
  return clause.index === 'id' || clause.index === 'text' ? undefined : clause.index;
}

/** 1 for each code whose value meets the clause (code 0, no value, never does). */
export function acceptTable(dict: readonly string[], column: ColumnName, clause: Clause): Uint8Array {
  const accept = new Uint8Array(dict.length + 1);
  const wanted = clause.values.map(String);
  const meets = (value: string): boolean =>
    clause.op === 'prefix' ? wanted.some((prefix) => value.startsWith(prefix)) : wanted.includes(value);
  dict.forEach((value, index) => {
    const held = column === 'technique' ? value.split(' ') : [value];
    if (held.some(meets)) accept[index + 1] = 1;
  });
  return accept;
}
