// File-descriptor tables through time: every change is an op in a compact log, with checkpoints to seek from.
//
// Why a log and not a scan: the fd tables at an instant depend on every open, dup, fork and close before it.
// Each change is appended to a columnar log (typed arrays, no object per op); every so often the live tables
// are copied into a checkpoint. The tables at any instant are the nearest earlier checkpoint plus the ops since,
// so seeking costs one copy and at most one checkpoint interval of ops, however long the trace.
//
// Entries are immutable: a change to an fd installs a new entry, so checkpoints can share entry objects.
import { grownTo } from './typed-arrays.js';

export type FdKind = 'file' | 'socket' | 'pipe' | 'tty' | 'anon' | 'unknown' | 'other';

export interface SocketInfo {
  family: string | null;
  protocol: string | null;
  local: string | null;
  remote: string | null;
}

/** Counters an fd's reads and writes add to (a file-activity or network record). */
export interface ByteCounter {
  bytesRead?: number;
  bytesWritten?: number;
  bytesSent?: number;
  bytesReceived?: number;
}

export interface FdEntry {
  /** Open file description id: shared by dup'd and inherited fds. */
  readonly desc: number;
  readonly kind: FdKind;
  readonly path: string | null;
  readonly flags: string | null;
  readonly cloexec: boolean;
  /** seq of the opening call; -1 when open before the trace began. */
  readonly openedSeq: number;
  /** The session's inherited stdin/stdout/stderr (see replay.ts for the terminal rule). */
  readonly session: boolean;
  readonly socket: SocketInfo | null;
  /** Where this description's byte counts go. */
  readonly counter: ByteCounter | null;
}

export type FdTable = Map<number, FdEntry>;

const OP_SET = 1;
const OP_CLOSE = 2;
const OP_NEW = 3;
const OP_COPY = 4;
const OP_DROP = 5;
const OP_CLOEXEC = 6;
const OP_BIND = 7;
const OP_UNBIND = 8;

interface Snapshot {
  /** The state after ops [0, opIndex). */
  opIndex: number;
  tables: Map<number, FdTable>;
  bindings: Map<number, number>;
}

/** The tables at one instant: table id by process id, entries by fd. */
export interface FdState {
  tables: Map<number, FdTable>;
  bindings: Map<number, number>;
}

export interface FdStoreOptions {
  /** Ops between checkpoints at least (more when the live tables are large: see maybeCheckpoint). */
  checkpointEvery?: number;
}

export class FdStore {
  private code = new Uint8Array(1024);
  private first = new Int32Array(1024);
  private second = new Int32Array(1024);
  private third = new Int32Array(1024);
  private seqs = new Float64Array(1024);
  private length = 0;
  private readonly entries: FdEntry[] = [];
  private readonly snapshots: Snapshot[] = [];
  private readonly checkpointEvery: number;
  private opsSinceSnapshot = 0;
  private liveEntries = 0;
  private nextTable = 1;
  private nextDesc = 1;

  /** The live state (after every op so far). */
  readonly live: FdState = { tables: new Map(), bindings: new Map() };

  constructor(options: FdStoreOptions = {}) {
    this.checkpointEvery = options.checkpointEvery ?? 4096;
    this.snapshots.push({ opIndex: 0, tables: new Map(), bindings: new Map() });
  }

  get opCount(): number {
    return this.length;
  }

  get checkpointCount(): number {
    return this.snapshots.length;
  }

  newDesc(): number {
    return this.nextDesc++;
  }

  /** A new empty table, bound to a process. */
  newTable(seq: number, processId: number): number {
    const table = this.nextTable++;
    this.push(OP_NEW, table, 0, 0, seq);
    this.push(OP_BIND, processId, table, 0, seq);
    return table;
  }

  /** A copy of a table (fork without CLONE_FILES), bound to the child. */
  copyTable(seq: number, source: number, processId: number): number {
    const table = this.nextTable++;
    this.push(OP_COPY, table, source, 0, seq);
    this.push(OP_BIND, processId, table, 0, seq);
    return table;
  }

  /** The process uses an existing table (CLONE_FILES). */
  bind(seq: number, processId: number, table: number): void {
    this.push(OP_BIND, processId, table, 0, seq);
  }

  unbind(seq: number, processId: number): void {
    const table = this.live.bindings.get(processId);
    this.push(OP_UNBIND, processId, 0, 0, seq);
    if (table === undefined) return;
    for (const bound of this.live.bindings.values()) if (bound === table) return;
    this.push(OP_DROP, table, 0, 0, seq);
  }

