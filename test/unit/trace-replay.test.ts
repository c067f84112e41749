// Replaying a session: who ran what, which fds were open when, what changed on disk, who talked to whom, what the terminal showed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StraceParser } from '../../src/capture/common/trace/strace-parser.js';
import { TraceReplay } from '../../src/capture/common/trace/replay.js';
import type { TraceEvent } from '../../src/capture/common/trace/trace-event.js';
import {
  FileActivityView,
  NetworkActivityView,
  ProcessView,
  ReplayStateView,
  TtyChunkView,
  WhoWroteView,
} from '../../src/capture/common/trace/replay-model.js';

function events(text: string, options: { baseDate?: string; defaultPid?: number } = {}): TraceEvent[] {
  const out: TraceEvent[] = [];
  const parser = new StraceParser((event) => out.push(event), {
    baseDate: options.baseDate ?? '2026-11-22',
    ...options,
  });
  for (const line of text.split('\n')) parser.line(line);
  parser.end();
  return out;
}

function replay(text: string, checkpointEvery?: number): TraceReplay {
  const engine = new TraceReplay({ checkpointEvery });
  for (const event of events(text)) engine.apply(event);
  engine.finish();
  return engine;
}

const fdsOf = (engine: TraceReplay, seq: number, pid: number): string[] =>
  (engine.openFdsAt({ seq }, pid)[0]?.fds ?? []).map(
    (fd) => `${fd.fd}:${fd.kind}:${fd.path ?? '-'}${fd.cloexec ? ':cloexec' : ''}${fd.session ? ':session' : ''}`,
  );

const SESSION = `
100  10:00:00.000000 execve("/bin/sh", ["sh", "-c", "attack"], 0x1 /* 3 vars */) = 0
100  10:00:00.010000 chdir("/srv") = 0
100  10:00:00.020000 setresuid(1000, 1000, 1000) = 0
100  10:00:00.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x1) = 101
101  10:00:00.200000 execve("/nope", ["nope"], 0x1 /* 3 vars */) = -1 ENOENT (No such file or directory)
101  10:00:00.300000 execve("/bin/cat", ["cat", "/etc/passwd"], 0x1 /* 3 vars */) = 0
101  10:00:00.400000 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0} => {parent_tid=[102]}, 88) = 102
102  10:00:00.500000 exit(0) = ?
102  10:00:00.500100 +++ exited with 0 +++
101  10:00:00.600000 exit_group(3) = ?
101  10:00:00.600100 +++ exited with 3 +++
100  10:00:00.700000 vfork() = 103
103  10:00:00.800000 --- SIGKILL {si_signo=SIGKILL, si_code=SI_USER, si_pid=1, si_uid=0} ---
103  10:00:00.900000 +++ killed by SIGKILL +++
100  10:00:01.000000 exit_group(0) = ?
100  10:00:01.000100 +++ exited with 0 +++
`;

