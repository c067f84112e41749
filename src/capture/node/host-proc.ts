// Reads a local container's processes from this host's /proc: links, command lines, status, open files, connections.
//
// Safety rules, because everything here is the suspect's: links (exe, cwd, root, fd/*) are read with readlink only,
// never opened or followed; environ is not read unless configured (it holds secrets); each failure is recorded with
// its errno and never stops the rest; bytes that are not UTF-8 are kept as base64 instead of being mangled.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { endianness } from 'node:os';
import { cgroupMembers, type ProcRoots } from './container-pids.js';
import {
  cgroupNamesContainer,
  parseInetTable,
  parseProcStatus,
  parseUnixTable,
  socketInode,
  type InetSocket,
  type UnixSocket,
} from '../common/isolation-procnet.js';

export const HOST_PROC_FORMAT = 'holdcell-host-proc/1';

/** A byte string from the suspect: text when it is valid UTF-8, else its exact bytes in base64. */
export type ProcBytes = string | { base64: string };
/** Why one entry could not be read: the errno code (ENOENT when the process exited meanwhile, EACCES, …). */
export interface ProcError {
  error: string;
}

export interface ProcFd {
  fd: number;
  target: ProcBytes | ProcError;
  socketInode?: number;
}

export interface ProcProcess {
  pid: number;
  /** Where the PID came from: "engine-top", "state-pid", "cgroup.procs". */
  sources: string[];
  status: Record<string, string> | ProcError;
  cmdline: ProcBytes[] | ProcError;
  exe: ProcBytes | ProcError;
  cwd: ProcBytes | ProcError;
  root: ProcBytes | ProcError;
  netns: string | ProcError;
  fds: ProcFd[] | ProcError;
  /** Open files left out beyond the per-process cap. */
  fdsOmitted?: number;
  environ?: ProcBytes[] | ProcError;
}

export interface SocketOwner {
  pid: number;
  fd: number;
}

export interface NetTable<S> {
  sockets: (S & { owners: SocketOwner[] })[];
  /** The kernel's table exactly as read: the parse above is a convenience a forged socket path could mislead. */
  raw: ProcBytes;
}

export interface NetNamespace {
  netns: string;
  /** The process whose /proc/<pid>/net was read for this namespace. */
  readVia: number;
  tcp: NetTable<InetSocket> | ProcError;
  tcp6: NetTable<InetSocket> | ProcError;
  udp: NetTable<InetSocket> | ProcError;
  udp6: NetTable<InetSocket> | ProcError;
  unix: NetTable<UnixSocket> | ProcError;
}

export interface HostProcDocument {
  format: typeof HOST_PROC_FORMAT;
  containerId: string;
  procRoot: string;
  environ: 'collected' | 'not-collected';
  processes: ProcProcess[];
  /** PIDs offered (by the engine) that this host's /proc does not place in the container's cgroup: never read. */
  unverified: { pid: number; sources: string[]; reason: string }[];
  networkNamespaces: NetNamespace[];
  /** Processes left out beyond the cap. */
  processesOmitted?: number;
}

export interface HostProcRequest {
  containerId: string;
  /** Candidate PIDs with where each came from; each is checked against the container's cgroup before it is read. */
  pids: readonly { pid: number; source: string }[];
}

export interface HostProcReader {
  collect(request: HostProcRequest, signal?: AbortSignal): Promise<HostProcDocument>;
}

