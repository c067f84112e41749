// What replay keeps: one record per process incarnation, file change, network action, terminal chunk, signal, alert.
//
// Records hold times as two integers (formatted only when a view is asked for) and are appended in seq order,
// so "everything up to an instant" is a binary search on seq.
import type { FileOp, NetworkOp } from './replay-model.js';

export interface Stamp {
  seq: number;
  /** NaN when the trace has no timestamps. */
  sec: number;
  nsec: number;
}

export interface ExecRecord extends Stamp {
  exe: string;
  argv: string[];
  argvTruncated: boolean;
  ok: boolean;
  error: string | undefined;
}

export interface CredentialRecord extends Stamp {
  call: string;
  uid: number | null;
  euid: number | null;
  gid: number | null;
  egid: number | null;
}

export interface ProcessRecord {
  /** Index in the process list: stable even when a pid is reused. */
  id: number;
  pid: number;
  ppid: number | null;
  parentId: number | null;
  origin: 'clone' | 'first-seen' | 'running-at-attach' | 'tetragon' | 'falco';
  start: Stamp;
  end: Stamp | null;
  exitCode: number | null;
  signal: string | null;
  /** The image it started with (inherited from the parent at fork), before any exec in the trace. */
  startExe: string | null;
  startArgv: string[];
  /** The image now (after the last successful exec so far). */
  exe: string | null;
  argv: string[];
  execs: ExecRecord[];
  threads: number[];
  uid: number | null;
  euid: number | null;
  gid: number | null;
  egid: number | null;
  credentials: CredentialRecord[];
  cwd: string | null;
  /** Live fd table id (threads share their process's). */
  table: number;
  /** exit_group(N) seen: ends the process here if no "+++ exited" line follows (older strace). */
  exitRequest: (Stamp & { code: number }) | null;
}

export interface FileRecord extends Stamp {
  pid: number;
  tid: number;
  op: FileOp;
  path: string;
  target?: string;
  newPath?: string;
  flags?: string[];
  mode?: string;
  owner?: string;
  bytesRead?: number;
  bytesWritten?: number;
  result: string;
  fd?: number;
  /** Process record id (pids can be reused). */
  processId: number;
}

export interface NetworkRecord extends Stamp {
  pid: number;
  tid: number;
  op: NetworkOp;
  fd: number | null;
  family: string | null;
  protocol: string | null;
  address: string | null;
  port: number | null;
  local?: string;
  result: string;
  bytesSent?: number;
  bytesReceived?: number;
  processId: number;
}

export interface TtyRecord extends Stamp {
  pid: number;
  fd: number;
  direction: 'out' | 'in';
  bytes: Uint8Array;
  truncated: boolean;
  processId: number;
}

export interface SignalRecord extends Stamp {
  pid: number;
  signal: string;
  direction: 'received' | 'sent';
  peer: number | null;
  result: string;
}

export interface AlertRecord extends Stamp {
  pid: number | null;
  rule: string;
  priority: string;
  output: string;
  containerId: string | null;
  path: string | null;
}

/** Number of records with seq ≤ `seq` in a list sorted by seq. */
export function countThrough(list: readonly Stamp[], seq: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((list[middle]?.seq ?? 0) <= seq) low = middle + 1;
    else high = middle;
  }
  return low;
}