describe('process tree', () => {
  it('given fork, exec (one failing), a thread, exit codes and a kill, then the tree is exactly the processes that ran', () => {
    const engine = replay(SESSION);
    const processes = engine.allProcesses();
    expect(
      processes.map((process) => ({
        pid: process.pid,
        ppid: process.ppid,
        exe: process.exe,
        argv: process.argv,
        threads: process.threads,
        exitCode: process.exitCode,
        signal: process.signal,
      })),
    ).toEqual([
      {
        pid: 100,
        ppid: null,
        exe: '/bin/sh',
        argv: ['sh', '-c', 'attack'],
        threads: [],
        exitCode: 0,
        signal: undefined,
      },
      {
        pid: 101,
        ppid: 100,
        exe: '/bin/cat',
        argv: ['cat', '/etc/passwd'],
        threads: [102],
        exitCode: 3,
        signal: undefined,
      },
      {
        pid: 103,
        ppid: 100,
        exe: '/bin/sh',
        argv: ['sh', '-c', 'attack'],
        threads: [],
        exitCode: undefined,
        signal: 'SIGKILL',
      },
    ]);
    const cat = processes[1];
    expect(cat?.execs.map((exec) => [exec.exe, exec.ok, exec.error])).toEqual([
      ['/nope', false, 'ENOENT'],
      ['/bin/cat', true, undefined],
    ]);
    expect(processes[0]).toMatchObject({ uid: 1000, euid: 1000, cwd: '/srv' });
    expect(processes[1]).toMatchObject({ uid: 1000, cwd: '/srv', start: '2026-11-22T10:00:00.100000000Z' });
  });

  it('given an instant, then only the processes alive then are listed, as they were then, with their ancestors', () => {
    const engine = replay(SESSION);
    // Between the failed exec and the successful one, 101 still runs the shell's image.
    const early = engine.processesAt({ iso: '2026-11-22T10:00:00.250Z' });
    expect(early.map((process) => [process.pid, process.exe, process.alive])).toEqual([
      [100, '/bin/sh', true],
      [101, '/bin/sh', true],
    ]);
    const late = engine.processesAt({ iso: '2026-11-22T10:00:00.850Z' });
    expect(late.map((process) => [process.pid, process.alive])).toEqual([
      [100, true],
      [103, true],
    ]);
    expect(() => engine.processesAt({ iso: 'soon' })).toThrow(/not a time/);
  });

  it('given a trace where the child process is reported before its clone returns, then it is still the child of the cloner', () => {
    const engine = replay(`
7667  clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>
7669  getpid() = 7669
7667  <... clone resumed>, child_tidptr=0x7) = 7669
7669  +++ exited with 0 +++
`);
    expect(engine.allProcesses().map((process) => [process.pid, process.ppid, process.origin])).toEqual([
      [7667, null, 'first-seen'],
      [7669, 7667, 'clone'],
    ]);
  });

  it("given a container traced from the host (strace --decode-pids=pidns), then clone's result names the child's host pid", () => {
    const engine = replay(`
7541  clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x1f496690) = 8 /* 7584 in strace's PID NS */
7584  execve("/bin/cat", ["cat", "/etc/passwd"], 0x1f4988c8 /* 5 vars */) = 0
7584  +++ exited with 0 +++
7541  wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 8 /* 7584 in strace's PID NS */
7541  kill(8 /* 7584 in strace's PID NS */, SIGTERM) = -1 ESRCH (No such process)
`);
    expect(engine.allProcesses().map((process) => [process.pid, process.ppid, process.argv.join(' ')])).toEqual([
      [7541, null, ''],
      [7584, 7541, 'cat /etc/passwd'],
    ]);
    expect(engine.signalEvents().map((signal) => [signal.pid, signal.peer, signal.direction])).toEqual([
      [7541, 7584, 'sent'],
    ]);
  });
});

const FDS = `
1  10:00:00.000000 chdir("/srv") = 0
1  10:00:00.010000 openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
1  10:00:00.020000 openat(AT_FDCWD, "log", O_WRONLY|O_CREAT|O_APPEND, 0644) = 4
1  10:00:00.030000 dup2(4, 1) = 1
1  10:00:00.040000 pipe2([5, 6], 0) = 0
1  10:00:00.050000 fcntl(6, F_SETFD, FD_CLOEXEC) = 0
1  10:00:00.060000 clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x1) = 2
2  10:00:00.070000 close(5) = 0
2  10:00:00.080000 execve("/bin/x", ["x"], 0x1 /* 1 var */) = 0
1  10:00:00.090000 clone(child_stack=0x1, flags=CLONE_VM|CLONE_FILES|SIGCHLD) = 7
7  10:00:00.100000 close(4) = 0
7  10:00:00.110000 dup3(3, 9, O_CLOEXEC) = 9
1  10:00:00.120000 close(9) = 0
`;

describe('fd tables', () => {
  it('given opens, dup2, pipes, CLOEXEC, fork and exec, then each process sees exactly its fds at each instant', () => {
    const engine = replay(FDS);
    const at = (iso: string): number => engine.seqOf({ iso });
    expect(fdsOf(engine, at('2026-11-22T10:00:00.065Z'), 2)).toEqual([
      '0:unknown:-:session',
      '1:file:/srv/log',
      '2:unknown:-:session',
      '3:file:/etc/passwd:cloexec',
      '4:file:/srv/log',
      '5:pipe:-',
      '6:pipe:-:cloexec',
    ]);
    // After its exec, the child lost the close-on-exec fds and the pipe end it closed.
    expect(fdsOf(engine, at('2026-11-22T10:00:00.085Z'), 2)).toEqual([
      '0:unknown:-:session',
      '1:file:/srv/log',
      '2:unknown:-:session',
      '4:file:/srv/log',
    ]);
    // The parent kept everything.
    expect(fdsOf(engine, at('2026-11-22T10:00:00.085Z'), 1)).toHaveLength(7);
    // CLONE_FILES: the child's close and dup3 act on the parent's table, and the parent's close on the child's.
    expect(fdsOf(engine, at('2026-11-22T10:00:00.115Z'), 1)).toContain('9:file:/etc/passwd:cloexec');
    expect(fdsOf(engine, at('2026-11-22T10:00:00.115Z'), 1)).not.toContain('4:file:/srv/log');
    expect(fdsOf(engine, at('2026-11-22T10:00:00.125Z'), 7)).not.toContain('9:file:/etc/passwd:cloexec');
  });

  it('given a long trace and tiny checkpoint intervals, then seeking anywhere gives what replaying up to there gives', () => {
    const text = readFileSync(
      new URL('../fixtures/samples/strace/generated/network.strace', import.meta.url),
      'latin1',
    );
    const all = events(text);
    const seeking = new TraceReplay({ checkpointEvery: 7 });
    for (const event of all) seeking.apply(event);
    seeking.finish();
    expect(seeking.fds.checkpointCount).toBeGreaterThan(50);
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let sample = 0; sample < 25; sample++) {
      const seq = Math.floor(random() * all.length);
      const fresh = new TraceReplay({ checkpointEvery: 1_000_000 });
      for (const event of events(text).slice(0, seq + 1)) fresh.apply(event);
      expect(seeking.openFdsAt({ seq })).toEqual(fresh.openFdsAt({ seq }));
    }
  });
});

