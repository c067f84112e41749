// A responder replays what bpftrace recorded in a container: recorded program output in, strace-shaped events out.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BpftraceConverter, type BpftraceConverterOptions } from '../../src/capture/common/trace/bpftrace-events.js';
import { JsonLineParser } from '../../src/capture/common/trace/json-sources.js';
import { TraceReplay } from '../../src/capture/common/trace/replay.js';
import { ttyStreams } from '../../src/capture/common/trace/replay-report.js';
import type { SyscallEvent, TraceEvent } from '../../src/capture/common/trace/trace-event.js';
import { TraceRecord } from '../../src/capture/common/trace/trace-event.js';
import { metaLine, toJsonLine } from '../../src/capture/common/trace/trace-jsonl.js';

/** Raw `bpftrace -f json` output of HoldCell's program, recorded by test/fixtures/bpftrace/record.sh. */
function fixture(name: 'session' | 'syscalls'): string[] {
  return readFileSync(new URL(`../fixtures/bpftrace/${name}.jsonl`, import.meta.url), 'utf8').split('\n');
}

/** Host pids of the two recorded containers' init shells (from the recordings). */
const SESSION_INIT = 25193;
const SYSCALLS_INIT = 26010;

function convert(lines: readonly string[], options: Partial<BpftraceConverterOptions> = {}) {
  const converter = new BpftraceConverter({ clockOffsetNs: 0n, ...options });
  const events: TraceEvent[] = [];
  for (const line of lines) events.push(...converter.push(line));
  events.push(...converter.finish());
  return { converter, events };
}

function replayOf(events: readonly TraceEvent[]): TraceReplay {
  const replay = new TraceReplay();
  for (const event of events) replay.apply({ ...event });
  replay.finish();
  return replay;
}

const printf = (data: string): string => JSON.stringify({ type: 'printf', data: `${data}\n` });
const hex = (text: string): string =>
  [...Buffer.from(text, 'latin1')].map((b) => b.toString(16).padStart(2, '0')).join(' ');
/** The converter always fills in a call's split arguments. */
type Call = SyscallEvent & { args: string[] };
const calls = (events: readonly TraceEvent[], name: string): Call[] =>
  events.filter((event): event is Call => event.kind === 'syscall' && event.name === name && event.args !== undefined);