export interface LocalProcOptions {
  procRoot?: string;
  cgroupRoot?: string;
  /** Read /proc/<pid>/environ too. Off by default: environments carry credentials the case would then spread. */
  includeEnviron?: boolean;
  maxProcesses?: number;
  maxFdsPerProcess?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function bytesOf(buffer: Buffer): ProcBytes {
  try {
    return utf8.decode(buffer);
  } catch {
    return { base64: buffer.toString('base64') };
  }
}

function errorOf(error: unknown): ProcError {
  const code = (error as { code?: unknown }).code;
  return { error: typeof code === 'string' ? code : error instanceof Error ? error.message : String(error) };
}

async function attempt<T>(read: () => Promise<T>): Promise<T | ProcError> {
  try {
    return await read();
  } catch (error) {
    return errorOf(error);
  }
}

const isError = (value: unknown): value is ProcError =>
  typeof value === 'object' && value !== null && 'error' in value && Object.keys(value).length === 1;

function splitNul(buffer: Buffer): ProcBytes[] {
  const parts: ProcBytes[] = [];
  let start = 0;
  for (let index = 0; index < buffer.length; index += 1) {
    if (buffer[index] === 0) {
      parts.push(bytesOf(buffer.subarray(start, index)));
      start = index + 1;
    }
  }
  if (start < buffer.length) parts.push(bytesOf(buffer.subarray(start)));
  return parts;
}

export class LocalProcReader implements HostProcReader {
  private readonly procRoot: string;
  private readonly cgroupRoot: string;
  private readonly includeEnviron: boolean;
  private readonly maxProcesses: number;
  private readonly maxFds: number;
  private readonly littleEndian = endianness() === 'LE';
  private readonly roots: ProcRoots;

  constructor(options: LocalProcOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.cgroupRoot = options.cgroupRoot ?? '/sys/fs/cgroup';
    this.includeEnviron = options.includeEnviron ?? false;
    this.maxProcesses = options.maxProcesses ?? 4096;
    this.maxFds = options.maxFdsPerProcess ?? 4096;
    this.roots = { procRoot: this.procRoot, cgroupRoot: this.cgroupRoot };
  }

  async collect(request: HostProcRequest, signal?: AbortSignal): Promise<HostProcDocument> {
    const { containerId } = request;
    const sources = new Map<number, Set<string>>();
    const offer = (pid: number, source: string): void => {
      if (!Number.isInteger(pid) || pid <= 0) return;
      const known = sources.get(pid) ?? new Set<string>();
      known.add(source);
      sources.set(pid, known);
    };
    for (const { pid, source } of request.pids) offer(pid, source);

    // A PID from the engine is only a claim: the engine may live in another PID namespace (a VM, another
    // container), or the process may have exited and its number been reused. The cgroup file settles it.
    const membership = new Map<number, string | undefined>();
    const check = async (pid: number): Promise<void> => {
      if (membership.has(pid)) return;
      const cgroup = await attempt(() => readFile(`${this.procRoot}/${pid}/cgroup`, 'utf8'));
      membership.set(
        pid,
        isError(cgroup)
          ? `cannot read /proc/${pid}/cgroup (${cgroup.error})`
          : cgroupNamesContainer(cgroup, containerId)
            ? undefined
            : "not in the container's cgroup here (another PID namespace, or the PID was reused)",
      );
    };
    for (const pid of sources.keys()) await check(pid);

    // Processes started after the engine listed them are still in the container's cgroup: read its member list.
    const anchor = [...membership].find(([, reason]) => reason === undefined)?.[0];
    if (anchor !== undefined) {
      for (const pid of await cgroupMembers(this.roots, anchor, containerId)) {
        offer(pid, 'cgroup.procs');
        await check(pid);
      }
    }

    const verified = [...membership]
      .filter(([, reason]) => reason === undefined)
      .map(([pid]) => pid)
      .sort((a, b) => a - b);
    const unverified = [...membership]
      .filter((entry): entry is [number, string] => entry[1] !== undefined)
      .map(([pid, reason]) => ({ pid, sources: [...(sources.get(pid) ?? [])].sort(), reason }))
      .sort((a, b) => a.pid - b.pid);

    const processes: ProcProcess[] = [];
    for (const pid of verified.slice(0, this.maxProcesses)) {
      signal?.throwIfAborted();
      processes.push(await this.readProcess(pid, [...(sources.get(pid) ?? [])].sort()));
    }
    const networkNamespaces = await this.readNamespaces(processes, signal);
    const document: HostProcDocument = {
      format: HOST_PROC_FORMAT,
      containerId,
      procRoot: this.procRoot,
      environ: this.includeEnviron ? 'collected' : 'not-collected',
      processes,
      unverified,
      networkNamespaces,
    };
    if (verified.length > this.maxProcesses) document.processesOmitted = verified.length - this.maxProcesses;
    return document;
  }

