// Records → JSON-safe views (times formatted once, here); the view of a process can be taken at an instant.
import type { FdEntry } from './replay-fds.js';
import type {
  AlertView,
  ExecView,
  FdView,
  FileActivityView,
  NetworkActivityView,
  ProcessView,
  SignalView,
  TtyChunkView,
} from './replay-model.js';
import type {
  AlertRecord,
  FileRecord,
  NetworkRecord,
  ProcessRecord,
  SignalRecord,
  Stamp,
  TtyRecord,
} from './replay-records.js';
import { base64Encode, bytesToText } from './trace-bytes.js';
import { formatIso } from './trace-time.js';

export function atOf(stamp: { sec: number; nsec: number }): string | null {
  return Number.isNaN(stamp.sec) ? null : formatIso(stamp.sec, stamp.nsec);
}

/** A process as it was at `seq` (its image after the execs up to then), or as it is at the end. */
export function processView(record: ProcessRecord, seq = Number.POSITIVE_INFINITY): ProcessView {
  let exe = record.startExe;
  let argv = record.startArgv;
  const execs: ExecView[] = [];
  for (const exec of record.execs) {
    if (exec.seq > seq) break;
    if (exec.ok) {
      exe = exec.exe;
      argv = exec.argv;
    }
    const view: ExecView = {
      seq: exec.seq,
      at: atOf(exec),
      exe: exec.exe,
      argv: exec.argv,
      argvTruncated: exec.argvTruncated,
      ok: exec.ok,
    };
    if (exec.error !== undefined) view.error = exec.error;
    execs.push(view);
  }
  if (execs.length === record.execs.length) {
    exe = record.exe;
    argv = record.argv;
  }
  const ended = record.end !== null && record.end.seq <= seq;
  const credentials = record.credentials
    .filter((change) => change.seq <= seq)
    .map((change) => ({
      seq: change.seq,
      at: atOf(change),
      call: change.call,
      uid: change.uid,
      euid: change.euid,
      gid: change.gid,
      egid: change.egid,
    }));
  const last = credentials.at(-1);
  const view: ProcessView = {
    pid: record.pid,
    ppid: record.ppid,
    exe,
    argv,
    start: atOf(record.start),
    startSeq: record.start.seq,
    threads: record.threads.slice(),
    uid: last === undefined ? record.uid : last.uid,
    euid: last === undefined ? record.euid : last.euid,
    gid: last === undefined ? record.gid : last.gid,
    cwd: record.cwd,
    execs,
    credentials,
    origin: record.origin,
    id: record.id,
    parentId: record.parentId,
  };
  if (ended && record.end !== null) {
    view.end = atOf(record.end);
    view.endSeq = record.end.seq;
    if (record.exitCode !== null) view.exitCode = record.exitCode;
    if (record.signal !== null) view.signal = record.signal;
  }
  return view;
}

export function fileView(record: FileRecord): FileActivityView {
  const view: FileActivityView = {
    seq: record.seq,
    at: atOf(record),
    pid: record.pid,
    tid: record.tid,
    op: record.op,
    path: record.path,
    result: record.result,
  };
  if (record.target !== undefined) view.target = record.target;
  if (record.newPath !== undefined) view.newPath = record.newPath;
  if (record.flags !== undefined) view.flags = record.flags;
  if (record.mode !== undefined) view.mode = record.mode;
  if (record.owner !== undefined) view.owner = record.owner;
  if (record.bytesRead !== undefined) view.bytesRead = record.bytesRead;
  if (record.bytesWritten !== undefined) view.bytesWritten = record.bytesWritten;
  if (record.fd !== undefined) view.fd = record.fd;
  return view;
}

export function networkView(record: NetworkRecord): NetworkActivityView {
  const view: NetworkActivityView = {
    seq: record.seq,
    at: atOf(record),
    pid: record.pid,
    tid: record.tid,
    op: record.op,
    fd: record.fd,
    family: record.family,
    protocol: record.protocol,
    address: record.address,
    port: record.port,
    result: record.result,
  };
  if (record.local !== undefined) view.local = record.local;
  if (record.bytesSent !== undefined) view.bytesSent = record.bytesSent;
  if (record.bytesReceived !== undefined) view.bytesReceived = record.bytesReceived;
  return view;
}

export function ttyView(record: TtyRecord): TtyChunkView {
  return {
    seq: record.seq,
    at: atOf(record),
    pid: record.pid,
    fd: record.fd,
    direction: record.direction,
    base64: base64Encode(record.bytes),
    text: bytesToText(record.bytes),
    truncated: record.truncated,
  };
}

export function signalView(record: SignalRecord): SignalView {
  return {
    seq: record.seq,
    at: atOf(record),
    pid: record.pid,
    signal: record.signal,
    direction: record.direction,
    peer: record.peer,
    result: record.result,
  };
}

export function alertView(record: AlertRecord): AlertView {
  return {
    seq: record.seq,
    at: atOf(record),
    pid: record.pid,
    rule: record.rule,
    priority: record.priority,
    output: record.output,
    containerId: record.containerId,
    path: record.path,
  };
}

export function fdView(fd: number, entry: FdEntry): FdView {
  return {
    fd,
    kind: entry.kind,
    path: entry.path,
    flags: entry.flags,
    cloexec: entry.cloexec,
    openedSeq: entry.openedSeq < 0 ? null : entry.openedSeq,
    session: entry.session,
    socket: entry.socket === null ? null : { ...entry.socket },
  };
}

export function stampOf(record: Stamp): Stamp {
  return { seq: record.seq, sec: record.sec, nsec: record.nsec };
}
