// The replay service an investigator's player talks to: import a trace into a case, open it, ask about instants.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActivityPage, ReplaySummary, TerminalReplay } from '../../src/capture/common/replay.contract.js';
import { ReplayStateView, WhoWroteView } from '../../src/capture/common/trace/replay-model.js';
import { ReplaySessions } from '../../src/capture/node/replay-sessions.js';
import { ContractError } from '../../src/contract/envelope.js';
import { newStore } from './case-fixtures.js';

const call = () => ({ signal: new AbortController().signal, progress: () => undefined });

/** A dropper session as strace -f -ttt -yy records it: written, chmod-ed, run, and a refused call home. */
const SESSION = `
100 1795395600.000000 execve("/bin/sh", ["sh"], 0x1 /* 1 var */) = 0
100 1795395600.100000 openat(AT_FDCWD</>, "/tmp/drop", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3</tmp/drop>
100 1795395600.200000 write(3</tmp/drop>, "#!/bin/sh\\n", 10) = 10
100 1795395600.300000 close(3</tmp/drop>) = 0
100 1795395600.400000 chmod("/tmp/drop", 0755) = 0
100 1795395600.500000 clone(child_stack=NULL, flags=SIGCHLD) = 101
101 1795395600.600000 execve("/tmp/drop", ["/tmp/drop"], 0x1 /* 1 var */) = 0
101 1795395600.700000 write(1</dev/pts/0>, "\\33]52;c;ZXZpbA==\\7owned\\n", 22) = 22
101 1795395600.800000 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 4<TCP:[9]>
101 1795395600.900000 connect(4<TCP:[9]>, {sa_family=AF_INET, sin_port=htons(4444), sin_addr=inet_addr("10.0.0.9")}, 16) = -1 ECONNREFUSED (Connection refused)
101 1795395601.000000 +++ exited with 0 +++
100 1795395601.100000 this is not a strace line
`;

describe('the replay service', () => {
  let root: string;
  let sessions: ReplaySessions;
  let tracePath: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'hc-replay-svc-'));
    const store = newStore(join(root, 'cases'));
    await store.openOrCreate('incident');
    sessions = new ReplaySessions({ openCase: (dir) => store.open(dir), maxOpen: 2 });
    tracePath = join(root, 'session.strace');
    await writeFile(tracePath, SESSION.trimStart());
  });
  afterEach(async () => rm(root, { recursive: true, force: true }));

  const openIncident = async (): Promise<ReplaySummary> => {
    await sessions.importTrace({ caseDir: 'incident', path: tracePath, format: 'auto' }, call());
    return sessions.openReplay({ caseDir: 'incident', format: 'auto' }, call());
  };

  it('given a strace file, when I import it, then it is a hashed syscall-trace item flagged as imported', async () => {
    const item = await sessions.importTrace({ caseDir: 'incident', path: tracePath, format: 'auto' }, call());
    expect(item).toMatchObject({ kind: 'syscall-trace', format: 'text', complete: true, flags: ['imported'] });
    expect(item.bytes).toBe(Buffer.byteLength(SESSION.trimStart()));
  });

  it('given a file that is not a trace, when I import it, then the error says why and nothing is added', async () => {
    const notes = join(root, 'notes.txt');
    await writeFile(notes, '');
    await expect(sessions.importTrace({ caseDir: 'incident', path: notes, format: 'auto' }, call())).rejects.toThrow(
      /not a trace HoldCell reads: the file is empty/,
    );
    await expect(sessions.openReplay({ caseDir: 'incident', format: 'auto' }, call())).rejects.toThrow(
      /holds no syscall trace yet/,
    );
  });

  it('given an opened replay, then the summary counts events, skipped lines, terminal sessions and density', async () => {
    const summary = ReplaySummary.parse(await openIncident());
    expect(summary.events).toBe(summary.lastSeq + 1);
    expect(summary.skips.count).toBe(1);
    expect(summary.skips.examples[0]?.text).toContain('this is not a strace line');
    expect(summary.ttySessions).toEqual([{ pid: 101, fd: 1, chunks: 1, bytes: 22 }]);
    expect(summary.density.reduce((sum, count) => sum + count, 0)).toBe(summary.events);
    expect(summary.densityStarts[0]).toBe(0);
    expect(summary.first).toBe('2026-11-23T01:00:00.000000000Z');
  });

  it('given an instant, then the state has the dropper alive with its socket, and activity is latest first', async () => {
    const summary = await openIncident();
    const state = ReplayStateView.parse(
      await sessions.replayState({ replayId: summary.replayId, at: { iso: '2026-11-23T01:00:00.950Z' } }, call()),
    );
    expect(state.processes.map((process) => [process.pid, process.alive])).toEqual([
      [100, true],
      [101, true],
    ]);
    expect(state.sockets).toEqual([expect.objectContaining({ pid: 101, fd: 4 })]);
    const page = ActivityPage.parse(
      await sessions.replayActivity({ replayId: summary.replayId, fromSeq: 0, untilSeq: state.seq, limit: 2 }, call()),
    );
    expect(page.totals.files).toBeGreaterThan(2);
    expect(page.files.map((file) => file.seq)).toEqual([...page.files.map((file) => file.seq)].sort((a, b) => b - a));
    expect(page.network.find((event) => event.op === 'connect')).toMatchObject({ port: 4444, result: 'ECONNREFUSED' });
  });

  it('given the terminal session, then its bytes come back raw (escapes included) and the cap keeps the newest', async () => {
    const summary = await openIncident();
    const terminal = TerminalReplay.parse(
      await sessions.replayTerminal(
        { replayId: summary.replayId, fromSeq: 0, untilSeq: summary.lastSeq, pid: 101, fd: 1, maxBytes: 1024 },
        call(),
      ),
    );
    expect(Buffer.from(terminal.chunks[0]?.base64 ?? '', 'base64').toString('latin1')).toBe(
      '\u001b]52;c;ZXZpbA==\u0007owned\n',
    );
    expect(terminal.truncated).toBe(false);
    const before = await sessions.replayTerminal(
      { replayId: summary.replayId, fromSeq: 0, untilSeq: 0, pid: 101, fd: 1, maxBytes: 1024 },
      call(),
    );
    expect(before.chunks).toEqual([]);
    // A player moving forward asks only for what comes after the last chunk it wrote.
    const seq = terminal.chunks[0]?.seq ?? 0;
    const after = await sessions.replayTerminal(
      { replayId: summary.replayId, fromSeq: seq + 1, untilSeq: summary.lastSeq, pid: 101, fd: 1, maxBytes: 1024 },
      call(),
    );
    expect(after.chunks).toEqual([]);
  });

  it('given the dropper path, then "who wrote this?" lists the write and chmod by the shell', async () => {
    const summary = await openIncident();
    const who = WhoWroteView.parse(await sessions.whoWrote({ replayId: summary.replayId, path: '/tmp/drop' }, call()));
    expect(who.events.map((event) => [event.op, event.pid])).toEqual([
      ['write', 100],
      ['chmod', 100],
    ]);
  });

  it('given more replays than the host keeps, then the oldest is evicted and says how to get it back', async () => {
    const first = await openIncident();
    await sessions.openReplay({ caseDir: 'incident', format: 'auto' }, call());
    await sessions.openReplay({ caseDir: 'incident', format: 'auto' }, call());
    const failure = await sessions.replayState({ replayId: first.replayId, at: { seq: 0 } }, call()).catch((e) => e);
    expect(failure).toBeInstanceOf(ContractError);
    expect((failure as ContractError).code).toBe('NOT_FOUND');
    expect((failure as ContractError).message).toMatch(/open it again/);
  });
});
