// Replay's state and the operations every source (strace, Tetragon, Falco) uses to change it.
//
// Processes: a task id maps to its process (threads share one record); a process appears when its creator's
// clone returns, or when its first line shows up with no creator in the trace ("first-seen": a root of the
// trace). Root processes start with fds 0, 1 and 2 as the session's terminal (see isTerminal).
import { FdStore, type FdEntry, type FdKind, type SocketInfo, type ByteCounter } from './replay-fds.js';
import type {
  AlertRecord,
  FileRecord,
  NetworkRecord,
  ProcessRecord,
  SignalRecord,
  Stamp,
  TtyRecord,
} from './replay-records.js';
import type { FdNote } from './trace-event.js';
import type { FdValue } from './strace-scan.js';
import { resolveAgainst } from './trace-paths.js';
import { TimeIndex } from './replay-time-index.js';

/** An open's flags, read once per distinct flags text. */
export interface OpenFlags {
  text: string;
  list: string[];
  access: 'read' | 'write' | 'readwrite';
  create: boolean;
  cloexec: boolean;
}

/** A process the host saw running in the container when the tracer attached (its /proc, read at capture start). */
export interface RunningAtAttach {
  exe: string | null;
  argv: string[];
  cwd: string | null;
  uid: number | null;
}

export interface ReplayOptions {
  /** Minimum ops between fd-table checkpoints (default 4096). */
  checkpointEvery?: number;
  /**
   * By pid: what was already running when the capture attached. A tracer attached to a running process never sees
   * its exec, so without this the suspect's own main process would show no command at all.
   */
  runningAtAttach?: ReadonlyMap<number, RunningAtAttach>;
}

const AT_FDCWD = -100;

/** A stamp for the event being applied (records copy it so they stay valid after the event object is reused). */
export interface Current {
  seq: number;
  sec: number;
  nsec: number;
}

/** Devices that are terminals: pts (136–143), ttys (4), /dev/tty and the console (5:0, 5:1). */
function isTerminalNote(note: FdNote): boolean {
  if (note.kind !== 'path') return false;
  const device = note.device;
  if (device !== undefined && device.startsWith('char ')) {
    const colon = device.indexOf(':');
    const major = Number(device.slice(5, colon));
    const minor = Number(device.slice(colon + 1));
    return (major >= 136 && major <= 143) || major === 4 || (major === 5 && minor <= 1);
  }
  const path = note.path ?? '';
  if (!path.startsWith('/dev/')) return false;
  return path.startsWith('/dev/pts/') || path === '/dev/console' || /^\/dev\/tty\d*$/.test(path);
}

/** What kind of fd an annotation describes. */
export function kindOfNote(note: FdNote): FdKind {
  if (note.kind === 'socket') return 'socket';
  if (note.kind === 'pipe') return 'pipe';
  if (note.kind === 'anon') return 'anon';
  if (note.kind === 'path') return isTerminalNote(note) ? 'tty' : 'file';
  return 'other';
}

export function socketOfNote(note: FdNote): SocketInfo | null {
  if (note.kind !== 'socket') return null;
  const protocol = note.proto ?? null;
  const family =
    protocol === null
      ? null
      : protocol.startsWith('UNIX')
        ? 'AF_UNIX'
        : protocol.endsWith('v6')
          ? 'AF_INET6'
          : protocol === 'NETLINK'
            ? 'AF_NETLINK'
            : 'AF_INET';
  const local = note.local ?? (protocol?.startsWith('UNIX') === true ? (note.path ?? null) : null);
  return { family, protocol, local, remote: note.remote ?? null };
}

