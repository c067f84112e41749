// A replayed syscall trace on the time axis: execs, connections, file changes, privilege changes and signals sent,
// plus the Falco alerts and Tetragon events the trace carries (each under its own source).
//
// Replay turns Falco and Tetragon events into processes, files and connections too; those records are left out
// here (their seqs are known) so each happening appears once, under the source that reported it.
import type { ProcessView } from '../../capture/common/trace/replay-model.js';
import type { FileRecord, NetworkRecord } from '../../capture/common/trace/replay-records.js';
import type { TraceReplay } from '../../capture/common/trace/replay.js';
import type { AlertEvent, TetragonEvent, TetragonProcess } from '../../capture/common/trace/trace-event.js';
import { commandLine, makeEvent, type EventDraft, type ItemRef, type MapResult } from './timeline-event.js';
import type { TimelineEvent } from './timeline-model.js';
import { timeFromParts, type EventTime } from './timeline-time.js';

/** File operations that change something (reads, opens and execs are not changes; execs are process events). */
const CHANGE_OPS = new Set([
  'write',
  'readwrite',
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
const NETWORK_OPS = new Set(['connect', 'accept', 'bind', 'listen']);

/** A write that changed the file: created, truncated, or bytes written (an O_RDWR open alone changes nothing). */
function isChange(file: FileRecord): boolean {
  if (!CHANGE_OPS.has(file.op)) return false;
  if (file.op !== 'write' && file.op !== 'readwrite') return true;
  const flags = file.flags ?? [];
  return (file.bytesWritten ?? 0) > 0 || flags.includes('O_CREAT') || flags.includes('O_TRUNC');
}

/** Terminals and null devices are written all the time by every shell: not file changes worth a timeline line. */
function isNoise(path: string): boolean {
  return path.startsWith('/dev/') && !path.startsWith('/dev/shm/');
}

const failed = (result: string): string => (result === 'ok' ? '' : ` (failed: ${result})`);

/** The process view that was live at a seq for a pid (pids are reused: the latest that started before it). */
class ProcessIndex {
  private readonly byPid = new Map<number, ProcessView[]>();
  private readonly byId = new Map<number, ProcessView>();

  constructor(processes: readonly ProcessView[]) {
    for (const process of processes) {
      this.byId.set(process.id, process);
      const list = this.byPid.get(process.pid) ?? [];
      list.push(process);
      this.byPid.set(process.pid, list);
    }
  }

  at(pid: number, seq: number): ProcessView | undefined {
    let found: ProcessView | undefined;
    for (const process of this.byPid.get(pid) ?? []) if (process.startSeq <= seq) found = process;
    return found ?? this.byPid.get(pid)?.[0];
  }

  parent(process: ProcessView): ProcessView | undefined {
    return process.parentId === null ? undefined : this.byId.get(process.parentId);
  }

  /** The command line the process was running at seq: after its execs up to then, else what it forked from. */
  commandAt(process: ProcessView | undefined, seq: number, depth = 0): string | undefined {
    if (process === undefined || depth > 64) return undefined;
    let argv: string[] | undefined;
    for (const exec of process.execs) {
      if (exec.seq > seq) break;
      if (exec.ok) argv = exec.argv;
    }
    // Before its first exec a forked child still runs its parent's program.
    if (argv === undefined) {
      if (process.execs.length > 0) return this.commandAt(this.parent(process), seq, depth + 1) ?? undefined;
      argv = process.argv;
    }
    const command = commandLine(argv);
    return command === '' ? (process.exe ?? undefined) : command;
  }
}

/** The trace's events collected in an array (small traces, tests); the builder streams with traceEventStream. */
export function traceEvents(
  replay: TraceReplay,
  sourceEvents: readonly (AlertEvent | TetragonEvent)[],
  ref: ItemRef,
): MapResult {
  const events: TimelineEvent[] = [];
  const stream = traceEventStream(replay, sourceEvents, ref);
  for (let next = stream.next(); ; next = stream.next()) {
    if (next.done === true) return { events, problems: next.value };
    events.push(next.value);
  }
}

/**
 * Yields each event of a replayed trace as it is made (records become views one at a time, so a capture of
 * millions of syscalls never has a second copy of itself in memory) and returns the problems.
 */
export function* traceEventStream(
  replay: TraceReplay,
  sourceEvents: readonly (AlertEvent | TetragonEvent)[],
  ref: ItemRef,
): Generator<TimelineEvent, string[], void> {
  const skip = new Set(sourceEvents.map((event) => event.seq));
  let untimed = 0;
  const processes = replay.allProcesses();
  const index = new ProcessIndex(processes);
  const base = { engineId: ref.engineId, containerId: ref.containerId };
  /** The event, or undefined (counted) when the trace had no time for it. */
  const make = (
    stamp: { sec: number; nsec: number } | undefined,
    seq: number,
    draft: Omit<EventDraft, 'time' | 'evidence' | 'confidence'>,
  ): TimelineEvent | undefined => {
    // From the record's two integers: formatting a view's ISO time and parsing it back would cost more than the rest.
    const time = stamp === undefined ? undefined : timeFromParts(stamp.sec, stamp.nsec);
    if (time === undefined) {
      untimed++;
      return undefined;
    }
    return makeEvent({
      ...draft,
      time,
      confidence: 'exact',
      evidence: { itemId: ref.itemId, sha256: ref.sha256, locator: `seq ${seq}` },
      replaySeq: seq,
    });
  };

  for (const process of processes) {
    const parent = index.parent(process);
    const record = replay.processes[process.id];
    for (const [position, exec] of process.execs.entries()) {
      if (skip.has(exec.seq)) continue;
      // A shell looking a command up along PATH fails with ENOENT at every entry before the one that exists.
      if (!exec.ok && exec.error === 'ENOENT') continue;
      const command = commandLine(exec.argv);
      const execEvent = make(record?.execs[position], exec.seq, {
        source: 'syscall',
        kind: 'process.exec',
        subject: { ...base, pid: process.pid, process: command },
        summary: `pid ${process.pid} ran ${command || exec.exe}${exec.ok ? '' : ` (failed: ${exec.error ?? 'unknown'})`}`,
        attributes: {
          exe: exec.exe,
          ppid: process.ppid,
          parent: index.commandAt(parent, exec.seq),
          uid: process.uid,
          euid: process.euid,
          cwd: process.cwd,
          argvTruncated: exec.argvTruncated || undefined,
          result: exec.ok ? 'ok' : (exec.error ?? 'unknown'),
        },
      });
      if (execEvent !== undefined) yield execEvent;
    }
    for (const [position, change] of process.credentials.entries()) {
      if (skip.has(change.seq)) continue;
      const changeEvent = make(record?.credentials[position], change.seq, {
        source: 'syscall',
        kind: 'process.credentials',
        subject: { ...base, pid: process.pid, process: index.commandAt(process, change.seq) },
        summary: `pid ${process.pid} ${change.call}: uid ${change.uid ?? '?'} euid ${change.euid ?? '?'} gid ${change.gid ?? '?'} egid ${change.egid ?? '?'}`,
        attributes: { call: change.call, uid: change.uid, euid: change.euid, gid: change.gid, egid: change.egid },
      });
      if (changeEvent !== undefined) yield changeEvent;
    }
  }

  // Records, not views: a view formats an ISO time per record, which a million-line trace pays for dearly.
  for (const record of replay.files) {
    const file = record;
    if (skip.has(file.seq) || !isChange(file) || isNoise(file.path)) continue;
    // mkdir -p asks for every folder on the way; the ones that exist change nothing.
    if (file.op === 'mkdir' && file.result === 'EEXIST') continue;
    const op = file.op === 'readwrite' ? 'write' : file.op;
    const process = index.at(file.pid, file.seq);
    const moved = file.newPath === undefined ? '' : op === 'rename' ? ` → ${file.newPath}` : ` (${file.newPath})`;
    const fileEvent = make(record, file.seq, {
      source: 'syscall',
      kind: `file.${op}`,
      subject: { ...base, pid: file.pid, process: index.commandAt(process, file.seq), path: file.path },
      summary:
        `pid ${file.pid} ${op} ${file.path}${moved}` +
        (file.mode === undefined ? '' : ` mode ${file.mode}`) +
        (file.bytesWritten === undefined ? '' : ` (${file.bytesWritten} bytes)`) +
        failed(file.result),
      attributes: {
        newPath: file.newPath,
        target: file.target,
        flags: file.flags?.join('|'),
        mode: file.mode,
        owner: file.owner,
        bytesWritten: file.bytesWritten,
        result: file.result,
      },
    });
    if (fileEvent !== undefined) yield fileEvent;
  }

  for (const record of replay.network) {
    const connection = record;
    if (skip.has(connection.seq) || !NETWORK_OPS.has(connection.op)) continue;
    const process = index.at(connection.pid, connection.seq);
    const networkEvent = make(
      record,
      connection.seq,
      networkDraft(connection, base, index.commandAt(process, connection.seq)),
    );
    if (networkEvent !== undefined) yield networkEvent;
  }

  for (const record of replay.signals) {
    const signal = record;
    if (skip.has(signal.seq) || signal.direction !== 'sent') continue;
    const signalEvent = make(record, signal.seq, {
      source: 'syscall',
      kind: 'signal.sent',
      subject: { ...base, pid: signal.pid, process: index.commandAt(index.at(signal.pid, signal.seq), signal.seq) },
      summary: `pid ${signal.pid} sent ${signal.signal} to ${signal.peer ?? '?'}${failed(signal.result)}`,
      attributes: { signal: signal.signal, target: signal.peer, result: signal.result },
    });
    if (signalEvent !== undefined) yield signalEvent;
  }

  for (const event of sourceEvents) {
    const time = timeFromParts(event.sec, event.nsec);
    if (time === undefined) {
      untimed++;
      continue;
    }
    yield event.kind === 'alert' ? falcoEvent(event, time, ref) : tetragonEvent(event, time, ref);
  }

  return untimed === 0
    ? []
    : [`${ref.itemId}: ${untimed} event(s) without a timestamp left off the time axis (trace without -t/-ttt?)`];
}

function networkDraft(
  connection: NetworkRecord,
  base: { engineId?: string; containerId?: string },
  process: string | undefined,
): Omit<EventDraft, 'time' | 'evidence' | 'confidence'> {
  const where =
    connection.address === null
      ? '(address unknown)'
      : `${connection.address}${connection.port === null ? '' : `:${connection.port}`}`;
  const verb = { connect: 'connected to', accept: 'accepted from', bind: 'bound', listen: 'listened on' }[
    connection.op as 'connect' | 'accept' | 'bind' | 'listen'
  ];
  return {
    source: 'syscall',
    kind: `network.${connection.op}`,
    subject: {
      ...base,
      pid: connection.pid,
      process,
      address: connection.address ?? undefined,
      port: connection.port ?? undefined,
    },
    summary: `pid ${connection.pid} ${verb} ${where}${failed(connection.result)}`,
    attributes: {
      family: connection.family,
      protocol: connection.protocol,
      local: connection.local,
      result: connection.result,
      bytesSent: connection.bytesSent,
      bytesReceived: connection.bytesReceived,
    },
  };
}

/** "T1059", "t1611.001" in Falco's rule tags are ATT&CK ids; other tags (mitre_execution, container) stay attributes. */
export function techniquesFromTags(tags: readonly string[]): string[] {
  return tags.filter((tag) => /^T\d{4}(\.\d{3})?$/i.test(tag)).map((tag) => tag.toUpperCase());
}

function falcoEvent(event: AlertEvent, time: EventTime, ref: ItemRef): TimelineEvent {
  const field = (key: string): string | undefined => {
    const value = event.fields[key];
    return value === undefined || value === null ? undefined : String(value);
  };
  const fields: Record<string, string | number | boolean | null> = {};
  for (const key of Object.keys(event.fields).sort()) fields[`field.${key}`] = event.fields[key] ?? null;
  return makeEvent({
    time,
    source: 'falco',
    kind: 'alert',
    subject: {
      engineId: ref.engineId,
      containerId: event.containerId ?? ref.containerId,
      pid: event.pid ?? undefined,
      process: field('proc.cmdline'),
      path: field('fd.name'),
    },
    summary: `[${event.priority}] ${event.rule}: ${event.output}`,
    attributes: {
      ...fields,
      rule: event.rule,
      priority: event.priority,
      tags: event.tags.join(',') || undefined,
      falcoSource: event.source,
      hostname: event.hostname,
      line: event.line || undefined,
    },
    techniques: techniquesFromTags(event.tags),
    confidence: 'exact',
    evidence: { itemId: ref.itemId, sha256: ref.sha256, locator: `seq ${event.seq}` },
    replaySeq: event.seq,
  });
}

function processText(process: TetragonProcess): string | undefined {
  const parts = [process.binary ?? '', process.arguments ?? ''].filter((part) => part !== '');
  return parts.length === 0 ? undefined : parts.join(' ');
}

function tetragonArg(args: readonly unknown[], key: string): Record<string, unknown> | undefined {
  for (const arg of args) {
    if (arg !== null && typeof arg === 'object' && key in arg) {
      const value = (arg as Record<string, unknown>)[key];
      return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
    }
  }
  return undefined;
}

function tetragonEvent(event: TetragonEvent, time: EventTime, ref: ItemRef): TimelineEvent {
  const process = event.process;
  const command = processText(process);
  const file = tetragonArg(event.args, 'file_arg');
  const sock = tetragonArg(event.args, 'sock_arg');
  const fn = event.functionName ?? '';
  const rawPath = typeof file?.['path'] === 'string' ? file['path'] : undefined;
  const path = rawPath === undefined ? undefined : rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  let kind = `tetragon.${event.type}`;
  let address: string | undefined;
  let port: number | undefined;
  let what = event.type;
  if (event.type === 'process_exec') {
    kind = 'process.exec';
    what = `ran ${command ?? '?'}`;
  } else if (event.type === 'process_exit') {
    kind = 'process.exit';
    what = `exited${event.exitSignal === null ? ` with ${event.exitStatus ?? '?'}` : ` on ${event.exitSignal}`}`;
  } else if (event.type === 'process_connect' && event.connect !== null) {
    kind = 'network.connect';
    address = event.connect.destinationIp;
    port = event.connect.destinationPort;
    what = `connected to ${address}:${port}`;
  } else if (path !== undefined && /write|truncate/.test(fn)) {
    kind = 'file.write';
    what = `${fn} ${path}`;
  } else if (path !== undefined) {
    kind = 'file.access';
    what = `${fn} ${path}`;
  } else if (sock !== undefined && /connect/.test(fn)) {
    kind = 'network.connect';
    address = typeof sock['daddr'] === 'string' ? sock['daddr'] : undefined;
    port = typeof sock['dport'] === 'number' ? sock['dport'] : undefined;
    what = `connected to ${address ?? '?'}:${port ?? '?'}`;
  } else if (fn !== '') {
    kind = `kprobe.${fn}`;
    what = fn;
  }
  return makeEvent({
    time,
    source: 'tetragon',
    kind,
    subject: {
      engineId: ref.engineId,
      containerId: process.containerId ?? ref.containerId,
      pid: process.pid ?? undefined,
      process: command,
      path,
      address,
      port,
    },
    summary: `pid ${process.pid ?? '?'} ${what}`,
    attributes: {
      exe: process.binary,
      cwd: process.cwd,
      uid: process.uid,
      parent: event.parent === null ? undefined : processText(event.parent),
      pod: process.podName,
      namespace: process.podNamespace,
      containerName: process.containerName,
      image: process.image,
      node: event.node,
      policy: event.policy,
      action: event.action,
      function: event.functionName,
      exitStatus: event.exitStatus,
      exitSignal: event.exitSignal,
      line: event.line || undefined,
    },
    confidence: 'exact',
    evidence: { itemId: ref.itemId, sha256: ref.sha256, locator: `seq ${event.seq}` },
    replaySeq: event.seq,
  });
}