describe('file activity and "who wrote this?"', () => {
  const CHANGES = `
1  10:00:00.000000 execve("/bin/sh", ["sh"], 0x1 /* 1 var */) = 0
1  10:00:00.010000 chdir("/srv") = 0
1  10:00:00.020000 clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x1) = 2
2  10:00:00.030000 execve("/usr/bin/python3", ["python3", "drop.py"], 0x1 /* 1 var */) = 0
2  10:00:00.040000 openat(AT_FDCWD</srv>, "payload.tmp", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 3</srv/payload.tmp>
2  10:00:00.050000 write(3</srv/payload.tmp>, "\\177ELF", 4) = 4
2  10:00:00.051000 write(3</srv/payload.tmp>, "\\0\\0", 2) = 2
2  10:00:00.060000 fchmod(3</srv/payload.tmp>, 0755) = 0
2  10:00:00.070000 close(3</srv/payload.tmp>) = 0
2  10:00:00.080000 renameat2(AT_FDCWD, "payload.tmp", AT_FDCWD, "/usr/local/bin/kworker", RENAME_NOREPLACE) = 0
2  10:00:00.090000 fchownat(AT_FDCWD, "/usr/local/bin/kworker", 0, 0, 0) = 0
2  10:00:00.100000 mkdirat(3</srv/d>, "sub", 0700) = -1 EEXIST (File exists)
2  10:00:00.110000 unlinkat(AT_FDCWD, "d", AT_REMOVEDIR) = 0
2  10:00:00.120000 openat(AT_FDCWD, "/etc/shadow", O_RDONLY) = -1 EACCES (Permission denied)
2  10:00:00.130000 utimensat(AT_FDCWD, "/usr/local/bin/kworker", [{tv_sec=0, tv_nsec=0}, {tv_sec=0, tv_nsec=0}], 0) = 0
`;

  it('given writes, renames, chmods and failures, then each is a file event with its resolved path and result', () => {
    const files = replay(CHANGES).fileActivity();
    expect(
      files.map((file) => [file.op, file.path, file.result, file.newPath ?? null, file.bytesWritten ?? null]),
    ).toEqual([
      ['exec', '/bin/sh', 'ok', null, null],
      ['exec', '/usr/bin/python3', 'ok', null, null],
      ['write', '/srv/payload.tmp', 'ok', null, 6],
      ['chmod', '/srv/payload.tmp', 'ok', null, null],
      ['rename', '/srv/payload.tmp', 'ok', '/usr/local/bin/kworker', null],
      ['chown', '/usr/local/bin/kworker', 'ok', null, null],
      ['mkdir', '/srv/d/sub', 'EEXIST', null, null],
      ['rmdir', '/srv/d', 'ok', null, null],
      ['read', '/etc/shadow', 'EACCES', null, null],
      ['utime', '/usr/local/bin/kworker', 'ok', null, null],
    ]);
  });

  it('given a dropped binary, then "who wrote" it lists the rename, chown and touch with the ancestry of the writer', () => {
    const view = replay(CHANGES).whoWrote('/usr/local/bin/kworker');
    expect(view.events.map((event) => event.op)).toEqual(['rename', 'chown', 'utime']);
    expect(view.events[0]?.ancestry.map((process) => [process.pid, process.exe])).toEqual([
      [2, '/usr/bin/python3'],
      [1, '/bin/sh'],
    ]);
    const before = replay(CHANGES).whoWrote('/srv/payload.tmp');
    expect(before.events.map((event) => event.op)).toEqual(['write', 'chmod', 'rename']);
    expect(before.events[1]?.mode).toBe('0755');
  });
});