export class ReplayCore {
  readonly processes: ProcessRecord[] = [];
  readonly files: FileRecord[] = [];
  readonly network: NetworkRecord[] = [];
  readonly tty: TtyRecord[] = [];
  readonly signals: SignalRecord[] = [];
  readonly alerts: AlertRecord[] = [];
  readonly diagnostics: (Stamp & { text: string })[] = [];
  readonly fds: FdStore;
  readonly time = new TimeIndex();
  /** Non-blocking connects in progress, by description: getsockopt(SO_ERROR) settles their result. */
  readonly pendingConnects = new Map<number, NetworkRecord>();
  /** sendto/recvfrom records with an explicit peer, by process, socket, direction and peer. */
  readonly datagramPeers = new Map<string, NetworkRecord>();
  /** What an open's flags text means, by the text (shared by every record with the same flags). */
  readonly openFlags = new Map<string, OpenFlags>();
  /** The first terminal size the trace showed (TIOCGWINSZ/TIOCSWINSZ). */
  windowSize: { rows: number; cols: number } | null = null;

  /** Live task id → its process. */
  protected readonly tasks = new Map<number, ProcessRecord>();
  /** Latest incarnation by pid (also ended ones, for ancestry and Tetragon parents). */
  protected readonly byPid = new Map<number, ProcessRecord>();
  /** Set by every state change; apply() records the instant in the time index when it is. */
  protected changed = false;
  protected readonly now: Current = { seq: 0, sec: Number.NaN, nsec: 0 };
  private readonly strings = new Map<string, string>();
  private readonly runningAtAttach: Map<number, RunningAtAttach>;
  private lastTid = Number.NaN;
  private lastProcess: ProcessRecord | undefined;

  constructor(options: ReplayOptions = {}) {
    this.fds = new FdStore({ checkpointEvery: options.checkpointEvery });
    this.runningAtAttach = new Map(options.runningAtAttach);
  }

  /**
   * One shared copy of a string that records keep. Parsed strings are slices of the input's chunks; keeping a
   * slice would keep its whole chunk alive, so kept strings are copied once and deduplicated.
   */
  intern(text: string): string {
    // V8 copies strings this short when slicing: they never hold a chunk alive.
    if (text.length < 13) return text;
    let kept = this.strings.get(text);
    if (kept === undefined) {
      kept = ` ${text}`.slice(1);
      this.strings.set(kept, kept);
    }
    return kept;
  }

  internAll(texts: readonly string[]): string[] {
    return texts.map((text) => this.intern(text));
  }

  /**
   * Records are written as one literal (`{ seq: now.seq, …, pid }`), never `{ ...this.stamp(), pid }`: Node 20's
   * V8 adds every property after a spread at run time, 0.6–5 µs a record (bench:parsers, replay).
   */
  stamp(): Stamp {
    return { seq: this.now.seq, sec: this.now.sec, nsec: this.now.nsec };
  }

  // ----------------------------------------------------------------------------------------------------------
  // Processes

  /** The process of a task; a task never seen before becomes a root process of the trace. */
  processOf(tid: number): ProcessRecord {
    if (tid === this.lastTid && this.lastProcess !== undefined) return this.lastProcess;
    let process = this.tasks.get(tid);
    if (process === undefined) process = this.firstSeen(tid);
    this.lastTid = tid;
    this.lastProcess = process;
    return process;
  }

  /** A task's first line: a root of the trace, with its command when the host saw it running at attach. */
  private firstSeen(tid: number): ProcessRecord {
    const known = this.runningAtAttach.get(tid);
    if (known === undefined) return this.newProcess(tid, null, 'first-seen');
    // Once: a later task with the same pid (after this one exited) is someone else.
    this.runningAtAttach.delete(tid);
    const process = this.newProcess(tid, null, 'running-at-attach');
    process.exe = process.startExe = known.exe === null ? null : this.intern(known.exe);
    process.argv = process.startArgv = known.argv.map((arg) => this.intern(arg));
    process.cwd = known.cwd;
    process.uid = process.euid = known.uid;
    return process;
  }

  findLive(pid: number): ProcessRecord | undefined {
    return this.tasks.get(pid);
  }

  findLatest(pid: number): ProcessRecord | undefined {
    return this.byPid.get(pid);
  }

