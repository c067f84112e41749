// A capture attaches to processes already running: the replay names them from the host's /proc snapshot at attach.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RunningAtAttach } from '../../src/capture/common/trace/replay-core.js';
import { TraceReplay } from '../../src/capture/common/trace/replay.js';
import {
  AT_ATTACH_FLAG,
  CONTAINER_PIDS_FLAG,
  captureFlag,
  loadRunningAtAttach,
  runningAtAttachFrom,
} from '../../src/capture/common/trace/running-at-attach.js';
import { StraceParser } from '../../src/capture/common/trace/strace-parser.js';
import type { TraceEvent } from '../../src/capture/common/trace/trace-event.js';

/** A host-proc document as the capture stores it: the suspect's shell (host pid 4242, pid 1 inside) and a sleep. */
const SNAPSHOT = {
  format: 'holdcell-host-proc/1',
  containerId: 'c'.repeat(64),
  processes: [
    {
      pid: 4242,
      sources: ['tracer-attach'],
      status: { Name: 'sh', Uid: '0\t0\t0\t0', NSpid: '4242\t1' },
      cmdline: ['sh', '-c', 'while true; do beacon; done'],
      exe: '/bin/busybox',
      cwd: '/',
    },
    {
      pid: 4300,
      sources: ['tracer-attach'],
      status: { Name: 'x', Uid: '1000\t1000\t1000\t1000', NSpid: '4300\t7' },
      // Not UTF-8: kept as base64 by the snapshot, in the trace's form (U+DCxx) here.
      cmdline: ['./x', { base64: Buffer.from([0x2d, 0xff]).toString('base64') }],
      exe: { error: 'ENOENT' },
      cwd: '/tmp',
    },
    { pid: 'forged', cmdline: ['nope'] },
    { pid: -1, cmdline: ['nope'] },
  ],
};

function replayOf(text: string, running: ReadonlyMap<number, RunningAtAttach>): TraceReplay {
  const out: TraceEvent[] = [];
  const parser = new StraceParser((event) => out.push(event), { baseDate: '2026-11-22' });
  for (const line of text.split('\n')) parser.line(line);
  parser.end();
  const replay = new TraceReplay({ runningAtAttach: running });
  for (const event of out) replay.apply(event);
  replay.finish();
  return replay;
}

describe('given a capture that attached to a container already running a shell loop', () => {
  it('when the snapshot is read by host pid, then each process has its command, exe, cwd and uid, and forged entries are left out', () => {
    const known = runningAtAttachFrom(SNAPSHOT);
    expect([...known.keys()]).toEqual([4242, 4300]);
    expect(known.get(4242)).toEqual({
      exe: '/bin/busybox',
      argv: ['sh', '-c', 'while true; do beacon; done'],
      cwd: '/',
      uid: 0,
    });
    expect(known.get(4300)).toEqual({ exe: null, argv: ['./x', '-\udcff'], cwd: '/tmp', uid: 1000 });
  });

  it('when the trace came from a helper in the PID namespace, then the snapshot is keyed by the container pids', () => {
    expect([...runningAtAttachFrom(SNAPSHOT, 'container').keys()]).toEqual([1, 7]);
  });

  it('when the trace is replayed, then the shell the tracer never saw start shows its command, and a later process reusing its pid does not', () => {
    const replay = replayOf(
      `
4242  10:00:00.000000 wait4(-1, NULL, 0, NULL) = 4250
4242  10:00:00.100000 +++ exited with 0 +++
9  10:00:00.200000 clone(child_stack=NULL, flags=SIGCHLD) = 4242
4242  10:00:00.300000 getpid() = 4242
`,
      runningAtAttachFrom(SNAPSHOT),
    );
    const processes = replay.allProcesses();
    expect(processes.map((process) => [process.pid, process.origin, process.argv.join(' ')])).toEqual([
      [4242, 'running-at-attach', 'sh -c while true; do beacon; done'],
      [9, 'first-seen', ''],
      [4242, 'clone', ''],
    ]);
    expect(processes[0]).toMatchObject({ exe: '/bin/busybox', cwd: '/', uid: 0 });
  });
});

describe('given a case holding the capture trace and its snapshot at attach', () => {
  const bytes = Buffer.from(JSON.stringify(SNAPSHOT, null, 2));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const snapshot = {
    id: 'procs-1',
    kind: 'host-proc',
    path: 'evidence/procs-1.json',
    sha256,
    flags: [AT_ATTACH_FLAG, captureFlag('c1')],
  };
  const trace = {
    id: 'trace-1',
    kind: 'syscall-trace',
    path: 'evidence/t.txt',
    sha256: 'a'.repeat(64),
    flags: ['tracer:strace', captureFlag('c1')],
  };
  const other = { ...trace, id: 'trace-2', flags: ['tracer:strace', captureFlag('c2')] };

  it('when the trace is opened, then its own capture’s snapshot seeds it and another capture’s trace gets nothing', async () => {
    const items = [snapshot, trace, other];
    const read = async () => bytes;
    expect([...(await loadRunningAtAttach([trace], items, read)).running.keys()]).toEqual([4242, 4300]);
    expect((await loadRunningAtAttach([other], items, read)).running.size).toBe(0);
    const helper = { ...trace, flags: [...trace.flags, CONTAINER_PIDS_FLAG] };
    expect([...(await loadRunningAtAttach([helper], items, read)).running.keys()]).toEqual([1, 7]);
  });

  it('when the snapshot was edited after acquisition, then it is not used and the problem names it', async () => {
    const edited = Buffer.from(bytes.toString().replace('beacon', 'benign'));
    const loaded = await loadRunningAtAttach([trace], [snapshot, trace], async () => edited);
    expect(loaded.running.size).toBe(0);
    expect(loaded.problems).toEqual([
      'procs-1 does not match its manifest hash: processes running at attach not shown',
    ]);
  });
});
