// Reading strace text as a responder gets it: every layout, pairs split across lines, orphans, and lines that are not events.
import { describe, expect, it } from 'vitest';
import { StraceParser, type StraceParserOptions } from '../../src/capture/common/trace/strace-parser.js';
import type { SyscallEvent, TraceEvent } from '../../src/capture/common/trace/trace-event.js';
import { formatIso } from '../../src/capture/common/trace/trace-time.js';
import { argsOf } from '../../src/capture/common/trace/strace-args.js';
import { TraceReplay } from '../../src/capture/common/trace/replay.js';
import {
  FileActivityView,
  NetworkActivityView,
  ProcessView,
  SignalView,
} from '../../src/capture/common/trace/replay-model.js';
import { TraceRecord } from '../../src/capture/common/trace/trace-event.js';
import { toRecord } from '../../src/capture/common/trace/trace-jsonl.js';

function parse(text: string, options: StraceParserOptions = {}) {
  const events: TraceEvent[] = [];
  const parser = new StraceParser((event) => events.push(event), options);
  const lines = text.split('\n');
  const last = lines.pop();
  for (const line of lines) parser.line(line);
  if (last !== undefined && last !== '') parser.line(last, true);
  parser.end();
  return { events, skips: parser.skips, parser };
}

function syscalls(events: TraceEvent[]): SyscallEvent[] {
  return events.filter((event): event is SyscallEvent => event.kind === 'syscall');
}

const at = (event: TraceEvent): string | null => (Number.isNaN(event.sec) ? null : formatIso(event.sec, event.nsec));

describe('strace line layouts', () => {
  it('given -f output to a file (bare pid column) with -tt and -T, then pid, time, name, args, return and duration come apart', () => {
    const { events, skips } = parse(
      '7619  22:08:26.010129 openat(AT_FDCWD</work>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache> <0.000005>\n',
      { baseDate: '2026-11-22' },
    );
    expect(skips.count).toBe(0);
    const [open] = syscalls(events);
    expect(open).toMatchObject({
      pid: 7619,
      tid: 7619,
      name: 'openat',
      argText: 'AT_FDCWD</work>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC',
      ret: '3</etc/ld.so.cache>',
      dur: '0.000005',
      state: 'complete',
      line: 1,
    });
    expect(at(open as SyscallEvent)).toBe('2026-11-22T22:08:26.010129000Z');
  });

  it('given stderr output with [pid N] prefixes, then the prefix names the task', () => {
    const { events } = parse('[pid  3437] execve("/usr/bin/cat", ["cat", "/tmp/stx/b[1"], 0x558a /* 35 vars */) = 0\n');
    expect(syscalls(events)[0]).toMatchObject({ pid: 3437, name: 'execve', ret: '0' });
  });

  it('given an -ff file, then lines without a pid belong to the pid the caller took from the file name', () => {
    const { events } = parse(
      '1795385307.106311 write(1, "hi\\n", 3)   = 3\n1795385307.106691 +++ exited with 0 +++\n',
      {
        defaultPid: 7674,
      },
    );
    expect(events.map((event) => [event.kind, 'pid' in event ? event.pid : null])).toEqual([
      ['syscall', 7674],
      ['exit', 7674],
    ]);
    expect(at(events[0] as TraceEvent)).toBe('2026-11-22T22:08:27.106311000Z');
    expect(syscalls(events)[0]?.ret).toBe('3');
  });

  it('given -ttt with nanoseconds, -t without a fraction, -r and no stamps at all, then each dates its lines exactly', () => {
    expect(at(parse('1795385307.123456789 getpid() = 1\n', { defaultPid: 1 }).events[0] as TraceEvent)).toBe(
      '2026-11-22T22:08:27.123456789Z',
    );
    expect(at(parse('5  23:59:59 getpid() = 5\n', { baseDate: '2024-02-29' }).events[0] as TraceEvent)).toBe(
      '2024-02-29T23:59:59.000000000Z',
    );
    const relative = parse('1  0.000000 getpid() = 1\n1  0.500000 getppid() = 0\n1  1.250000 getuid() = 0\n', {
      baseDate: '2025-01-01',
    });
    expect(relative.events.map(at)).toEqual([
      '2025-01-01T00:00:00.000000000Z',
      '2025-01-01T00:00:00.500000000Z',
      '2025-01-01T00:00:01.750000000Z',
    ]);
    expect(relative.parser.timeStyle).toBe('relative');
    expect(at(parse('374   getpid() = 374\n').events[0] as TraceEvent)).toBeNull();
  });

  it('given time of day in a local clock, then the UTC offset moves it to UTC', () => {
    const { events } = parse('9  08:00:00.5 getpid() = 9\n', { baseDate: '2026-06-01', utcOffsetSeconds: 2 * 3600 });
    expect(at(events[0] as TraceEvent)).toBe('2026-06-01T06:00:00.500000000Z');
  });

  it('given a trace that runs past midnight, then the day rolls over', () => {
    const { events } = parse('9  23:59:59.900000 getpid() = 9\n9  00:00:00.100000 getppid() = 1\n', {
      baseDate: '2026-12-31',
    });
    expect(events.map(at)).toEqual(['2026-12-31T23:59:59.900000000Z', '2027-01-01T00:00:00.100000000Z']);
  });

  it('given time of day with no base date, then it is dated 1970-01-01 and a note says so', () => {
    const { events } = parse('9  10:00:00 getpid() = 9\n');
    expect(events[0]).toMatchObject({ kind: 'diag' });
    expect((events[0] as { text: string }).text).toMatch(/without a date/);
    expect(at(events[1] as TraceEvent)).toBe('1970-01-01T10:00:00.000000000Z');
  });
});