  /** A new process record; roots get a fresh fd table with the session's 0, 1 and 2, children a copy or share. */
  newProcess(
    pid: number,
    parent: ProcessRecord | null,
    origin: ProcessRecord['origin'],
    shareFiles = false,
  ): ProcessRecord {
    const seq = this.now.seq;
    const process: ProcessRecord = {
      id: this.processes.length,
      pid,
      ppid: parent?.pid ?? null,
      parentId: parent?.id ?? null,
      origin,
      start: this.stamp(),
      end: null,
      exitCode: null,
      signal: null,
      startExe: parent?.exe ?? null,
      startArgv: parent?.argv ?? [],
      exe: parent?.exe ?? null,
      argv: parent?.argv ?? [],
      execs: [],
      threads: [],
      uid: parent?.uid ?? null,
      euid: parent?.euid ?? null,
      gid: parent?.gid ?? null,
      egid: parent?.egid ?? null,
      credentials: [],
      cwd: parent?.cwd ?? null,
      table: 0,
      exitRequest: null,
    };
    if (parent === null) {
      process.table = this.fds.newTable(seq, process.id);
      for (let fd = 0; fd <= 2; fd++) {
        this.fds.set(seq, process.table, fd, {
          desc: this.fds.newDesc(),
          kind: 'unknown',
          path: null,
          flags: null,
          cloexec: false,
          openedSeq: -1,
          session: true,
          socket: null,
          counter: null,
        });
      }
    } else if (shareFiles) {
      process.table = parent.table;
      this.fds.bind(seq, process.id, parent.table);
    } else {
      process.table = this.fds.copyTable(seq, parent.table, process.id);
    }
    this.processes.push(process);
    this.tasks.set(pid, process);
    this.byPid.set(pid, process);
    this.changed = true;
    this.lastTid = Number.NaN;
    return process;
  }

  /** A child created by `parent` (fork/vfork/clone without CLONE_THREAD). */
  spawnChild(parent: ProcessRecord, childPid: number, shareFiles: boolean): ProcessRecord {
    const existing = this.tasks.get(childPid);
    if (existing !== undefined) {
      // Its lines came before the clone's result (held past the limit, or files concatenated): adopt it.
      if (existing.ppid === null && existing.origin === 'first-seen') {
        existing.ppid = parent.pid;
        existing.parentId = parent.id;
        existing.origin = 'clone';
        existing.startExe ??= parent.exe;
        if (existing.startArgv.length === 0) existing.startArgv = parent.argv;
        if (existing.exe === null) {
          existing.exe = parent.exe;
          existing.argv = parent.argv;
        }
        existing.cwd ??= parent.cwd;
        this.changed = true;
      }
      return existing;
    }
    return this.newProcess(childPid, parent, 'clone', shareFiles);
  }

  /** A new thread of `process` (CLONE_THREAD). */
  addThread(process: ProcessRecord, tid: number): void {
    const previous = this.tasks.get(tid);
    if (previous !== undefined && previous !== process) this.endProcess(previous, null, null);
    if (!process.threads.includes(tid)) process.threads.push(tid);
    this.tasks.set(tid, process);
    this.lastTid = Number.NaN;
    this.changed = true;
  }

  /** A task ended. Only the leader's end (or the last task's) ends the process. */
  endTask(process: ProcessRecord, tid: number, code: number | null, signal: string | null): void {
    if (tid !== process.pid) {
      this.tasks.delete(tid);
      this.lastTid = Number.NaN;
      this.changed = true;
      return;
    }
    this.endProcess(process, code, signal);
  }

  endProcess(process: ProcessRecord, code: number | null, signal: string | null): void {
    if (process.end !== null) return;
    process.end = this.stamp();
    process.exitCode = code ?? (signal === null ? (process.exitRequest?.code ?? null) : null);
    process.signal = signal;
    this.tasks.delete(process.pid);
    for (const tid of process.threads) if (this.tasks.get(tid) === process) this.tasks.delete(tid);
    this.fds.unbind(this.now.seq, process.id);
    this.lastTid = Number.NaN;
    this.changed = true;
  }

  /** At the end of the input: a process that asked to exit (exit_group) with no exit line ends where it asked. */
  settleExitRequests(): void {
    for (const process of this.processes) {
      if (process.end !== null || process.exitRequest === null) continue;
      const request = process.exitRequest;
      process.end = { seq: request.seq, sec: request.sec, nsec: request.nsec };
      process.exitCode = request.code;
      this.tasks.delete(process.pid);
      for (const tid of process.threads) if (this.tasks.get(tid) === process) this.tasks.delete(tid);
    }
  }

