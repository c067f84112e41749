// The replay engine: apply events in order, then ask what was true at any instant.
//
// Deterministic: the same events in the same order give the same records, views and exports. Everything is
// indexed by seq (the event's position); times map to seqs through the time index, so a trace without
// timestamps still replays (by position).
//
// Usage: `const replay = new TraceReplay(); for (const event of events) replay.apply(event); replay.finish();`
// then stateAt / processesAt / openFdsAt / fileActivity / whoWrote / connections / ttyChunks / asciicast.
import { ReplayCore, type ReplayOptions } from './replay-core.js';
import type {
  FdView,
  FileActivityView,
  NetworkActivityView,
  ProcessView,
  ReplayStateView,
  SignalView,
  TtyChunkView,
  WhoWroteView,
  AlertView,
} from './replay-model.js';
import type { FdState } from './replay-fds.js';
import { countThrough, type FileRecord, type ProcessRecord } from './replay-records.js';
import { applyAlert, applyTetragon } from './replay-sources.js';
import { SYSCALL_HANDLERS, applySignal } from './replay-syscalls.js';
import { alertView, atOf, fdView, fileView, networkView, processView, signalView, ttyView } from './replay-views.js';
import type { TraceEvent, TraceEventKind } from './trace-event.js';
import { normalizePath } from './trace-paths.js';
import { parseIso, parseNs } from './trace-time.js';

export type { ReplayOptions };

/** An instant to look at: a seq, or a time (ISO string, `tns` string, or seconds + nanoseconds). */
export type ReplayInstant = { seq: number } | { iso: string } | { tns: string } | { sec: number; nsec: number };

/** File operations that change a path (what "who wrote this?" looks for); reads and execs are not changes. */
const CHANGES: ReadonlySet<string> = new Set([
  'rename',
  'unlink',
  'rmdir',
  'mkdir',
  'chmod',
  'chown',
  'link',
  'symlink',
  'truncate',
  'utime',
  'mknod',
]);

function changesPath(record: FileRecord): boolean {
  if (CHANGES.has(record.op)) return true;
  if (record.op !== 'write' && record.op !== 'readwrite') return false;
  const flags = record.flags ?? [];
  return (record.bytesWritten ?? 0) > 0 || flags.includes('O_CREAT') || flags.includes('O_TRUNC');
}

export class TraceReplay extends ReplayCore {
  private nextSeq = 0;
  private finished = false;
  private readonly kinds: Record<TraceEventKind, number> = {
    syscall: 0,
    signal: 0,
    exit: 0,
    diag: 0,
    alert: 0,
    tetragon: 0,
  };

  constructor(options: ReplayOptions = {}) {
    super(options);
  }

  /** Events applied so far. */
  get eventCount(): number {
    return this.nextSeq;
  }

  /** Events applied, by kind. */
  get eventKinds(): Readonly<Record<TraceEventKind, number>> {
    return this.kinds;
  }

  /** Applies the next event; its `seq` is set to its position in the replay. */
  apply(event: TraceEvent): void {
    if (this.finished) throw new Error('replay already finished');
    const seq = this.nextSeq++;
    event.seq = seq;
    const now = this.now;
    now.seq = seq;
    now.sec = event.sec;
    now.nsec = event.nsec;
    this.time.observe(event.sec, event.nsec);
    this.changed = false;
    const kinds = this.kinds;
    switch (event.kind) {
      case 'syscall': {
        kinds.syscall++;
        const handler = SYSCALL_HANDLERS.get(event.name);
        const process = this.processOf(event.tid);
        if (handler !== undefined) handler(this, event, process);
        break;
      }
      case 'exit': {
        kinds.exit++;
        const process = this.processOf(event.tid);
        if (event.supersededBy === null) this.endTask(process, event.tid, event.code, event.signal);
        break;
      }
      case 'signal':
        kinds.signal++;
        applySignal(this, event, this.processOf(event.tid));
        break;
      case 'diag':
        kinds.diag++;
        this.addDiagnostic(event.text);
        break;
      case 'alert':
        kinds.alert++;
        applyAlert(this, event);
        break;
      case 'tetragon':
        kinds.tetragon++;
        applyTetragon(this, event);
        break;
    }
    if (this.changed) this.time.mark(seq);
  }

