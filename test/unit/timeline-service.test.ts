// The timeline service on real case folders: built once from the evidence, rebuilt when it changes, paged,
// annotated with custody, read-only once sealed, and never quoting evidence that no longer matches its hash.
import { appendFile, chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractError } from '../../src/contract/envelope.js';
import type { CallContext } from '../../src/contract/kit.js';
import type { CaseRecorder } from '../../src/forensics/common/case-recorder.js';
import type { TimelineEvent } from '../../src/forensics/common/timeline-model.js';
import type { CaseStore } from '../../src/forensics/node/case-store.js';
import { DiffService } from '../../src/forensics/node/diff-service.js';
import type { TimelineService } from '../../src/forensics/node/timeline-service.js';
import { createTimelineService } from '../../src/host/timeline-wiring.js';
import { mergeTimeline } from '../../src/forensics/common/timeline-merge.js';
import { traceEvents } from '../../src/forensics/common/timeline-trace.js';
import { StraceParser } from '../../src/capture/common/trace/strace-parser.js';
import { TraceReplay } from '../../src/capture/common/trace/replay.js';
import { buildTimeline, memorySink } from '../../src/forensics/node/timeline-build.js';
import { wholeUnit } from '../../src/forensics/node/timeline-sources.js';
import { newStore, removeTree, tempDir, tickingClock } from './case-fixtures.js';

const context: CallContext = { signal: new AbortController().signal, progress: () => undefined };
const SOURCE = { engineId: 'default', endpoint: 'unix:///var/run/docker.sock', containerId: '9f71' };

const INSPECT = {
  Id: '9f71',
  Created: '2026-11-23T01:27:39.510452683Z',
  Path: 'sh',
  Args: ['-c', 'sleep 600'],
  State: {
    Status: 'running',
    Running: true,
    Pid: 8049,
    StartedAt: '2026-11-23T01:27:39.708451083Z',
    FinishedAt: '0001-01-01T00:00:00Z',
  },
  Name: '/web',
  Config: { Image: 'busybox' },
};

/** strace -f -ttt -yy lines: a shell writes a dropper, arms it and runs it, then `count` chmods follow. */
function strace(count: number): string {
  const lines = [
    '8049  1795397261.740429 openat(AT_FDCWD</>, "/tmp/dropper.sh", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3</tmp/dropper.sh>',
    '8049  1795397261.741002 write(3</tmp/dropper.sh>, "#!/bin/sh\\n", 10) = 10',
    '8049  1795397261.745202 chmod("/tmp/dropper.sh", 0755) = 0',
    '8049  1795397261.754980 clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x1) = 8096',
    '8096  1795397261.758393 execve("/tmp/dropper.sh", ["/tmp/dropper.sh"], 0x1 /* 6 vars */) = 0',
    '8096  1795397261.767724 +++ exited with 0 +++',
  ];
  for (let index = 0; index < count; index++) {
    lines.push(`8049  ${1795397262 + index}.000000 chmod("/tmp/f${index}", 0644) = 0`);
  }
  return `${lines.join('\n')}\n`;
}

async function* once(text: string | Buffer): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

async function addTrace(recorder: CaseRecorder, id: string, text: string): Promise<void> {
  await recorder.addStream(
    { id, kind: 'syscall-trace', fileName: `${id}.strace.txt`, format: 'text', source: SOURCE },
    once(text),
  );
}

async function addInspect(recorder: CaseRecorder, id: string): Promise<void> {
  await recorder.addJson(
    { id, kind: 'container-inspect', fileName: `${id}.json`, format: 'json', source: SOURCE },
    INSPECT,
  );
}

async function addLogs(recorder: CaseRecorder): Promise<void> {
  await recorder.addStream(
    { id: 'logs-1', kind: 'container-logs', fileName: 'logs-1.bin', format: 'binary', source: SOURCE },
    once('2026-11-23T01:27:41.767237672Z dropper-ran\r\nno stamp\r\n'),
  );
}