describe('calls split across lines', () => {
  it('given <unfinished ...> and <... resumed>, then one event joins both halves at the start time', () => {
    const { events } = parse(
      [
        '7619  22:08:26.025519 rt_sigprocmask(SIG_SETMASK, [],  <unfinished ...>',
        '7620  22:08:26.025567 set_robust_list(0x7fcfc89d6a20, 24 <unfinished ...>',
        '7619  22:08:26.025616 <... rt_sigprocmask resumed>NULL, 8) = 0 <0.000064>',
        '7620  22:08:26.025636 <... set_robust_list resumed>) = 0 <0.000064>',
        '',
      ].join('\n'),
      { baseDate: '2026-11-22' },
    );
    const calls = syscalls(events);
    expect(calls.map((call) => [call.pid, call.name, call.argText, call.ret, call.state])).toEqual([
      [7619, 'rt_sigprocmask', 'SIG_SETMASK, [], NULL, 8', '0', 'complete'],
      [7620, 'set_robust_list', '0x7fcfc89d6a20, 24', '0', 'complete'],
    ]);
    expect(argsOf(calls[0] as SyscallEvent)).toEqual(['SIG_SETMASK', '[]', 'NULL', '8']);
    expect(at(calls[0] as SyscallEvent)).toBe('2026-11-22T22:08:26.025519000Z');
  });

  it('given the old "<... execve resumed> )" form, then the halves still join', () => {
    const { events } = parse(
      [
        '375   execve("/usr/sbin/nscd", ["/usr/sbin/nscd", "nscd", "-i", "passwd"], [] <unfinished ...>',
        '375   <... execve resumed> )            = -1 ENOENT (No such file or directory)',
        '',
      ].join('\n'),
    );
    expect(syscalls(events)[0]).toMatchObject({
      argText: '"/usr/sbin/nscd", ["/usr/sbin/nscd", "nscd", "-i", "passwd"], []',
      ret: '-1 ENOENT (No such file or directory)',
      state: 'complete',
    });
  });

  it('given a resumed half with no start (trace began mid-call), then it is kept, marked resumed', () => {
    const { events, skips } = parse('42  <... read resumed>"abc", 4096) = 3\n');
    expect(skips.count).toBe(0);
    expect(syscalls(events)[0]).toMatchObject({ name: 'read', argText: '"abc", 4096', ret: '3', state: 'resumed' });
  });

  it('given a call that never resumes, then it is emitted as unfinished before its task exits, or at the end', () => {
    const { events } = parse(
      [
        '7663  22:08:26.824287 exit(0 <unfinished ...>',
        '7663  22:08:26.824327 +++ exited with 0 +++',
        '7662  22:08:26.900000 read(0,  <unfinished ...>',
        '',
      ].join('\n'),
      { baseDate: '2026-11-22' },
    );
    expect(
      events.map((event) => `${event.kind}:${'pid' in event ? event.pid : ''}:${'state' in event ? event.state : ''}`),
    ).toEqual(['syscall:7663:unfinished', 'exit:7663:', 'syscall:7662:unfinished']);
    expect(syscalls(events)[1]).toMatchObject({ name: 'read', argText: '0,', ret: '' });
  });

  it('given a resumed half whose name differs from the pending start, then both are kept as orphans', () => {
    const { events } = parse('9  read(3,  <unfinished ...>\n9  <... write resumed>) = 4\n');
    expect(syscalls(events).map((call) => [call.name, call.state])).toEqual([
      ['read', 'unfinished'],
      ['write', 'resumed'],
    ]);
  });

  it("given a child's lines before its parent's clone returns, then the clone is delivered first", () => {
    const { events } = parse(
      [
        '7667  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>',
        '7669  set_robust_list(0x7fc850319a20, 24) = 0',
        '7669  getpid() = 7669',
        '7667  <... clone resumed>, child_tidptr=0x7fc850319a10) = 7669',
        '7669  execve("/usr/bin/sleep", ["sleep", "0.2"], 0x5 /* 35 vars */) = 0',
        '',
      ].join('\n'),
    );
    expect(syscalls(events).map((call) => `${call.pid} ${call.name}`)).toEqual([
      '7667 clone',
      '7669 set_robust_list',
      '7669 getpid',
      '7669 execve',
    ]);
  });

  it('given unprefixed lines of the first process in [pid N] output, then its pid is learned from set_tid_address', () => {
    const { events } = parse(
      [
        'execve("/usr/bin/sh", ["sh", "-c", "cat x"], 0x7fff /* 35 vars */) = 0',
        'set_tid_address(0x7f0366ddca10) = 3436',
        'strace: Process 3437 attached',
        '[pid  3437] execve("/usr/bin/cat", ["cat", "x"], 0x5 /* 35 vars */) = 0',
        '[pid  3437] +++ exited with 0 +++',
        '--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=3437, si_uid=0, si_status=0} ---',
        'exit_group(0)                           = ?',
        '+++ exited with 0 +++',
        '',
      ].join('\n'),
    );
    expect(events.map((event) => `${event.kind} ${'pid' in event ? event.pid : ''}`)).toEqual([
      'syscall 3436',
      'syscall 3436',
      'diag 3437',
      'syscall 3437',
      'exit 3437',
      'signal 3436',
      'syscall 3436',
      'exit 3436',
    ]);
  });

  it('given unprefixed lines whose pid never appears, then they are shown as pid 0 with a note', () => {
    const { events } = parse('write(1, "x", 1) = 1\n');
    expect(events.map((event) => event.kind)).toEqual(['diag', 'syscall']);
    expect(syscalls(events)[0]?.pid).toBe(0);
  });
});