  // ----------------------------------------------------------------------------------------------------------
  // File descriptors

  entry(process: ProcessRecord, fd: number): FdEntry | undefined {
    return this.fds.get(process.table, fd);
  }

  install(process: ProcessRecord, fd: number, entry: FdEntry): void {
    this.fds.set(this.now.seq, process.table, fd, entry);
    this.changed = true;
  }

  closeFd(process: ProcessRecord, fd: number): void {
    if (this.fds.get(process.table, fd) === undefined) return;
    this.fds.close(this.now.seq, process.table, fd);
    this.changed = true;
  }

  /**
   * The entry behind an fd argument. An fd open before the trace began has no entry yet: one is made from what
   * -y says about it. A session fd whose annotation reveals what it is gets that knowledge (and loses the
   * session mark when it turns out to be /dev/null).
   */
  entryOf(process: ProcessRecord, value: FdValue): FdEntry | undefined {
    const existing = this.fds.get(process.table, value.fd);
    const note = value.note;
    if (existing !== undefined) {
      if (existing.kind !== 'unknown' || note === undefined) return existing;
      const refined: FdEntry = {
        ...existing,
        kind: kindOfNote(note),
        path: note.path === undefined ? null : this.intern(note.path),
        socket: socketOfNote(note),
        session: existing.session && note.path !== '/dev/null',
      };
      this.install(process, value.fd, refined);
      return refined;
    }
    if (note === undefined || value.fd < 0) return undefined;
    const created: FdEntry = {
      desc: this.fds.newDesc(),
      kind: kindOfNote(note),
      path: note.path === undefined ? null : this.intern(note.path),
      flags: null,
      cloexec: false,
      openedSeq: -1,
      session: false,
      socket: socketOfNote(note),
      counter: null,
    };
    this.install(process, value.fd, created);
    return created;
  }

  newEntry(
    kind: FdKind,
    path: string | null,
    flags: string | null,
    cloexec: boolean,
    socket: SocketInfo | null,
    counter: ByteCounter | null,
  ): FdEntry {
    return {
      desc: this.fds.newDesc(),
      kind,
      path: path === null ? null : this.intern(path),
      flags: flags === null ? null : this.intern(flags),
      cloexec,
      openedSeq: this.now.seq,
      session: false,
      socket,
      counter,
    };
  }

  /**
   * Terminal rule: a tty/pty device, or the session's inherited stdio (fds 0–2 of a root process, as inherited
   * by its descendants) — unless -y showed it is /dev/null (entryOf then dropped the session mark).
   */
  isTerminal(entry: FdEntry): boolean {
    return entry.kind === 'tty' || entry.session;
  }

  // ----------------------------------------------------------------------------------------------------------
  // Paths and cwd

  /** A path argument made absolute against the process's cwd or a directory fd. */
  resolvePath(process: ProcessRecord, dirfd: FdValue | undefined, path: string): string {
    const cwd = dirfd !== undefined && dirfd.fd === AT_FDCWD ? dirfd.note?.path : undefined;
    if (cwd !== undefined) this.learnCwd(process, cwd);
    if (path.startsWith('/')) return resolveAgainst(null, path);
    if (dirfd === undefined || dirfd.fd === AT_FDCWD) return resolveAgainst(cwd ?? process.cwd, path);
    const directory = dirfd.note?.path ?? this.fds.get(process.table, dirfd.fd)?.path ?? null;
    return resolveAgainst(directory, path);
  }

  /** -y showed the cwd (AT_FDCWD</dir>): remember it. */
  learnCwd(process: ProcessRecord, cwd: string): void {
    if (process.cwd !== cwd) process.cwd = this.intern(cwd);
  }

  // ----------------------------------------------------------------------------------------------------------
  // Records