async function custodyActions(caseDir: string): Promise<string[]> {
  return (await readFile(path.join(caseDir, 'custody.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { action: string }).action);
}

async function allEvents(service: TimelineService, caseDir: string): Promise<TimelineEvent[]> {
  const out: TimelineEvent[] = [];
  for (let offset: number | undefined = 0; offset !== undefined;) {
    const page = await service.timelineEvents({ caseDir, offset, limit: 700 }, context);
    out.push(...page.events);
    offset = page.nextOffset;
  }
  return out;
}

describe('the timeline of a case folder', () => {
  let root: string;
  let store: CaseStore;
  let service: TimelineService;
  let caseDir: string;

  beforeAll(async () => {
    root = await tempDir('hc-timeline-');
    store = newStore(root, tickingClock());
    service = createTimelineService({ cases: store, diffs: new DiffService({ cases: store }) });
    const recorder = await store.create('incident', { title: 'incident' });
    caseDir = recorder.caseDir;
    await addInspect(recorder, 'inspect-a');
    await addLogs(recorder);
    await addTrace(recorder, 'trace-1', strace(2500));
    // The same container inspected again later (isolate, then snapshot): its facts must appear once.
    await addInspect(recorder, 'inspect-b');
  });

  afterAll(async () => {
    await removeTree(root);
  });

  it('given a case, when the timeline is built, then every source is on it, cited with its hash, and the build is in custody', async () => {
    const summary = await service.buildTimeline({ caseDir, rebuild: false }, context);
    expect(summary.bySource).toEqual({ 'container-logs': 1, custody: expect.any(Number), engine: 2, syscall: 2503 });
    expect(summary.sources.map((source) => [source.itemId, source.events])).toEqual([
      ['inspect-a', 2],
      ['logs-1', 1],
      ['trace-1', 2503],
      ['inspect-b', 0],
      ['custody', expect.any(Number)],
      ['annotations', 0],
    ]);
    const manifest = JSON.parse(await readFile(path.join(caseDir, 'manifest.json'), 'utf8')) as {
      items: { id: string; sha256: string }[];
    };
    for (const item of manifest.items) {
      expect(summary.sources.find((source) => source.itemId === item.id)?.sha256).toBe(item.sha256);
    }
    expect(summary.problems).toEqual([
      'logs-1: 1 log line(s) without an engine timestamp left off the time axis (lines 2)',
    ]);
    expect(summary.byTechnique).toEqual({ T1105: 2 });
    const { createHash } = await import('node:crypto');
    const bytes = await readFile(path.join(caseDir, 'analysis', 'timeline.jsonl'));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(summary.sha256);
    expect((await custodyActions(caseDir)).at(-1)).toBe('analysis.timeline');
  });

  it('given nothing changed, when it is asked for again, then the stored timeline is reused (no new custody record)', async () => {
    const before = await custodyActions(caseDir);
    const first = await service.buildTimeline({ caseDir, rebuild: false }, context);
    const fresh = createTimelineService({ cases: store, diffs: new DiffService({ cases: store }) });
    const second = await fresh.buildTimeline({ caseDir, rebuild: false }, context);
    expect(second).toEqual(first);
    expect(await custodyActions(caseDir)).toEqual(before);
  });

  it('given pages across the line index, then they are exactly the file\u2019s lines, in merge order', async () => {
    const lines = (await readFile(path.join(caseDir, 'analysis', 'timeline.jsonl'), 'utf8')).trim().split('\n');
    const page = await service.timelineEvents({ caseDir, offset: 1990, limit: 25 }, context);
    expect(page.total).toBe(lines.length);
    expect(page.nextOffset).toBe(2015);
    expect(page.events.map((event) => event.id)).toEqual(
      lines.slice(1990, 2015).map((line) => (JSON.parse(line) as TimelineEvent).id),
    );
    const all = await allEvents(service, caseDir);
    expect(all.map((event) => event.id)).toEqual(lines.map((line) => (JSON.parse(line) as TimelineEvent).id));
    const last = await service.timelineEvents({ caseDir, offset: lines.length - 2, limit: 100 }, context);
    expect(last.events).toHaveLength(2);
    expect(last.nextOffset).toBeUndefined();
  });

  it('given a bookmark and a note, then each is recorded in custody, listed, and on the rebuilt timeline; a withdrawal removes it', async () => {
    const target = (await service.timelineEvents({ caseDir, offset: 5, limit: 1 }, context)).events[0] as TimelineEvent;
    const bookmark = await service.annotate({ caseDir, kind: 'bookmark', eventId: target.id, text: '' }, context);
    const note = await service.annotate({ caseDir, kind: 'note', text: 'dropper armed here' }, context);
    expect(bookmark).toMatchObject({ kind: 'bookmark', eventId: target.id, operator: 'responder-1' });
    expect((await custodyActions(caseDir)).slice(-2)).toEqual(['annotation.add', 'annotation.add']);
    expect((await service.listAnnotations({ caseDir }, context)).map((annotation) => annotation.id)).toEqual([
      bookmark.id,
      note.id,
    ]);
    const rebuilt = await service.buildTimeline({ caseDir, rebuild: false }, context);
    expect(rebuilt.bySource['annotation']).toBe(2);
    await service.withdrawAnnotation({ caseDir, id: bookmark.id }, context);
    expect((await service.listAnnotations({ caseDir }, context)).map((annotation) => annotation.id)).toEqual([note.id]);
    const lines = (await readFile(path.join(caseDir, 'annotations.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2] as string)).toMatchObject({ id: bookmark.id, deleted: true });
    await expect(service.withdrawAnnotation({ caseDir, id: bookmark.id }, context)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await service.buildTimeline({ caseDir, rebuild: false }, context)).bySource['annotation']).toBe(1);
  });

  it('given a stored timeline edited by hand, then it is rebuilt from the evidence rather than served', async () => {
    const file = path.join(caseDir, 'analysis', 'timeline.jsonl');
    const honest = await readFile(file, 'utf8');
    await writeFile(file, honest.replace('dropper', 'harmless'));
    const fresh = createTimelineService({ cases: store, diffs: new DiffService({ cases: store }) });
    const page = await fresh.timelineEvents({ caseDir, offset: 0, limit: 20_000 }, context);
    expect(await readFile(file, 'utf8')).toBe(honest);
    expect(page.events.some((event) => event.summary.includes('harmless'))).toBe(false);
  });

  it('given a trace whose bytes no longer match the manifest, then it is a problem and the other sources still stand', async () => {
    const other = await store.create('tampered', { title: 'tampered' });
    await addInspect(other, 'inspect-a');
    await addTrace(other, 'trace-1', strace(3));
    const file = path.join(other.caseDir, 'evidence', 'trace-1.strace.txt');
    await chmod(file, 0o644);
    await appendFile(file, '8049  1795397299.000000 unlink("/var/log/auth.log") = 0\n');
    const summary = await service.buildTimeline({ caseDir: other.caseDir, rebuild: false }, context);
    expect(summary.problems).toEqual([
      'trace-1 could not be read: trace-1 (evidence/trace-1.strace.txt) does not match its manifest hash; run holdcell verify',
    ]);
    expect(summary.bySource['engine']).toBe(2);
    expect(summary.bySource['syscall']).toBeUndefined();
  });

  it('given a sealed case, then annotating is refused, and the timeline is built in memory and says so', async () => {
    const sealedCase = await store.create('sealed', { title: 'sealed' });
    await addInspect(sealedCase, 'inspect-a');
    await store.seal(sealedCase.caseDir);
    const before = await custodyActions(sealedCase.caseDir);
    const error = await service
      .annotate({ caseDir: sealedCase.caseDir, kind: 'note', text: 'late' }, context)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as ContractError).message).toMatch(
      /^case is sealed \(since .*\): .* can be read and verified but not changed$/,
    );
    const summary = await service.buildTimeline({ caseDir: sealedCase.caseDir, rebuild: false }, context);
    expect(summary.events).toBeGreaterThan(0);
    expect(summary.problems.at(-1)).toContain('the case is sealed, so this timeline was built in memory');
    const page = await service.timelineEvents({ caseDir: sealedCase.caseDir, offset: 0, limit: 100 }, context);
    expect(page.total).toBe(summary.events);
    expect(page.sha256).toBe(summary.sha256);
    expect(await custodyActions(sealedCase.caseDir)).toEqual(before);
    expect(await readFile(path.join(sealedCase.caseDir, 'annotations.jsonl'), 'utf8')).toBe('');
  });

  it('given the same evidence added in another order to another case, then every evidence event is the same bytes', async () => {
    const reversed = await newStore(root, tickingClock()).create('reversed', { title: 'reversed' });
    await addInspect(reversed, 'inspect-b');
    await addTrace(reversed, 'trace-1', strace(2500));
    await addLogs(reversed);
    await addInspect(reversed, 'inspect-a');
    await service.buildTimeline({ caseDir: reversed.caseDir, rebuild: false }, context);
    const evidenceLines = async (dir: string) =>
      (await readFile(path.join(dir, 'analysis', 'timeline.jsonl'), 'utf8'))
        .split('\n')
        .filter((line) => line.includes('"source":"syscall"') || line.includes('"source":"container-logs"'));
    expect(await evidenceLines(reversed.caseDir)).toEqual(await evidenceLines(caseDir));
  });
});

describe('the on-disk merge', () => {
  it('given sources cut into many small run files, then the merge gives exactly the in-memory merge\u2019s bytes', async () => {
    const replay = new TraceReplay();
    const parser = new StraceParser((event) => replay.apply(event), {});
    for (const line of strace(300).split('\n')) parser.line(line);
    parser.end();
    replay.finish();
    const ref = { itemId: 'trace-1', sha256: 'a'.repeat(64) };
    const { events } = traceEvents(replay, [], ref);
    // Two units whose events interleave in time, so runs from both are needed at every step of the merge.
    const odd = events.filter((_, index) => index % 2 === 1);
    const even = events.filter((_, index) => index % 2 === 0);
    const sink = memorySink();
    const built = await buildTimeline(
      [
        wholeUnit('a', 'x', async () => ({ events: odd, problems: [] })),
        wholeUnit('b', 'y', async () => ({ events: even, problems: ['b: one problem'] })),
      ],
      sink,
      { signal: new AbortController().signal, runEvents: 7 },
    );
    const expected = mergeTimeline([events]);
    expect(sink.text()).toBe(`${expected.lines.join('\n')}\n`);
    expect(built.tally).toEqual(expected.tally);
    expect(built.sources).toEqual([
      { itemId: 'a', sha256: 'x', events: odd.length },
      { itemId: 'b', sha256: 'y', events: even.length },
    ]);
    expect(built.problems).toEqual(['b: one problem']);
    expect(built.offsets).toEqual([0]);
  });
});
