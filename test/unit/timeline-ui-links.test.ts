// From a timeline event to where its evidence is examined (the replay instant, the diff entry), and what a row shows
// of it: the time, the investigator's marks, the kind menu's families.
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../src/forensics/common/timeline-model.js';
import { kindOptions, marksOf, rowTime } from '../../renderer/src/features/timeline/row-format.js';
import { diffLink, replayLink } from '../../renderer/src/features/timeline/timeline-links.js';

const exec: TimelineEvent = {
  id: 'a1',
  tns: '1795395390900000000',
  at: '2026-11-23T00:56:30.900000000Z',
  source: 'syscall',
  kind: 'process.exec',
  subject: { pid: 4242, process: 'sh' },
  summary: 'pid 4242 ran sh',
  attributes: {},
  techniques: ['T1059.004'],
  confidence: 'exact',
  evidence: { itemId: 'trace-1', sha256: 'ab'.repeat(32), locator: 'seq 17' },
  replaySeq: 17,
};

describe('links from a timeline event', () => {
  it('given a replayed syscall, when linked, then the replay opens its own trace item at its seq with its process selected', () => {
    expect(replayLink('/cases/web 1', exec)).toBe('#/replay?case=%2Fcases%2Fweb+1&item=trace-1&seq=17&pid=4242');
    expect(replayLink('/c', { ...exec, replaySeq: undefined })).toBeUndefined();
    expect(diffLink('/c', exec)).toBeUndefined();
  });

  it('given a file change from the diff, when linked, then the diff opens on that entry by its raw path bytes', () => {
    const change: TimelineEvent = {
      ...exec,
      source: 'filesystem',
      kind: 'file.modified',
      subject: { path: '/etc/passwd' },
      replaySeq: undefined,
    };
    expect(diffLink('/c', change)).toBe(`#/diff?case=%2Fc&path=${encodeURIComponent(btoa('etc/passwd'))}`);
    // A name that is not printable UTF-8: the entry's own bytes, as the diff carries them.
    const odd = { ...change, subject: { path: '/tmp/\\xff' }, attributes: { pathBase64: 'dG1wL/8=' } };
    expect(diffLink('/c', odd)).toBe(`#/diff?case=%2Fc&path=${encodeURIComponent('dG1wL/8=')}`);
  });
});

describe('what a row shows', () => {
  it('given a timeline within one day, when a row is drawn, then it shows the clock with nanoseconds, and the day only when needed', () => {
    expect(rowTime(exec.at, false)).toBe('00:56:30.900000000');
    expect(rowTime(exec.at, true)).toBe('11-23 00:56:30.900000000');
  });

  it('given annotations on an event, when marked, then a bookmark is a star and notes are counted', () => {
    const at = exec.at;
    expect(marksOf(undefined)).toEqual({ bookmarked: false, notes: 0 });
    expect(
      marksOf([
        { id: '1', at, operator: 'ir', kind: 'bookmark', eventId: 'a1', text: '' },
        { id: '2', at, operator: 'ir', kind: 'note', eventId: 'a1', text: 'x' },
        { id: '3', at, operator: 'ir', kind: 'tag', eventId: 'a1', text: 'miner' },
      ]),
    ).toEqual({ bookmarked: true, notes: 2 });
  });

  it('given the kinds of a timeline, when the kind menu is built, then families come first with their summed counts', () => {
    expect(
      kindOptions([
        { value: 'file.write', count: 5 },
        { value: 'process.exec', count: 3 },
        { value: 'file.chmod', count: 1 },
        { value: 'alert', count: 2 },
      ]).map(({ value, count }) => `${value} ${count}`),
    ).toEqual(['file.* 6', 'process.* 3', 'file.write 5', 'process.exec 3', 'file.chmod 1', 'alert 2']);
  });
});