describe('network', () => {
  it('given a non-blocking connect refused later, a UDP send and an accepted connection, then each has address, port and result', () => {
    const engine = replay(`
5  10:00:00.000000 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 3
5  10:00:00.010000 connect(3, {sa_family=AF_INET, sin_port=htons(4444), sin_addr=inet_addr("203.0.113.9")}, 16) = -1 EINPROGRESS (Operation now in progress)
5  10:00:00.020000 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
5  10:00:00.030000 socket(AF_INET6, SOCK_DGRAM, IPPROTO_IP) = 4
5  10:00:00.040000 sendto(4, "q", 1, 0, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = 1
5  10:00:00.041000 sendto(4, "qq", 2, 0, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = 2
5  10:00:00.050000 accept4(7<TCP:[0.0.0.0:22]>, {sa_family=AF_INET, sin_port=htons(50000), sin_addr=inet_addr("198.51.100.7")}, [16], SOCK_CLOEXEC) = 8<TCP:[10.0.0.2:22->198.51.100.7:50000]>
5  10:00:00.060000 write(8<TCP:[10.0.0.2:22->198.51.100.7:50000]>, "SSH-2.0", 7) = 7
`);
    expect(
      engine.connections().map((entry) => [entry.op, entry.address, entry.port, entry.result, entry.bytesSent ?? 0]),
    ).toEqual([
      ['socket', null, null, 'ok', 0],
      ['connect', '203.0.113.9', 4444, 'ECONNREFUSED', 0],
      ['socket', null, null, 'ok', 0],
      ['sendto', '2001:db8::1', 53, 'ok', 3],
      ['accept', '198.51.100.7', 50000, 'ok', 7],
    ]);
    const sockets = engine.stateAt({ iso: '2026-11-22T10:00:00.055Z' }).sockets;
    expect(sockets.find((socket) => socket.fd === 8)?.socket).toEqual({
      family: 'AF_INET',
      protocol: 'TCP',
      local: '10.0.0.2:22',
      remote: '198.51.100.7:50000',
    });
  });
});

describe('terminal output', () => {
  it("given writes to the session's stdout, a pts and /dev/null, then only what reached a terminal is kept", () => {
    const engine = replay(`
1  10:00:00.000000 write(1, "$ ", 2) = 2
1  10:00:00.010000 read(0, "id\\n", 1024) = 3
1  10:00:00.020000 clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x1) = 2
2  10:00:00.030000 write(1, "uid=0(root)\\n", 12) = 12
2  10:00:00.040000 openat(AT_FDCWD, "/dev/null", O_WRONLY) = 3</dev/null<char 1:3>>
2  10:00:00.050000 dup2(3, 1) = 1
2  10:00:00.060000 write(1, "hidden", 6) = 6
2  10:00:00.070000 openat(AT_FDCWD, "/dev/pts/4", O_RDWR) = 5</dev/pts/4<char 136:4>>
2  10:00:00.080000 write(5</dev/pts/4<char 136:4>>, "\\33[31mred\\33[0m", 12) = 12
3  10:00:00.090000 write(2</dev/null<char 1:3>>, "quiet", 5) = 5
`);
    expect(engine.ttyChunks().map((chunk) => [chunk.pid, chunk.fd, chunk.direction, chunk.text])).toEqual([
      [1, 1, 'out', '$ '],
      [1, 0, 'in', 'id\n'],
      [2, 1, 'out', 'uid=0(root)\n'],
      [2, 5, 'out', '\u001b[31mred\u001b[0m'],
    ]);
  });

  it('given a write cut by strace -s, then the chunk says so', () => {
    const engine = replay('1  10:00:00.000000 write(1, "abc"..., 4096) = 4096\n');
    expect(engine.ttyChunks()[0]).toMatchObject({ text: 'abc', truncated: true });
  });
});

describe('views for the UI contract', () => {
  it('given a replayed session, then every view it answers validates against its schema', () => {
    const text = readFileSync(
      new URL('../fixtures/samples/strace/generated/network.strace', import.meta.url),
      'latin1',
    );
    const engine = new TraceReplay();
    for (const event of events(text)) engine.apply(event);
    engine.finish();
    for (const process of engine.allProcesses()) ProcessView.parse(process);
    for (const file of engine.fileActivity()) FileActivityView.parse(file);
    for (const entry of engine.connections()) NetworkActivityView.parse(entry);
    for (const chunk of replay(SESSION).ttyChunks()) TtyChunkView.parse(chunk);
    const state = ReplayStateView.parse(engine.stateAt({ iso: '2026-11-22T22:08:27.987Z' }));
    expect(state.sockets.map((socket) => socket.socket?.remote)).toContain('127.0.0.1:41910');
    WhoWroteView.parse(engine.whoWrote('/dev/null'));
  });
});
