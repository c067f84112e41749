// strace on this host, attached to a local container's processes (found through its cgroup, not the engine's word).
import { execFile, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TracerProbe } from '../common/trace-capture.js';
import { eachLine } from './async-plumbing.js';
import { cgroupMembers, HOST_ROOTS, inContainerCgroup, type ProcRoots } from './container-pids.js';
import { runAttachLoop, type LaunchedStrace, type ListedProcess, type StraceLauncher } from './strace-attach-loop.js';
import type { RunningTrace, TraceTarget, Tracer } from './tracer.js';

const run = promisify(execFile);

/**
 * -f follows children; -ttt gives epoch stamps (no date guessing); -yy names files and socket endpoints behind fds;
 * -s 4096 keeps what reached the terminal; --decode-pids=pidns adds the host pid to pids the tracee sees in its own
 * namespace (clone's result), so the tree links up with the host pids strace prints in front of each line.
 */
export const STRACE_ARGS = ['-f', '-ttt', '-yy', '-s', '4096', '--decode-pids=pidns'] as const;

async function tracerPid(roots: ProcRoots, pid: number): Promise<number | undefined> {
  const status = await readFile(`${roots.procRoot}/${pid}/status`, 'utf8').catch(() => undefined);
  const match = status === undefined ? null : /^TracerPid:\s*(\d+)$/m.exec(status);
  return match === null ? undefined : Number(match[1]);
}

/**
 * One strace child process. The trace goes to a private FIFO and strace's own messages to stderr: on one stream
 * they would split trace lines mid-way, and strace drops the pid column whenever a single process is left unless
 * it writes to a file. (A FIFO, because Node's stdio pipes are sockets, which strace cannot reopen by path.)
 */
export async function spawnStrace(
  binary: string,
  args: readonly string[],
  onDiagnostic: (line: string) => void,
): Promise<LaunchedStrace> {
  const dir = await mkdtemp(path.join(tmpdir(), 'holdcell-strace-'));
  const fifo = path.join(dir, 'trace');
  await run('mkfifo', ['-m', '600', fifo]);
  const fullArgs = ['-o', fifo, ...args];
  const child = spawn(binary, fullArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  // Opening a FIFO for reading waits for its writer: if strace dies before opening it, open it ourselves so the
  // reader sees an empty, ended stream instead of waiting forever.
  let opened = false;
  const output = createReadStream(fifo).once('open', () => (opened = true));
  output.once('close', () => void rm(dir, { recursive: true, force: true }));
  const diagnostics =
    child.stderr === null ? Promise.resolve() : eachLine(child.stderr, (line) => line !== '' && onDiagnostic(line));
  const exited = new Promise<number | null>((resolve) => {
    const finish = (code: number | null): void => {
      if (!opened)
        void open(fifo, 'w').then(
          (handle) => handle.close(),
          () => undefined,
        );
      resolve(code);
    };
    child.once('error', () => finish(127));
    child.once('close', (code) => void diagnostics.then(() => finish(code)));
  });
  return {
    command: [binary, ...fullArgs],
    output,
    interrupt: () => child.kill('SIGINT'),
    kill: () => child.kill('SIGKILL'),
    exited,
  };
}

export class HostStraceTracer implements Tracer {
  readonly kind = 'strace' as const;
  private readonly binary: string;
  private readonly roots: ProcRoots;

  constructor(options: { binary?: string; roots?: ProcRoots } = {}) {
    this.binary = options.binary ?? 'strace';
    this.roots = options.roots ?? HOST_ROOTS;
  }

  async probe(target: TraceTarget): Promise<TracerProbe[]> {
    const probes: TracerProbe[] = [];
    const version = await run(this.binary, ['-V'], { timeout: 5000 }).then(
      ({ stdout }) => stdout.split('\n')[0] ?? '',
      (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : `strace -V failed: ${error.message}`),
    );
    probes.push({
      tool: 'strace',
      usable: version !== undefined && !version.startsWith('strace -V failed'),
      detail: version ?? `not installed (no ${this.binary} on PATH; Debian: apt-get install strace)`,
    });
    const scope = await readFile(`${this.roots.procRoot}/sys/kernel/yama/ptrace_scope`, 'utf8').catch(() => undefined);
    const isRoot = process.getuid?.() === 0;
    probes.push({
      tool: 'ptrace',
      usable: isRoot && scope?.trim() !== '3',
      detail: !isRoot
        ? 'HoldCell is not running as root: attaching to another user’s processes needs CAP_SYS_PTRACE'
        : scope?.trim() === '3'
          ? 'kernel.yama.ptrace_scope=3 forbids every attach'
          : `root${scope === undefined ? '' : `, yama ptrace_scope=${scope.trim()}`}`,
    });
    const visible = target.initPid > 0 && (await inContainerCgroup(this.roots, target.initPid, target.containerId));
    probes.push({
      tool: 'container processes',
      usable: visible,
      detail: visible
        ? `init pid ${target.initPid} in the container's cgroup on this host`
        : target.initPid > 0
          ? `pid ${target.initPid} is not this host's (the engine runs in a VM or another PID namespace)`
          : 'the container is not running',
    });
    return probes;
  }

  command(target: TraceTarget): string[] {
    return [this.binary, '-o', '<private fifo>', ...STRACE_ARGS, '-p', String(target.initPid)];
  }

  async start(target: TraceTarget, signal: AbortSignal): Promise<RunningTrace> {
    const launcher: StraceLauncher = {
      list: async () => {
        const members = await cgroupMembers(this.roots, target.initPid, target.containerId);
        const listed: ListedProcess[] = [];
        for (const pid of members) {
          const tracer = await tracerPid(this.roots, pid);
          if (tracer !== undefined) listed.push({ pid, tracerPid: tracer });
        }
        return listed;
      },
      launch: async (pids, onDiagnostic) =>
        spawnStrace(this.binary, [...STRACE_ARGS, ...pids.flatMap((pid) => ['-p', String(pid)])], onDiagnostic),
    };
    return runAttachLoop(launcher, signal);
  }
}
