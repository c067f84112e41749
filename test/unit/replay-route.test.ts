// The replay view's URL state: the trace item chosen, seq, pid and tty parsed strictly, links into the replay built
// from diff paths.
import { describe, expect, it } from 'vitest';
import {
  chooseTrace,
  chooseTty,
  formatTty,
  parsePid,
  parseSeq,
  parseTty,
  replayHref,
  tracePathFromDiff,
} from '../../renderer/src/features/replay/replay-route.js';

describe('the replay URL', () => {
  it('given a trace item in the URL, when the case holds it, then it alone is replayed', () => {
    expect(chooseTrace(['trace-a', 'trace-b'], 'trace-b')).toEqual({ itemIds: ['trace-b'] });
    expect(chooseTrace(['trace-a', 'trace-b'], ' trace-a ')).toEqual({ itemIds: ['trace-a'] });
  });

  it('given no trace item in the URL, when chosen, then all traces are replayed merged, as before, without a note', () => {
    expect(chooseTrace(['trace-a', 'trace-b'], '')).toEqual({});
  });

  it('given a trace item the case does not hold, when chosen, then all are replayed and a note says the instant may be off', () => {
    expect(chooseTrace(['trace-a', 'trace-b'], 'trace-gone')).toEqual({
      note:
        'This case holds no trace item trace-gone: showing all 2 of its traces merged by time instead, so the ' +
        'position in the link may not be the instant it meant.',
    });
    expect(chooseTrace(['trace-a'], 'trace-gone').note).toContain('showing its one trace instead');
    // No traces at all: nothing to fall back to; opening fails with the host's own message.
    expect(chooseTrace([], 'trace-gone')).toEqual({});
  });

  it('given a seq in the URL, when parsed, then it is clamped to the trace and garbage means the start', () => {
    expect(parseSeq('42', 100)).toBe(42);
    expect(parseSeq('4200', 100)).toBe(100);
    expect(parseSeq('', 100)).toBe(0);
    expect(parseSeq('-3', 100)).toBe(0);
    expect(parseSeq('1e3', 100)).toBe(0);
    expect(parseSeq('12abc', 100)).toBe(0);
    expect(parseSeq('007', 100)).toBe(0);
    expect(parseSeq('5', -1)).toBe(0);
  });

  it('given a pid in the URL, when parsed, then only a plain non-negative integer counts', () => {
    expect(parsePid('12199')).toBe(12199);
    expect(parsePid(' 12 ')).toBe(12);
    expect(parsePid('12.5')).toBeUndefined();
    expect(parsePid('')).toBeUndefined();
    expect(parsePid('0x10')).toBeUndefined();
  });

  it('given a tty as pid:fd, when parsed and formatted, then it round-trips and anything else is refused', () => {
    expect(parseTty('12199:1')).toEqual({ pid: 12199, fd: 1 });
    expect(formatTty({ pid: 12199, fd: 1 })).toBe('12199:1');
    expect(parseTty('12199')).toBeUndefined();
    expect(parseTty('1:2:3')).toBeUndefined();
    expect(parseTty('a:1')).toBeUndefined();
    expect(parseTty(':1')).toBeUndefined();
  });

  it('given terminal sessions, when the URL names one, then it is chosen, else the busiest one', () => {
    const sessions = [
      { pid: 10, fd: 1, bytes: 24, chunks: 1 },
      { pid: 12, fd: 2, bytes: 65, chunks: 1 },
      { pid: 11, fd: 2, bytes: 35, chunks: 4 },
    ];
    expect(chooseTty(sessions, '10:1')?.pid).toBe(10);
    expect(chooseTty(sessions, '')?.pid).toBe(12);
    expect(chooseTty(sessions, '99:1')?.pid).toBe(12);
    expect(chooseTty([], '10:1')).toBeUndefined();
  });

  it('given a diff entry path, when linking to the replay, then the path is absolute and every value is encoded', () => {
    expect(tracePathFromDiff('tmp/drop.sh')).toBe('/tmp/drop.sh');
    expect(tracePathFromDiff('/tmp/drop.sh')).toBe('/tmp/drop.sh');
    const href = replayHref('/cases/a b&c', '/tmp/x?y#z');
    expect(href.startsWith('#/replay?')).toBe(true);
    const params = new URLSearchParams(href.slice('#/replay?'.length));
    expect(params.get('case')).toBe('/cases/a b&c');
    expect(params.get('path')).toBe('/tmp/x?y#z');
    expect(replayHref('/cases/a')).toBe('#/replay?case=%2Fcases%2Fa');
  });
});