describe('bpftrace output of a scripted intrusion, replayed', () => {
  const { converter, events } = convert(fixture('session'), { initPid: SESSION_INIT });
  const replay = replayOf(events);

  it('given the recorded session, when replayed, then the processes are the exec and the session with their argv', () => {
    const processes = replay
      .allProcesses()
      .map(({ pid, ppid, exe, argv, exitCode }) => ({ pid, ppid, exe, argv, exitCode }));
    const session = processes.filter((process) => process.ppid === SESSION_INIT);
    expect(session.map(({ exe, argv, exitCode }) => ({ exe, argv, exitCode }))).toEqual([
      { exe: '/bin/cat', argv: ['/bin/cat', '/etc/passwd'], exitCode: 0 },
      { exe: '/bin/chmod', argv: ['/bin/chmod', '+x', '/tmp/dropper.sh'], exitCode: 0 },
      // The new image's argv: the kernel ran the script through its #! interpreter.
      { exe: '/tmp/dropper.sh', argv: ['/bin/sh', '/tmp/dropper.sh'], exitCode: 0 },
      { exe: '/usr/bin/nc', argv: ['/usr/bin/nc', '10.255.255.1', '4444'], exitCode: 1 },
    ]);
    // `docker exec … sh -c 'id; echo go > /tmp/go'` entered the namespace later and is there with its argv.
    expect(processes.some((process) => process.argv.join(' ') === 'sh -c id; echo go > /tmp/go')).toBe(true);
    expect(converter.pids()).toContain(SESSION_INIT);
  });

  it('given the recorded session, then the file activity is the read, the drop, the chmod and the exec', () => {
    const files = replay
      .fileActivity()
      .filter((file) => file.path === '/etc/passwd' || file.path === '/tmp/dropper.sh')
      .filter((file) => file.pid !== undefined && replay.allProcesses().find((p) => p.pid === file.pid)?.ppid !== null)
      .map(({ op, path, result, mode, bytesRead, bytesWritten }) => ({
        op,
        path,
        result,
        mode,
        bytesRead,
        bytesWritten,
      }));
    expect(files).toContainEqual({
      op: 'read',
      path: '/etc/passwd',
      result: 'ok',
      mode: undefined,
      bytesRead: 75,
      bytesWritten: undefined,
    });
    expect(files).toContainEqual({
      op: 'chmod',
      path: '/tmp/dropper.sh',
      result: 'ok',
      mode: '0755',
      bytesRead: undefined,
      bytesWritten: undefined,
    });
    expect(files).toContainEqual({
      op: 'exec',
      path: '/tmp/dropper.sh',
      result: 'ok',
      mode: undefined,
      bytesRead: undefined,
      bytesWritten: undefined,
    });
    const drop = replay
      .whoWrote('/tmp/dropper.sh')
      .events.map(({ op, pid, bytesWritten, mode }) => ({ op, pid, bytesWritten, mode }));
    expect(drop).toEqual([
      { op: 'write', pid: SESSION_INIT, bytesWritten: 31, mode: '0666' },
      { op: 'chmod', pid: expect.any(Number), bytesWritten: undefined, mode: '0755' },
    ]);
  });

  it('given the recorded session, then the connection attempt names address, port and the kernel’s answer', () => {
    const connects = replay.connections().filter((entry) => entry.op === 'connect');
    expect(connects.map(({ address, port, result, family }) => ({ address, port, result, family }))).toEqual([
      { address: '10.255.255.1', port: 4444, result: 'ENETUNREACH', family: 'AF_INET' },
    ]);
    const [connect] = calls(events, 'connect');
    expect(connect?.args).toEqual([
      '3',
      '{sa_family=AF_INET, sin_port=htons(4444), sin_addr=inet_addr("10.255.255.1")}',
      '16',
    ]);
    expect(connect?.ret).toBe('-1 ENETUNREACH (Network is unreachable)');
  });

  it('given the recorded session, then the terminal shows what the intruder saw, byte for byte', () => {
    expect(ttyStreams(replay.tty, 'out').map((stream) => stream.text)).toEqual([
      'uid=0(root) gid=0(root) groups=0(root)\n',
      'dropped-and-run\n',
      "nc: can't connect to remote host (10.255.255.1): Network is unreachable\n",
      'done\n',
    ]);
    // busybox cat copies with sendfile: the kernel moves the bytes, so only their count is in the trace.
    const [sendfile] = calls(events, 'sendfile64');
    expect(sendfile?.ret).toBe('75');
  });

  it('given the PID namespace id was reused by another container after the init exited, then its tasks are dropped', () => {
    const unguarded = convert(fixture('session'));
    expect(unguarded.converter.pids().length).toBeGreaterThan(converter.pids().length);
    expect(converter.warnings()).toEqual([
      expect.stringMatching(/^lines of tasks first seen after the container's init exited .*: dropped \(\d+×\)$/),
    ]);
    expect(replay.fileActivity().some((file) => file.path.startsWith('/var/lib/docker'))).toBe(false);
  });

  it('given the events as HoldCell JSONL, when read back, then every record is valid and the replay is the same', () => {
    const jsonl = [metaLine({ tool: 'bpftrace v0.17.0' }), ...events.map(toJsonLine)];
    for (const line of jsonl.slice(1)) expect(TraceRecord.safeParse(JSON.parse(line)).success).toBe(true);
    const back: TraceEvent[] = [];
    const parser = new JsonLineParser('jsonl', (event) => back.push(event));
    for (const line of jsonl) parser.line(line);
    expect(parser.skips.count).toBe(0);
    expect(parser.meta).toBe(1);
    const again = replayOf(back);
    expect(again.allProcesses()).toEqual(replay.allProcesses());
    expect(again.fileActivity()).toEqual(replay.fileActivity());
    expect(again.connections()).toEqual(replay.connections());
    expect(ttyStreams(again.tty, 'out')).toEqual(ttyStreams(replay.tty, 'out'));
  });

  it('given the same output twice, or with lines of different CPUs interleaved, then the JSONL is byte-identical', () => {
    const lines = fixture('session');
    const first = convert(lines, { initPid: SESSION_INIT }).events.map(toJsonLine);
    expect(convert(lines, { initPid: SESSION_INIT }).events.map(toJsonLine)).toEqual(first);
    // Swap every pair of neighbouring lines: each arrives at most one line late, well inside the window.
    const swapped = [...lines];
    for (let index = 0; index + 1 < swapped.length; index += 2) {
      [swapped[index], swapped[index + 1]] = [swapped[index + 1] ?? '', swapped[index] ?? ''];
    }
    expect(convert(swapped, { initPid: SESSION_INIT }).events.map(toJsonLine)).toEqual(first);
  });

  it('given a clock offset, then each instant is bpftrace’s monotonic nsecs plus the offset, in UTC', () => {
    const offset = 1_795_300_000_000_000_000n;
    const [hello] = convert(fixture('session').slice(0, 2), { clockOffsetNs: offset }).events;
    const line = fixture('session')[1] ?? '';
    const ns = BigInt(/"H (\d+)/.exec(line)?.[1] ?? '0') + offset;
    expect(hello).toMatchObject({ kind: 'diag', sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) });
    expect(JSON.parse(toJsonLine(hello as TraceEvent)).tns).toBe(ns.toString());
  });
});

describe('bpftrace output with hostile names and every kind of call', () => {
  const { converter, events } = convert(fixture('syscalls'), { initPid: SYSCALLS_INIT });
  const replay = replayOf(events);
  const hostile = '/tmp/stage/q"\\x41\u001b[31m\u0001é\udcff';

  it('given a file name with a quote, a literal \\x41, escape codes and invalid UTF-8, then its bytes are kept exactly', () => {
    const created = replay.fileActivity({ path: hostile });
    expect(created.map(({ op, bytesWritten }) => ({ op, bytesWritten }))).toEqual([
      { op: 'write', bytesWritten: 8 },
      { op: 'link', bytesWritten: undefined },
    ]);
    const [open] = calls(events, 'openat').filter((call) => call.args[1]?.includes('q\\"'));
    expect(open?.args[1]).toBe('"/tmp/stage/q\\"\\\\x41\\x1b[31m\\x01\\xc3\\xa9\\xff"');
    // Not printable: the JSONL carries the exact bytes in base64.
    const record = JSON.parse(toJsonLine(open as TraceEvent)) as { strings: Record<string, { b64?: string }> };
    expect(Buffer.from(record.strings['1']?.b64 ?? '', 'base64')).toEqual(
      Buffer.concat([Buffer.from('/tmp/stage/q"\\x41\x1b[31m\x01'), Buffer.from([0xc3, 0xa9, 0xff])]),
    );
  });

  it('given terminal output with an OSC 52 clipboard sequence, then the tty text holds the bytes (rendering decides)', () => {
    const out = ttyStreams(replay.tty, 'out').find((stream) => stream.pid === SYSCALLS_INIT && stream.fd === 1);
    expect(out?.text).toBe('osc\u001b]52;c;aGVsbG8=\u0007 literal \\x00 and quote " done\n');
  });

  it('given a path longer than bpftrace reads, then it is marked cut, never completed by guessing', () => {
    const [long, longer] = calls(events, 'openat').filter((call) => call.args[1]?.startsWith('"/tmp/stage/000'));
    expect(long?.args[1]).toBe(`"/tmp/stage/${'0'.repeat(150)}"`);
    expect(longer?.args[1]).toBe(`"/tmp/stage/${'0'.repeat(254 - 11)}"...`);
    expect(longer?.ret).toBe('-1 ENAMETOOLONG (File name too long)');
    const record = JSON.parse(toJsonLine(longer as TraceEvent)) as { strings: Record<string, { truncated?: boolean }> };
    expect(record.strings['1']?.truncated).toBe(true);
  });

  it('given a failed exec, then its file name and argv come from the old image, with the error', () => {
    const [failed] = calls(events, 'execve').filter((call) => call.ret.startsWith('-1'));
    expect(failed?.args.slice(0, 2)).toEqual(['"/no/such/tool"', '["/no/such/tool", "first", "second", "third"]']);
    expect(failed?.ret).toBe('-1 ENOENT (No such file or directory)');
    const ten = calls(events, 'execve').find((call) => call.args[0] === '"/bin/echo"');
    expect(ten?.args[1]).toBe('["/bin/echo", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10"]');
  });

  it('given links, renames, unlinks and chown, then each is a file record with both names', () => {
    const changes = replay
      .fileActivity()
      .filter((file) => ['symlink', 'link', 'rename', 'unlink', 'chown', 'mkdir'].includes(file.op))
      .map(({ op, path, newPath, owner, mode }) => ({ op, path, newPath, owner, mode }));
    expect(changes).toEqual([
      { op: 'mkdir', path: '/tmp/stage', newPath: undefined, owner: undefined, mode: '0777' },
      { op: 'symlink', path: '/tmp/stage/link', newPath: '/etc/shadow', owner: undefined, mode: undefined },
      { op: 'link', path: '/tmp/stage/hard', newPath: hostile, owner: undefined, mode: undefined },
      { op: 'rename', path: '/tmp/stage/link', newPath: '/tmp/stage/link2', owner: undefined, mode: undefined },
      { op: 'unlink', path: '/tmp/stage/link2', newPath: undefined, owner: undefined, mode: undefined },
      { op: 'chown', path: '/tmp/stage/hard', newPath: undefined, owner: '65534:65534', mode: undefined },
    ]);
  });

  it('given IPv6 and unix-socket connects, then the addresses are decoded as strace prints them', () => {
    const connects = replay.connections().filter((entry) => entry.op === 'connect');
    expect(connects.map(({ family, address, port, result }) => ({ family, address, port, result }))).toEqual([
      { family: 'AF_INET6', address: '::1', port: 4444, result: 'EADDRNOTAVAIL' },
      { family: 'AF_UNIX', address: '/dev/log', port: null, result: 'ENOENT' },
    ]);
  });

  it('given a pipe between two commands, then both ends are known and the reader’s output is terminal output', () => {
    const [pipe] = calls(events, 'pipe2');
    expect(pipe?.args[0]).toMatch(/^\[\d+, \d+\]$/);
    expect(ttyStreams(replay.tty, 'out').map((stream) => stream.text)).toContain('piped\n');
  });

  it('given a process killed by SIGTERM, then its exit names the signal and its parent got SIGCHLD', () => {
    const killed = events.find((event) => event.kind === 'exit' && event.signal !== null);
    expect(killed).toMatchObject({ kind: 'exit', code: null, signal: 'SIGTERM', core: false });
    const [kill] = calls(events, 'kill');
    expect(kill?.args[1]).toBe('SIGTERM');
    expect(events.some((event) => event.kind === 'signal' && event.info.includes('CLD_KILLED'))).toBe(true);
    expect(converter.warnings()).toEqual([]);
  });
});

describe('bpftrace output that is incomplete or damaged', () => {
  const E = (ns: number, rest: string): string => printf(`E ${ns} 7 7 ${rest}`);
  const X = (ns: number, rest: string): string => printf(`X ${ns} 7 7 ${rest}`);

  it('given lost events, then there is a warning and a diag event where the gap is', () => {
    const { converter, events } = convert([
      E(1_000, 'close 3'),
      X(2_000, 'close 0'),
      JSON.stringify({ type: 'lost_events', data: { events: 12 } }),
      E(3_000, 'close 4'),
      X(4_000, 'close 0'),
    ]);
    expect(events.map((event) => (event.kind === 'syscall' ? event.argText : event.kind))).toEqual(['3', 'diag', '4']);
    expect(converter.warnings()).toEqual(['bpftrace lost 12 events (ring buffer full): the trace has a gap here']);
  });

  it('given lines that are not JSON, unknown records or malformed program lines, then they are counted, not guessed', () => {
    const { converter, events } = convert([
      'uid=0(root)',
      JSON.stringify({ type: 'map', data: {} }),
      printf('E notanumber 7 7 close 3'),
      E(1_000, 'close 3 99'),
      E(2_000, 'nosuchcall 1'),
      printf(`S 3000 7 7 openat 0 0 zz`),
    ]);
    expect(events).toEqual([]);
    expect(converter.warnings()).toEqual([
      'bpftrace printed lines that are not JSON (kept out of the trace) (1×)',
      'bpftrace record of type "map" not understood (1×)',
      'bpftrace program lines not in the expected format (1×)',
      'bpftrace entry lines with the wrong values (1×)',
      'bpftrace lines for a syscall this converter does not know (1×)',
      'bpftrace string/data lines with no syscall entry to belong to (1×)',
    ]);
  });

  it('given a call that never returned, or one that was already running when tracing began, then it says so', () => {
    const { events } = convert([
      printf(`E 1000 7 7 openat 4294967196 0 0 1234`),
      printf(`S 1500 7 7 openat 0 0 ${hex('/etc/hosts\0')}`),
      printf(`X 500 8 8 read 5`),
    ]);
    const [resumed, unfinished] = events as SyscallEvent[];
    expect(resumed).toMatchObject({ name: 'read', args: [], ret: '5', state: 'resumed' });
    expect(unfinished).toMatchObject({
      name: 'openat',
      args: ['AT_FDCWD', '"/etc/hosts"', 'O_RDONLY'],
      ret: '',
      state: 'unfinished',
    });
    expect(JSON.parse(toJsonLine(unfinished as TraceEvent))).toMatchObject({ state: 'unfinished' });
  });

  it('given a line arriving later than the reorder window, then it is applied where it arrived, with a warning', () => {
    const { converter, events } = convert(
      [
        E(10_000, 'close 3'),
        X(11_000, 'close 0'),
        printf('T 5000000000'),
        printf(`E 2000 9 9 close 4`),
        printf(`X 3000 9 9 close 0`),
      ],
      { reorderWindowNs: 1_000_000_000n },
    );
    expect(calls(events, 'close').map((call) => call.argText)).toEqual(['3', '4']);
    expect(converter.warnings()).toEqual([
      'lines arrived later than the reorder window and were applied where they arrived (2×)',
    ]);
  });

  it('given exit statuses, then exit codes, signals and core dumps are told apart', () => {
    const { events } = convert([
      printf('Q 1 7 7 256'),
      printf('Q 2 8 8 15'),
      printf('Q 3 9 9 134'),
      printf('Q 4 9 10 0'),
    ]);
    expect(
      events.map((event) => (event.kind === 'exit' ? [event.tid, event.code, event.signal, event.core] : [])),
    ).toEqual([
      [7, 1, null, false],
      [8, null, 'SIGTERM', false],
      [9, null, 'SIGABRT', true],
      [10, 0, null, false],
    ]);
  });

  it('given a thread that execs, then the leader’s exit is the exec superseding it, not the process ending', () => {
    const argv = hex('/bin/id\0-u\0');
    const { converter, events } = convert(
      [
        printf('E 1000 7 8 execve 100 200 300'),
        printf('Q 1100 7 7 9'),
        printf('R 1200 7 7 8 11'),
        printf(`N 1210 7 7 0 ${hex('/bin/id\0')}`),
        printf(`W 1220 7 7 0 ${argv}`),
        printf('X 1300 7 7 execve 0 0'),
      ],
      { initPid: 7 },
    );
    expect(events.map((event) => event.kind)).toEqual(['exit', 'syscall']);
    expect(events[0]).toMatchObject({ kind: 'exit', tid: 7, supersededBy: 7 });
    expect(events[1]).toMatchObject({
      kind: 'syscall',
      pid: 7,
      tid: 7,
      args: ['"/bin/id"', '["/bin/id", "-u"]', '0xc8'],
    });
    expect(converter.exited(7)).toBe(false);
    const [process] = replayOf(events).allProcesses();
    expect(process).toMatchObject({ pid: 7, exe: '/bin/id', argv: ['/bin/id', '-u'] });
    expect(process?.end).toBeUndefined();
  });

  it('given a burst of lines all inside the reorder window, then converting stays linear', () => {
    const lines: string[] = [];
    for (let index = 0; index < 50_000; index++) {
      lines.push(
        printf(`E ${1_000_000 + index * 2_000} 7 7 close ${index}`),
        printf(`X ${1_001_000 + index * 2_000} 7 7 close 0`),
      );
    }
    const started = performance.now();
    const { events } = convert(lines);
    expect(events).toHaveLength(50_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('given a clone, then the fork line reports it in the parent before the child’s first call', () => {
    const { events } = convert([
      E(1_000, 'clone 17'),
      printf('E 1600 12 12 close 3'),
      printf('F 1500 7 7 12'),
      printf('X 1700 12 12 clone 0'),
      printf('X 1800 12 12 close 0'),
      X(1_900, 'clone 3'),
    ]);
    expect(
      events.map((event) =>
        event.kind === 'syscall' ? `${event.tid} ${event.name}(${event.argText}) = ${event.ret}` : '',
      ),
    ).toEqual(['7 clone(flags=SIGCHLD) = 12', '12 close(3) = 0']);
  });

  it('given a clone already running when tracing began, then its result (the container’s pid) invents no process', () => {
    const { events } = convert([
      printf('X 500 7 7 clone 55'),
      printf('E 600 9022 9022 close 3'),
      printf('X 700 9022 9022 close 0'),
    ]);
    const [clone] = calls(events, 'clone');
    expect(clone).toMatchObject({ tid: 7, state: 'resumed', ret: '' });
    expect(
      replayOf(events)
        .allProcesses()
        .map((process) => process.pid),
    ).not.toContain(55);
  });
});