  /** The input is complete: processes that asked to exit with no exit line end where they asked. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.settleExitRequests();
  }

  // ----------------------------------------------------------------------------------------------------------
  // Instants

  /** seq of an instant: a time maps to the last state change at or before it (-1: before everything). */
  seqOf(instant: ReplayInstant): number {
    if ('seq' in instant) return instant.seq;
    let time: { sec: number; nsec: number } | undefined;
    if ('iso' in instant) time = parseIso(instant.iso);
    else if ('tns' in instant) time = parseNs(instant.tns);
    else time = instant;
    if (time === undefined) throw new RangeError('not a time: expected ISO 8601 or nanoseconds since the epoch');
    if (this.time.size === 0) throw new RangeError('this trace has no timestamps: give a position (seq) instead');
    return this.time.seqAt(time.sec, time.nsec);
  }

  /** The time label of a seq (the latest time the trace had reached there). */
  timeOfSeq(seq: number): string | null {
    const time = this.time.timeOf(seq);
    return time === undefined ? null : atOf(time);
  }

  /** First and last instants (null when the trace has no timestamps). */
  span(): { first: string | null; last: string | null; events: number } {
    const first = this.time.size === 0 ? undefined : this.time.timeOf(0);
    const mark = this.time.watermark;
    return {
      first: first === undefined ? null : atOf(first),
      last: Number.isNaN(mark.sec) ? null : atOf(mark),
      events: this.nextSeq,
    };
  }

  // ----------------------------------------------------------------------------------------------------------
  // Queries

  /** Every process of the trace, as it ended (or is at the end of the input). */
  allProcesses(): ProcessView[] {
    return this.processes.map((record) => processView(record));
  }

  /** Processes alive at the instant, each with its ancestors (alive or not), as they were then. */
  processesAt(instant: ReplayInstant, fdState?: FdState): (ProcessView & { alive: boolean })[] {
    const seq = this.seqOf(instant);
    const chosen = new Map<number, boolean>();
    for (const record of this.liveProcesses(seq, fdState)) {
      chosen.set(record.id, true);
      for (let parent = this.parentOf(record); parent !== undefined; parent = this.parentOf(parent)) {
        if (chosen.has(parent.id)) break;
        chosen.set(parent.id, this.aliveAt(parent, seq));
      }
    }
    return [...chosen.entries()]
      .sort((a, b) => a[0] - b[0])
      .flatMap(([id, alive]) => {
        const record = this.processes[id];
        return record === undefined ? [] : [{ ...processView(record, seq), alive }];
      });
  }

  /** From a process up to its oldest known ancestor. */
  ancestry(processId: number): ProcessRecord[] {
    const chain: ProcessRecord[] = [];
    const seen = new Set<number>();
    for (let record = this.processes[processId]; record !== undefined; record = this.parentOf(record)) {
      if (seen.has(record.id)) break;
      seen.add(record.id);
      chain.push(record);
    }
    return chain;
  }

  /**
   * The processes alive at `seq`. Every process is bound to an fd table while it lives, so the bindings of the
   * fd state then name them: no scan of every process the trace ever had (a long trace has tens of thousands).
   */
  private liveProcesses(seq: number, fdState?: FdState): ProcessRecord[] {
    const state = fdState ?? this.fds.stateAt(seq);
    const out: ProcessRecord[] = [];
    for (const id of [...state.bindings.keys()].sort((a, b) => a - b)) {
      const record = this.processes[id];
      if (record !== undefined && this.aliveAt(record, seq)) out.push(record);
    }
    return out;
  }

  /** Open fds of every live process (or one pid) at the instant. */
  openFdsAt(instant: ReplayInstant, pid?: number, fdState?: FdState): { pid: number; id: number; fds: FdView[] }[] {
    const seq = this.seqOf(instant);
    const state = fdState ?? this.fds.stateAt(seq);
    const out: { pid: number; id: number; fds: FdView[] }[] = [];
    for (const record of this.liveProcesses(seq, state)) {
      if (pid !== undefined && record.pid !== pid) continue;
      const id = record.id;
      const tableId = state.bindings.get(id);
      const table = tableId === undefined ? undefined : state.tables.get(tableId);
      if (table === undefined) continue;
      const fds = [...table.entries()].sort((a, b) => a[0] - b[0]).map(([fd, entry]) => fdView(fd, entry));
      out.push({ pid: record.pid, id: record.id, fds });
    }
    return out;
  }

