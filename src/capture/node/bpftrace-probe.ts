// What bpftrace needs on this host, checked one by one: the tool, root, BTF, tracefs, syscall tracepoints, the target.
//
// Each check is a TracerProbe the responder sees with the capture plan, so "bpftrace cannot run" always says
// which piece is missing. Checks read the host only; the one that changes it (mounting tracefs) runs at start.
import { execFile } from 'node:child_process';
import { access, constants, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TracerProbe } from '../common/trace-capture.js';
import { HOST_ROOTS, inContainerCgroup } from './container-pids.js';

const run = promisify(execFile);

/** Where tracefs lives: its own mount point, or under debugfs on older setups. */
export const TRACEFS_DIRS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'] as const;
const BTF = '/sys/kernel/btf/vmlinux';

/** The bpftrace binary: an absolute path as given, else the first executable one on PATH. */
export async function findBinary(name: string): Promise<string | undefined> {
  if (name.includes('/'))
    return (await access(name, constants.X_OK).then(
      () => true,
      () => false,
    ))
      ? name
      : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}

/** The tracefs directory that is mounted and shows syscall tracepoints, if any. */
export async function mountedTracefs(): Promise<string | undefined> {
  for (const dir of TRACEFS_DIRS) {
    const events = await stat(path.join(dir, 'events', 'syscalls')).catch(() => undefined);
    if (events?.isDirectory() === true) return dir;
  }
  return undefined;
}

/** Mounts tracefs at /sys/kernel/tracing when no tracefs is mounted; returns where it is, or why it is not. */
export async function ensureTracefs(): Promise<{ dir: string } | { error: string }> {
  const mounted = await mountedTracefs();
  if (mounted !== undefined) return { dir: mounted };
  const target = TRACEFS_DIRS[0];
  try {
    await run('mount', ['-t', 'tracefs', 'nodev', target], { timeout: 10_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    return { error: `mount -t tracefs nodev ${target} failed: ${stderr || (error as Error).message}` };
  }
  const now = await mountedTracefs();
  return now === undefined ? { error: `tracefs mounted at ${target} but shows no syscall tracepoints` } : { dir: now };
}

/** `pid:[4026532255]` → 4026532255: the inode naming a process's PID namespace (undefined when unreadable). */
export async function pidNamespaceOf(pid: number, procRoot = '/proc'): Promise<number | undefined> {
  const link = await readlink(`${procRoot}/${pid}/ns/pid`).catch(() => undefined);
  const match = link === undefined ? null : /^pid:\[(\d+)\]$/.exec(link);
  return match === null ? undefined : Number(match[1]);
}

/** Effective capabilities of this process (from /proc/self/status). */
async function effectiveCapabilities(): Promise<bigint | undefined> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => undefined);
  const match = status === undefined ? null : /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return match === null ? undefined : BigInt(`0x${match[1]}`);
}

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

async function privileges(): Promise<TracerProbe> {
  const isRoot = process.getuid?.() === 0;
  const caps = await effectiveCapabilities();
  const has = (cap: bigint): boolean => caps !== undefined && ((caps >> cap) & 1n) === 1n;
  const capable = has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON));
  return {
    tool: 'root',
    usable: isRoot && capable,
    detail: !isRoot
      ? 'HoldCell is not running as root: loading BPF programs needs root'
      : capable
        ? 'root with CAP_SYS_ADMIN (or CAP_BPF + CAP_PERFMON)'
        : 'root, but without CAP_SYS_ADMIN or CAP_BPF + CAP_PERFMON (a restricted container?)',
  };
}

async function tracefs(): Promise<TracerProbe> {
  const mounted = await mountedTracefs();
  if (mounted !== undefined) return { tool: 'tracefs', usable: true, detail: `mounted at ${mounted}` };
  const filesystems = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  const known = /\ttracefs$/m.test(filesystems);
  const mountPoint = await stat(TRACEFS_DIRS[0]).catch(() => undefined);
  const mountable = known && mountPoint?.isDirectory() === true && process.getuid?.() === 0;
  return {
    tool: 'tracefs',
    usable: mountable,
    detail: mountable
      ? `not mounted; mountable at ${TRACEFS_DIRS[0]} (mounted when the capture starts)`
      : known
        ? `not mounted and not mountable here (needs root and ${TRACEFS_DIRS[0]})`
        : 'this kernel has no tracefs',
  };
}

async function syscallTracepoints(): Promise<TracerProbe> {
  const dir = await mountedTracefs();
  if (dir === undefined) {
    return { tool: 'syscall tracepoints', usable: true, detail: 'checked once tracefs is mounted' };
  }
  const present = await stat(path.join(dir, 'events', 'syscalls', 'sys_enter_openat')).then(
    () => true,
    () => false,
  );
  return {
    tool: 'syscall tracepoints',
    usable: present,
    detail: present
      ? `${dir}/events/syscalls`
      : 'the kernel has no syscall tracepoints (built without CONFIG_FTRACE_SYSCALLS)',
  };
}

/** Every check bpftrace needs for this target; never throws. */
export async function probeBpftrace(
  binary: string,
  target: { containerId: string; initPid: number },
): Promise<TracerProbe[]> {
  const found = await findBinary(binary);
  let version: string | undefined;
  if (found !== undefined) {
    version = await run(found, ['--version'], { timeout: 10_000 }).then(
      ({ stdout }) => stdout.trim(),
      (error: Error) => `${found} --version failed: ${error.message}`,
    );
  }
  const probes: TracerProbe[] = [
    {
      tool: 'bpftrace',
      usable: found !== undefined && version !== undefined && !version.includes('failed'),
      detail:
        found === undefined
          ? `not installed (no ${binary} on PATH; Debian: apt-get install bpftrace)`
          : `${found}: ${version ?? ''}`,
    },
    await privileges(),
  ];
  const btf = await stat(BTF).then(
    () => true,
    () => false,
  );
  probes.push({
    tool: 'BTF',
    usable: btf,
    detail: btf ? BTF : `${BTF} is missing: the program reads task fields by their kernel type`,
  });
  probes.push(await tracefs(), await syscallTracepoints());
  const namespace = target.initPid > 0 ? await pidNamespaceOf(target.initPid) : undefined;
  const inCgroup = target.initPid > 0 && (await inContainerCgroup(HOST_ROOTS, target.initPid, target.containerId));
  probes.push({
    tool: 'pid namespace',
    usable: namespace !== undefined && inCgroup,
    detail:
      target.initPid <= 0
        ? 'the container is not running'
        : !inCgroup
          ? `pid ${target.initPid} is not this host's container process (the engine runs in a VM or another PID namespace)`
          : namespace === undefined
            ? `/proc/${target.initPid}/ns/pid is unreadable`
            : `pid:[${namespace}] (from /proc/${target.initPid}/ns/pid)`,
  });
  return probes;
}