  tableOf(processId: number): number | undefined {
    return this.live.bindings.get(processId);
  }

  get(table: number, fd: number): FdEntry | undefined {
    return this.live.tables.get(table)?.get(fd);
  }

  set(seq: number, table: number, fd: number, entry: FdEntry): void {
    const index = this.entries.length;
    this.entries.push(entry);
    this.push(OP_SET, table, fd, index, seq);
  }

  close(seq: number, table: number, fd: number): void {
    if (this.live.tables.get(table)?.has(fd) !== true) return;
    this.push(OP_CLOSE, table, fd, 0, seq);
  }

  /** execve: every close-on-exec fd of the table is closed. */
  closeOnExec(seq: number, table: number): void {
    this.push(OP_CLOEXEC, table, 0, 0, seq);
  }

  /** The tables as they were after every op whose seq ≤ `seq`. */
  stateAt(seq: number): FdState {
    const end = this.opsThrough(seq);
    let low = 0;
    let high = this.snapshots.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.snapshots[middle]?.opIndex ?? 0) <= end) low = middle;
      else high = middle - 1;
    }
    const snapshot = this.snapshots[low] ?? { opIndex: 0, tables: new Map(), bindings: new Map() };
    const state: FdState = { tables: copyTables(snapshot.tables), bindings: new Map(snapshot.bindings) };
    for (let index = snapshot.opIndex; index < end; index++) this.apply(state, index);
    return state;
  }

  /** Number of ops with seq ≤ `seq` (ops are appended in seq order). */
  private opsThrough(seq: number): number {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.seqs[middle] ?? 0) <= seq) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private push(code: number, a: number, b: number, c: number, seq: number): void {
    if (this.length === this.code.length) this.grow();
    const index = this.length++;
    this.code[index] = code;
    this.first[index] = a;
    this.second[index] = b;
    this.third[index] = c;
    this.seqs[index] = seq;
    this.apply(this.live, index);
    this.maybeCheckpoint();
  }

  private apply(state: FdState, index: number): void {
    const a = this.first[index] ?? 0;
    const b = this.second[index] ?? 0;
    const live = state === this.live;
    switch (this.code[index]) {
      case OP_SET: {
        const table = state.tables.get(a);
        const entry = this.entries[this.third[index] ?? 0];
        if (table === undefined || entry === undefined) return;
        if (live && !table.has(b)) this.liveEntries++;
        table.set(b, entry);
        return;
      }
      case OP_CLOSE:
        if (state.tables.get(a)?.delete(b) === true && live) this.liveEntries--;
        return;
      case OP_NEW:
        state.tables.set(a, new Map());
        return;
      case OP_COPY: {
        const copy = new Map(state.tables.get(b) ?? []);
        if (live) this.liveEntries += copy.size;
        state.tables.set(a, copy);
        return;
      }
      case OP_DROP: {
        const table = state.tables.get(a);
        if (table !== undefined && live) this.liveEntries -= table.size;
        state.tables.delete(a);
        return;
      }
      case OP_CLOEXEC: {
        const table = state.tables.get(a);
        if (table === undefined) return;
        for (const [fd, entry] of table) {
          if (entry.cloexec) {
            table.delete(fd);
            if (live) this.liveEntries--;
          }
        }
        return;
      }
      case OP_BIND:
        state.bindings.set(a, b);
        return;
      case OP_UNBIND:
        state.bindings.delete(a);
        return;
    }
  }

  /**
   * Checkpoints at least every checkpointEvery ops, and no more often than every 4× the live entry count, so
   * checkpoint memory stays a fraction of the log however many fds are open, and a seek replays a bounded number.
   */
  private maybeCheckpoint(): void {
    this.opsSinceSnapshot++;
    if (this.opsSinceSnapshot < this.checkpointEvery || this.opsSinceSnapshot < 4 * this.liveEntries) return;
    this.opsSinceSnapshot = 0;
    this.snapshots.push({
      opIndex: this.length,
      tables: copyTables(this.live.tables),
      bindings: new Map(this.live.bindings),
    });
  }

  private grow(): void {
    const size = this.code.length * 2;
    this.code = grownTo(this.code, size);
    this.first = grownTo(this.first, size);
    this.second = grownTo(this.second, size);
    this.third = grownTo(this.third, size);
    this.seqs = grownTo(this.seqs, size);
  }
}

function copyTables(tables: Map<number, FdTable>): Map<number, FdTable> {
  const out = new Map<number, FdTable>();
  for (const [id, table] of tables) out.set(id, new Map(table));
  return out;
}