  /** Everything replay knows at an instant: processes with ancestry, open fds, open sockets, counts so far. */
  stateAt(instant: ReplayInstant): ReplayStateView {
    const seq = this.seqOf(instant);
    const at = { seq };
    const state = this.fds.stateAt(seq);
    const fds = this.openFdsAt(at, undefined, state);
    const sockets = fds.flatMap(({ pid, fds: open }) =>
      open.filter((fd) => fd.kind === 'socket').map((fd) => ({ pid, fd: fd.fd, socket: fd.socket })),
    );
    return {
      seq,
      at: this.timeOfSeq(seq),
      processes: this.processesAt(at, state),
      fds,
      sockets,
      counts: {
        files: countThrough(this.files, seq),
        network: countThrough(this.network, seq),
        tty: countThrough(this.tty, seq),
        signals: countThrough(this.signals, seq),
        alerts: countThrough(this.alerts, seq),
      },
    };
  }

  /** File activity up to an instant (all when none), optionally for one path (as named, kernel path, or new name). */
  fileActivity(options: { until?: ReplayInstant; path?: string } = {}): FileActivityView[] {
    const end = options.until === undefined ? this.files.length : countThrough(this.files, this.seqOf(options.until));
    const path = options.path === undefined ? undefined : normalizePath(options.path);
    const out: FileActivityView[] = [];
    for (let index = 0; index < end; index++) {
      const record = this.files[index];
      if (record === undefined) continue;
      if (path !== undefined && record.path !== path && record.target !== path && record.newPath !== path) continue;
      out.push(fileView(record));
    }
    return out;
  }

  /**
   * "Who wrote this?": the events that created, wrote, truncated, renamed (to or from), linked, chmod-ed,
   * chown-ed, touched or deleted the path, each with the ancestry of the process that did it.
   */
  whoWrote(path: string): WhoWroteView {
    const wanted = normalizePath(path);
    const events = this.files
      .filter(
        (record) =>
          (record.path === wanted || record.target === wanted || record.newPath === wanted) && changesPath(record),
      )
      .map((record) => ({
        ...fileView(record),
        ancestry: this.ancestry(record.processId).map((process) => {
          const view = processView(process, record.seq);
          return { pid: view.pid, ppid: view.ppid, exe: view.exe, argv: view.argv, start: view.start, id: view.id };
        }),
      }));
    return { path: wanted, events };
  }

  connections(options: { until?: ReplayInstant } = {}): NetworkActivityView[] {
    const end =
      options.until === undefined ? this.network.length : countThrough(this.network, this.seqOf(options.until));
    return this.network.slice(0, end).map(networkView);
  }

  ttyChunks(options: { until?: ReplayInstant; processIds?: ReadonlySet<number> } = {}): TtyChunkView[] {
    const end = options.until === undefined ? this.tty.length : countThrough(this.tty, this.seqOf(options.until));
    const chosen = options.processIds;
    return this.tty
      .slice(0, end)
      .filter((chunk) => chosen === undefined || chosen.has(chunk.processId))
      .map(ttyView);
  }

  signalEvents(options: { until?: ReplayInstant } = {}): SignalView[] {
    const end =
      options.until === undefined ? this.signals.length : countThrough(this.signals, this.seqOf(options.until));
    return this.signals.slice(0, end).map(signalView);
  }

  alertEvents(options: { until?: ReplayInstant } = {}): AlertView[] {
    const end = options.until === undefined ? this.alerts.length : countThrough(this.alerts, this.seqOf(options.until));
    return this.alerts.slice(0, end).map(alertView);
  }

  /** Process record ids of every process with this pid and of all their descendants. */
  descendantsOf(pid: number): Set<number> {
    const chosen = new Set<number>();
    for (const record of this.processes) {
      if (record.pid === pid) chosen.add(record.id);
      else if (record.parentId !== null && chosen.has(record.parentId)) chosen.add(record.id);
    }
    return chosen;
  }

  private aliveAt(record: ProcessRecord, seq: number): boolean {
    return record.start.seq <= seq && (record.end === null || record.end.seq > seq);
  }

  private parentOf(record: ProcessRecord): ProcessRecord | undefined {
    return record.parentId === null ? undefined : this.processes[record.parentId];
  }
}
