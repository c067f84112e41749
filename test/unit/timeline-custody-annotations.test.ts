// The responder's actions and the investigator's notes on the time axis: custody records and annotations.jsonl.
import { describe, expect, it } from 'vitest';
import type { CustodyRecord } from '../../src/forensics/common/case-model.js';
import { annotationEvents, foldAnnotations } from '../../src/forensics/common/timeline-annotations.js';
import { custodyEvents, responderKind } from '../../src/forensics/common/timeline-custody.js';

const record = (
  seq: number,
  action: string,
  params: Record<string, unknown> = {},
  outcome: CustodyRecord['outcome'] = 'ok',
): CustodyRecord => ({
  seq,
  at: `2026-11-23T01:27:5${seq}.000Z`,
  operator: 'responder-1',
  action,
  target: { engineId: 'default', containerId: '9f715b34911088c1' },
  params,
  outcome,
  detail: seq === 3 ? 'paused' : '',
  prevHash: '0'.repeat(64),
});

describe('custody records', () => {
  it('given isolate and release steps, then their kinds name the phase and step', () => {
    expect(responderKind(record(0, 'engine.pause', { phase: 'contain', step: 'pause' }))).toBe(
      'responder.isolate.pause',
    );
    expect(responderKind(record(0, 'engine.unpause', { phase: 'release', step: 'unpause' }))).toBe(
      'responder.release.unpause',
    );
    expect(responderKind(record(0, 'snapshot.start'))).toBe('responder.snapshot.start');
  });

  it('given a log with bookkeeping, timeline builds and annotation changes, then only the responder\u2019s actions are events', () => {
    const lines = [
      record(1, 'capture.start'),
      record(2, 'manifest.write'),
      record(3, 'engine.pause', { phase: 'contain', step: 'pause', method: 'POST', path: '/containers/9f71/pause' }),
      record(4, 'analysis.timeline'),
      record(5, 'annotation.add'),
      record(6, 'engine.export', {}, 'error'),
    ].map((entry, index) => ({ record: entry, hash: String(index).repeat(64) }));
    const { events } = custodyEvents(lines);
    expect(events.map((event) => event.kind)).toEqual([
      'responder.capture.start',
      'responder.isolate.pause',
      'responder.engine.export',
    ]);
    expect(events[1]).toMatchObject({
      source: 'custody',
      summary: 'responder-1: engine.pause 9f715b349110 — paused',
      attributes: { operator: 'responder-1', outcome: 'ok', seq: 3, method: 'POST', apiPath: '/containers/9f71/pause' },
      techniques: [],
      evidence: { itemId: 'custody', sha256: '2'.repeat(64), locator: 'record 3' },
    });
    expect(events[2]?.summary).toBe('responder-1: engine.export 9f715b349110 (error)');
  });
});

describe('annotations', () => {
  const note = (id: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      id,
      at: '2026-11-23T02:00:00.000Z',
      operator: 'analyst',
      kind: 'note',
      text: `note ${id}`,
      ...extra,
    });

  it('given added, edited and withdrawn annotations in an append-only file, then the fold is the current set', () => {
    const fold = foldAnnotations([
      note('a'),
      note('b', { kind: 'bookmark', eventId: 'e1', text: '' }),
      note('a', { text: 'note a, edited' }),
      note('b', { deleted: true }),
      '',
      'not json',
      JSON.stringify({ id: 'c' }),
    ]);
    expect(fold.annotations.map((annotation) => [annotation.id, annotation.text])).toEqual([['a', 'note a, edited']]);
    expect(fold.problems).toEqual([
      'annotations.jsonl line 6 is not JSON',
      expect.stringMatching(/^annotations.jsonl line 7 is not an annotation \(at: /),
    ]);
  });

  it('given annotations, then each is an annotation event without evidence, id stable from the annotation id', () => {
    const fold = foldAnnotations([note('a', { kind: 'bookmark', eventId: 'e1', text: '' }), note('b')]);
    const first = annotationEvents(fold.annotations).events;
    const again = annotationEvents(fold.annotations).events;
    expect(first.map((event) => event.id)).toEqual(again.map((event) => event.id));
    expect(first[0]).toMatchObject({
      source: 'annotation',
      kind: 'annotation.bookmark',
      summary: 'bookmark on event e1',
      evidence: null,
      attributes: { annotationId: 'a', eventId: 'e1', operator: 'analyst' },
    });
    expect(first[1]?.summary).toBe('note on the case: note b');
  });
});