  /**
   * A file record with every field present, in one order (one object shape for all of them); the caller fills
   * in the optional fields it knows.
   */
  fileRecord(process: ProcessRecord, tid: number, op: FileRecord['op'], path: string, result: string): FileRecord {
    const now = this.now;
    const record: FileRecord = {
      seq: now.seq,
      sec: now.sec,
      nsec: now.nsec,
      pid: process.pid,
      tid,
      op,
      path: this.intern(path),
      target: undefined,
      newPath: undefined,
      flags: undefined,
      mode: undefined,
      owner: undefined,
      bytesRead: undefined,
      bytesWritten: undefined,
      result: this.intern(result),
      fd: undefined,
      processId: process.id,
    };
    this.files.push(record);
    this.changed = true;
    return record;
  }

  /** A file record from named fields (the convenient form for rare events). */
  addFile(fields: Omit<FileRecord, 'seq' | 'sec' | 'nsec'>): FileRecord {
    const process = this.processes[fields.processId];
    const record =
      process === undefined
        ? this.fileRecord(
            { pid: fields.pid, id: fields.processId } as ProcessRecord,
            fields.tid,
            fields.op,
            fields.path,
            fields.result,
          )
        : this.fileRecord(process, fields.tid, fields.op, fields.path, fields.result);
    record.pid = fields.pid;
    if (fields.target !== undefined) record.target = this.intern(fields.target);
    if (fields.newPath !== undefined) record.newPath = this.intern(fields.newPath);
    if (fields.flags !== undefined) record.flags = fields.flags;
    if (fields.mode !== undefined) record.mode = this.intern(fields.mode);
    if (fields.owner !== undefined) record.owner = this.intern(fields.owner);
    if (fields.bytesRead !== undefined) record.bytesRead = fields.bytesRead;
    if (fields.bytesWritten !== undefined) record.bytesWritten = fields.bytesWritten;
    if (fields.fd !== undefined) record.fd = fields.fd;
    return record;
  }

  addNetwork(record: Omit<NetworkRecord, 'seq' | 'sec' | 'nsec'>): NetworkRecord {
    const now = this.now;
    const full: NetworkRecord = {
      seq: now.seq,
      sec: now.sec,
      nsec: now.nsec,
      pid: record.pid,
      tid: record.tid,
      op: record.op,
      fd: record.fd,
      family: record.family === null ? null : this.intern(record.family),
      protocol: record.protocol === null ? null : this.intern(record.protocol),
      address: record.address === null ? null : this.intern(record.address),
      port: record.port,
      local: record.local === undefined ? undefined : this.intern(record.local),
      result: this.intern(record.result),
      bytesSent: record.bytesSent,
      bytesReceived: record.bytesReceived,
      processId: record.processId,
    };
    this.network.push(full);
    this.changed = true;
    return full;
  }

  addTty(process: ProcessRecord, fd: number, direction: 'out' | 'in', bytes: Uint8Array, truncated: boolean): void {
    if (bytes.length === 0 && !truncated) return;
    const now = this.now;
    this.tty.push({
      seq: now.seq,
      sec: now.sec,
      nsec: now.nsec,
      pid: process.pid,
      fd,
      direction,
      bytes,
      truncated,
      processId: process.id,
    });
    this.changed = true;
  }

  addSignal(pid: number, signal: string, direction: 'received' | 'sent', peer: number | null, result: string): void {
    const now = this.now;
    this.signals.push({ seq: now.seq, sec: now.sec, nsec: now.nsec, pid, signal, direction, peer, result });
    this.changed = true;
  }

  addAlert(record: Omit<AlertRecord, 'seq' | 'sec' | 'nsec'>): void {
    const now = this.now;
    this.alerts.push({
      seq: now.seq,
      sec: now.sec,
      nsec: now.nsec,
      pid: record.pid,
      rule: record.rule,
      priority: record.priority,
      output: record.output,
      containerId: record.containerId,
      path: record.path,
    });
    this.changed = true;
  }

  addDiagnostic(text: string): void {
    const now = this.now;
    this.diagnostics.push({ seq: now.seq, sec: now.sec, nsec: now.nsec, text: this.intern(text) });
  }
}