describe('lines that are not syscalls', () => {
  it('given signal lines (new and old forms), then each is a signal event with its info', () => {
    const { events } = parse(
      [
        '7668  22:08:27.075777 --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=7667, si_uid=0} ---',
        '374   --- SIGCHLD (Child exited) @ 0 (0) ---',
        '12    --- stopped by SIGSTOP ---',
        '',
      ].join('\n'),
      { baseDate: '2026-11-22' },
    );
    expect(events.map((event) => (event.kind === 'signal' ? [event.pid, event.signal, event.info] : []))).toEqual([
      [7668, 'SIGTERM', '{si_signo=SIGTERM, si_code=SI_USER, si_pid=7667, si_uid=0}'],
      [374, 'SIGCHLD', '(Child exited) @ 0 (0)'],
      [12, 'SIGSTOP', 'stopped'],
    ]);
  });

  it('given exit lines, then exit codes, killing signals, core dumps and execve takeovers are read', () => {
    const { events } = parse(
      [
        '1  +++ exited with 3 +++',
        '2  +++ killed by SIGKILL +++',
        '3  +++ killed by SIGSEGV (core dumped) +++',
        '4  +++ superseded by execve in pid 5 +++',
        '',
      ].join('\n'),
    );
    expect(
      events.map((event) =>
        event.kind === 'exit' ? [event.pid, event.code, event.signal, event.core, event.supersededBy] : [],
      ),
    ).toEqual([
      [1, 3, null, false, null],
      [2, null, 'SIGKILL', false, null],
      [3, null, 'SIGSEGV', true, null],
      [4, null, null, false, 5],
    ]);
  });

  it('given strace diagnostics, then they are diag events, not skipped lines', () => {
    const { events, skips } = parse(
      'strace: Process 12 attached\n[ Process PID=12 runs in 32 bit mode. ]\nstrace: [ Process PID=12 runs in 64 bit mode. ]\n',
    );
    expect(skips.count).toBe(0);
    expect(events.map((event) => (event.kind === 'diag' ? event.text : ''))).toEqual([
      'strace: Process 12 attached',
      '[ Process PID=12 runs in 32 bit mode. ]',
      'strace: [ Process PID=12 runs in 64 bit mode. ]',
    ]);
  });

  it('given a truncated last line and garbage lines, then each is counted with its reason and line, none silently dropped', () => {
    const { events, skips } = parse(
      [
        '9  getpid() = 9',
        'hello world',
        '9  write(1, "[Errno 111] Connection refused", 30[Errno 111] Connection refused) = 30',
        '9  write(1, "\\n", 1',
        ') = 1',
        '9  read(3, "abc", 40',
      ].join('\n'),
    );
    expect(syscalls(events).map((call) => call.name)).toEqual(['getpid', 'write']);
    expect(skips.lines.map((line) => [line.line, line.reason])).toEqual([
      [2, 'not a strace line'],
      [4, 'unterminated argument list'],
      [5, 'not a strace line'],
      [6, 'truncated last line'],
    ]);
    expect(skips.count).toBe(4);
  });

  it('given a hostile file name containing ") = 1" and quotes in an fd annotation, then the real return is found', () => {
    const { events } = parse(
      '32342 openat(AT_FDCWD</tmp/stx>, "/tmp/stx/a\\"b<c>d) = 1 x\\ny", O_WRONLY|O_CREAT, 0666) = 3</tmp/stx/a\\"b\\74c\\76d) = 1 x\\ny> <0.000094>\n' +
        '32342 dup2(3</tmp/stx/a\\"b\\74c\\76d) = 1 x\\ny>, 0</dev/null<char 1:3>>) = 0</tmp/stx/a\\"b\\74c\\76d) = 1 x\\ny> <0.000065>\n' +
        '3438 accept4(5<UNIX-STREAM:[419171,"/tmp/stx/sock"]>, {sa_family=AF_UNIX}, [110 => 2], SOCK_CLOEXEC) = 7<UNIX-STREAM:[419173->419172,"/tmp/stx/sock"]>\n' +
        '7725 sendto(4<TCP:[127.0.0.1:48431->127.0.0.1:41910]>, "nocaeb-olleh", 12, 0, NULL, 0) = 12 <0.000044>\n' +
        '9 cat(3</tmp/stx/b[1>) = 0\n',
    );
    const calls = syscalls(events);
    expect(calls.map((call) => call.ret)).toEqual([
      '3</tmp/stx/a\\"b\\74c\\76d) = 1 x\\ny>',
      '0</tmp/stx/a\\"b\\74c\\76d) = 1 x\\ny>',
      '7<UNIX-STREAM:[419173->419172,"/tmp/stx/sock"]>',
      '12',
      '0',
    ]);
    expect(calls.map((call) => call.dur)).toEqual(['0.000094', '0.000065', '', '0.000044', '']);
    expect(argsOf(calls[1] as SyscallEvent)).toEqual([
      '3</tmp/stx/a\\"b\\74c\\76d) = 1 x\\ny>',
      '0</dev/null<char 1:3>>',
    ]);
  });
});