  /** PIDs in cgroup.procs of the cgroup(s) /proc/<anchor>/cgroup names, when that cgroup is the container's. */

  private async readProcess(pid: number, sources: string[]): Promise<ProcProcess> {
    const base = `${this.procRoot}/${pid}`;
    const link = (name: string) =>
      attempt(async () => bytesOf(await readlink(`${base}/${name}`, { encoding: 'buffer' })));
    const entry: ProcProcess = {
      pid,
      sources,
      status: await attempt(async () => parseProcStatus(await readFile(`${base}/status`, 'utf8'))),
      cmdline: await attempt(async () => splitNul(await readFile(`${base}/cmdline`))),
      exe: await link('exe'),
      cwd: await link('cwd'),
      root: await link('root'),
      netns: await attempt(async () => (await readlink(`${base}/ns/net`)).toString()),
      fds: [],
    };
    const names = await attempt(() => readdir(`${base}/fd`));
    if (isError(names)) {
      entry.fds = names;
    } else {
      const numbers = names
        .filter((name) => /^\d+$/.test(name))
        .map((name) => Number.parseInt(name, 10))
        .sort((a, b) => a - b);
      const fds: ProcFd[] = [];
      for (const fd of numbers.slice(0, this.maxFds)) {
        const target = await link(`fd/${fd}`);
        const inode = typeof target === 'string' ? socketInode(target) : undefined;
        fds.push(inode === undefined ? { fd, target } : { fd, target, socketInode: inode });
      }
      entry.fds = fds;
      if (numbers.length > this.maxFds) entry.fdsOmitted = numbers.length - this.maxFds;
    }
    if (this.includeEnviron) entry.environ = await attempt(async () => splitNul(await readFile(`${base}/environ`)));
    return entry;
  }

  /** Each network namespace once (the container's processes normally share one), through its lowest PID. */
  private async readNamespaces(processes: readonly ProcProcess[], signal?: AbortSignal): Promise<NetNamespace[]> {
    const owners = new Map<number, SocketOwner[]>();
    const via = new Map<string, number>();
    for (const entry of processes) {
      if (typeof entry.netns === 'string' && !via.has(entry.netns)) via.set(entry.netns, entry.pid);
      if (isError(entry.fds)) continue;
      for (const { fd, socketInode: inode } of entry.fds) {
        if (inode === undefined) continue;
        owners.set(inode, [...(owners.get(inode) ?? []), { pid: entry.pid, fd }]);
      }
    }
    const withOwners = <S extends { inode: number }>(sockets: S[]) =>
      sockets.map((socket) => ({ ...socket, owners: owners.get(socket.inode) ?? [] }));
    const namespaces: NetNamespace[] = [];
    for (const [netns, pid] of [...via].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      signal?.throwIfAborted();
      const table = async <S extends { inode: number }>(name: string, parse: (text: string) => S[]) =>
        attempt(async (): Promise<NetTable<S>> => {
          const raw = await readFile(`${this.procRoot}/${pid}/net/${name}`);
          return { sockets: withOwners(parse(raw.toString('utf8'))), raw: bytesOf(raw) };
        });
      namespaces.push({
        netns,
        readVia: pid,
        tcp: await table('tcp', (text) => parseInetTable(text, 'tcp', this.littleEndian)),
        tcp6: await table('tcp6', (text) => parseInetTable(text, 'tcp', this.littleEndian)),
        udp: await table('udp', (text) => parseInetTable(text, 'udp', this.littleEndian)),
        udp6: await table('udp6', (text) => parseInetTable(text, 'udp', this.littleEndian)),
        unix: await table('unix', parseUnixTable),
      });
    }
    return namespaces;
  }
}
