// The timeline's building blocks: exact times, stable ids, the fixed line form and a sort key that agrees with the merge order.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventId, eventLine, eventSortKey, makeEvent } from '../../src/forensics/common/timeline-event.js';
import { sha256Text } from '../../src/forensics/common/timeline-hash.js';
import { compareEvents, TimelineEvent } from '../../src/forensics/common/timeline-model.js';
import { isoMillis, timeFromIso, tnsMicros } from '../../src/forensics/common/timeline-time.js';

describe('timeline times', () => {
  it('given ISO instants from engines, audit logs and custody, then tns and at are exact to the nanosecond, in UTC', () => {
    expect(timeFromIso('2026-11-23T01:27:39.510452683Z')).toEqual({
      tns: '1795397259510452683',
      at: '2026-11-23T01:27:39.510452683Z',
    });
    expect(timeFromIso('2018-10-26T13:38:34.867116Z')?.at).toBe('2018-10-26T13:38:34.867116000Z');
    expect(timeFromIso('2026-11-23T03:27:39+02:00')?.at).toBe('2026-11-23T01:27:39.000000000Z');
  });

  it("given Docker's zero time, a pre-1970 instant or text that is no time, then there is no event time", () => {
    expect(timeFromIso('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(timeFromIso('1969-12-31T23:59:59Z')).toBeUndefined();
    expect(timeFromIso('yesterday')).toBeUndefined();
    expect(timeFromIso(42)).toBeUndefined();
  });

  it('given a tns, then exports get microseconds and STIX millisecond timestamps without rounding up', () => {
    expect(tnsMicros('1795397259510452683')).toBe(1795397259510452);
    expect(isoMillis('2026-11-23T01:27:39.510952683Z')).toBe('2026-11-23T01:27:39.510Z');
  });
});

describe('event ids and lines', () => {
  it('given strings of every length around the block size and non-ASCII text, then the pure SHA-256 equals node:crypto', () => {
    for (const text of ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'é€😀'.repeat(50)]) {
      expect(sha256Text(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
  });

  it('given the same source, item, locator and kind, then the id is the same; any of them different, then it differs', () => {
    const id = eventId('syscall', 'trace-1', 'seq 5', 'process.exec');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(eventId('syscall', 'trace-1', 'seq 5', 'process.exec')).toBe(id);
    expect(eventId('syscall', 'trace-1', 'seq 6', 'process.exec')).not.toBe(id);
    expect(eventId('syscall', 'trace-2', 'seq 5', 'process.exec')).not.toBe(id);
    expect(eventId('syscall', 'trace-1', 'seq 5', 'file.write')).not.toBe(id);
  });

  it('given an event built with keys in any order, then its line has the model key order and validates', () => {
    const event = makeEvent({
      time: { tns: '5', at: '1970-01-01T00:00:00.000000005Z' },
      source: 'syscall',
      kind: 'process.exec',
      subject: { process: 'sh -c id', pid: 7, containerId: 'c1' },
      summary: 'pid 7 ran sh -c id',
      attributes: { zeta: 1, alpha: 'a', skipped: undefined, inf: Number.POSITIVE_INFINITY },
      techniques: ['T1105', 'T1059.004', 'T1105'],
      confidence: 'exact',
      evidence: { itemId: 'trace-1', sha256: 'ab', locator: 'seq 3' },
      replaySeq: 3,
    });
    const line = eventLine(event);
    expect(Object.keys(JSON.parse(line))).toEqual([
      'id',
      'tns',
      'at',
      'source',
      'kind',
      'subject',
      'summary',
      'attributes',
      'techniques',
      'confidence',
      'evidence',
      'replaySeq',
    ]);
    expect(Object.keys(JSON.parse(line).subject)).toEqual(['containerId', 'pid', 'process']);
    expect(JSON.parse(line).attributes).toEqual({ alpha: 'a', inf: null, zeta: 1 });
    expect(JSON.parse(line).techniques).toEqual(['T1059.004', 'T1105']);
    expect(TimelineEvent.parse(JSON.parse(line))).toEqual(JSON.parse(line));
  });

  it('given events at different instants, sources and ids, then the sort key orders exactly like compareEvents', () => {
    const make = (tns: string, source: 'engine' | 'syscall' | 'custody', locator: string) =>
      makeEvent({
        time: { tns, at: '' },
        source,
        kind: 'k',
        summary: '',
        confidence: 'exact',
        evidence: { itemId: 'i', sha256: 's', locator },
      });
    const events = [
      make('1000000000000000000', 'custody', 'a'),
      make('999999999999999999', 'syscall', 'b'),
      make('1000000000000000000', 'engine', 'c'),
      make('1000000000000000000', 'engine', 'd'),
      make('5', 'syscall', 'e'),
    ];
    const byCompare = [...events].sort(compareEvents).map((event) => event.id);
    const byKey = [...events].sort((a, b) => (eventSortKey(a) < eventSortKey(b) ? -1 : 1)).map((event) => event.id);
    expect(byKey).toEqual(byCompare);
  });
});