describe('a capture stopped while a task sleeps', () => {
  it('given strace detached mid-call ("<detached ...>"), then the call is unfinished, not a skipped line', () => {
    const { events, skips } = parse(
      '16340 1795395668.727346 clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=100, tv_nsec=0},  <detached ...>\n',
    );
    expect(skips.count).toBe(0);
    expect(syscalls(events)).toMatchObject([{ pid: 16340, name: 'clock_nanosleep', state: 'unfinished' }]);
  });
});

// Inputs the fuzzer (test/unit/fuzz-strace.test.ts) found, exactly as it found them: each once crashed a view,
// broke the JSONL writer or put a number no schema accepts into the replay.
describe('hostile lines found by fuzzing', () => {
  function replayed(text: string, options: StraceParserOptions = {}) {
    const { events, skips } = parse(text, options);
    const replay = new TraceReplay();
    for (const event of events) replay.apply(event);
    replay.finish();
    return { events, skips, replay };
  }

  it('given an epoch stamp of 20 digits, when parsed, then the line is skipped as out of range, not emitted', () => {
    const { events, skips, replay } = replayed('99999999999999999999.5 getpid() = 1\n');
    expect(events).toEqual([]);
    expect(skips.byReason()).toEqual({ 'timestamp out of range': 1 });
    expect(replay.span()).toMatchObject({ first: null, last: null });
  });

  it('given hour 122 on a year-9999 base date, when parsed, then the line is skipped and nothing writes year 10000', () => {
    const { events, skips } = replayed(
      '122:08:27.152347 mprotect(0x7f42b8b74000, 16384, PROT_READ) = 0 <00 <00 <00 <0.000015>',
      { defaultPid: 520617, baseDate: '9999-12-31', utcOffsetSeconds: -30945, holdLimit: 1 },
    );
    expect(skips.byReason()).toEqual({ 'timestamp out of range': 1 });
    for (const event of events) expect(TraceRecord.safeParse(toRecord(event)).success).toBe(true);
  });

  it('given a 40-digit fd, a hex socket fd and an unsafe inode, then the views carry no unsafe number', () => {
    const { replay, events } = replayed(
      [
        '374   open("/var/log/lastlog", O_RDWR|O_LARGEFILE) = 1111111111111111111111111111111111111111',
        '374   socket(NULL, 41563, PROT_READ, MAP_PRIVATE, 3, 0) = 0x7f0366ff4000',
        '7721  write(1<pipe:[9007199254740993]>, "/usr/bin/readlink\\n", 18) = 18',
        '',
      ].join('\n'),
    );
    expect(replay.fileActivity().map((view) => FileActivityView.parse(view).fd)).toEqual([undefined]);
    expect(replay.connections().map((view) => NetworkActivityView.parse(view).fd)).toEqual([null]);
    const write = toRecord(events.at(-1) as TraceEvent);
    expect(TraceRecord.parse(write)).toMatchObject({ fds: { '0': { raw: 'pipe:[9007199254740993]' } } });
    expect(JSON.stringify(write)).not.toContain('"inode"');
  });

  it('given an exit code of 400 digits and a sender pid of 2^64-1, then the line is skipped and the peer unknown', () => {
    const { skips, replay } = replayed(
      [
        `1795385307.106691 +++ exited with ${'9'.repeat(400)} +++`,
        '7619  22:08:26.065276 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=18446744073709551615, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---',
        '',
      ].join('\n'),
      { defaultPid: 7674, baseDate: '2026-11-22' },
    );
    expect(skips.byReason()).toEqual({ 'unknown +++ line': 1 });
    expect(replay.signalEvents().map((view) => SignalView.parse(view).peer)).toEqual([null]);
    for (const view of replay.allProcesses()) ProcessView.parse(view);
  });

  it('given "[pid 4294967295]", then the prefix is malformed (it once wrapped to -1 and read as "no prefix")', () => {
    expect(parse('[pid 4294967295] getpid() = 1\n').skips.byReason()).toEqual({ 'malformed [pid N] prefix': 1 });
  });
});
