// Tetragon and Falco events in replay: processes from exec/exit, files and connections from kprobes, alerts.
//
// These sources describe processes rather than syscalls: a process_exec names the process and its parent, so
// both become records (the parent as a root when the trace never showed its start). Tetragon's older file_arg
// paths have no leading slash ("etc/passwd") though they are relative to the root: replay adds the slash.
import { base64Decode } from './trace-bytes.js';
import type { AlertEvent, TetragonEvent, TetragonProcess } from './trace-event.js';
import type { ReplayCore } from './replay-core.js';
import type { ProcessRecord } from './replay-records.js';
import { normalizePath } from './trace-paths.js';
import { parseIso } from './trace-time.js';

/** Splits Tetragon's single argument string the way a shell would (double quotes group, backslash escapes). */
export function splitArguments(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let started = false;
  for (let index = 0; index < text.length; index++) {
    const character = text.charAt(index);
    if (character === '\\' && index + 1 < text.length) {
      current += text.charAt(++index);
      started = true;
    } else if (character === '"') {
      quoted = !quoted;
      started = true;
    } else if (character === ' ' && !quoted) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += character;
      started = true;
    }
  }
  if (started) out.push(current);
  return out;
}

function argvOf(process: TetragonProcess): string[] {
  const binary = process.binary ?? '';
  const rest = process.arguments === null ? [] : splitArguments(process.arguments);
  return [binary, ...rest];
}

/** The live record for a Tetragon process, created (as a root or under its parent) when unknown. */
function ensure(core: ReplayCore, process: TetragonProcess, parent: ProcessRecord | null): ProcessRecord | null {
  if (process.pid === null) return null;
  const existing = core.findLive(process.pid);
  if (existing !== undefined) return existing;
  const record = core.newProcess(process.pid, parent, 'tetragon');
  record.exe = process.binary;
  record.argv = argvOf(process);
  record.startExe = record.exe;
  record.startArgv = record.argv;
  record.cwd = process.cwd;
  record.uid = process.uid;
  startedAt(record, process);
  return record;
}

/** Tetragon knows when a process started (possibly before the event): the record says so. */
function startedAt(record: ProcessRecord, process: TetragonProcess): void {
  const start = process.startTime === null ? undefined : parseIso(process.startTime);
  if (start !== undefined) record.start = { seq: record.start.seq, sec: start.sec, nsec: start.nsec };
}

function rootPath(path: string): string {
  return normalizePath(path.startsWith('/') ? path : `/${path}`);
}

function argOf(args: readonly unknown[], key: string): unknown {
  for (const arg of args) {
    if (arg !== null && typeof arg === 'object' && key in arg) return (arg as Record<string, unknown>)[key];
  }
  return undefined;
}

export function applyTetragon(core: ReplayCore, event: TetragonEvent): void {
  const parent = event.parent === null ? null : ensure(core, event.parent, null);
  const pid = event.process.pid;
  if (pid === null) {
    core.addDiagnostic(`tetragon ${event.type} without a process pid`);
    return;
  }
  if (event.type === 'process_exec') {
    const previous = core.findLive(pid);
    // A new exec of a live pid is the same process changing its image (execve); otherwise a new process.
    const record = previous ?? core.newProcess(pid, parent, 'tetragon');
    if (previous === undefined) startedAt(record, event.process);
    const argv = argvOf(event.process);
    const exe = event.process.binary ?? '';
    const now = core.stamp();
    record.execs.push({
      seq: now.seq,
      sec: now.sec,
      nsec: now.nsec,
      exe,
      argv,
      argvTruncated: false,
      ok: true,
      error: undefined,
    });
    record.exe = exe;
    record.argv = argv;
    record.cwd = event.process.cwd ?? record.cwd;
    record.uid = event.process.uid ?? record.uid;
    core.addFile({ pid, tid: event.process.tid ?? pid, op: 'exec', path: exe, result: 'ok', processId: record.id });
    return;
  }
  const record = ensure(core, event.process, parent);
  if (record === null) return;
  if (event.type === 'process_exit') {
    core.endProcess(record, event.exitSignal === null ? event.exitStatus : null, event.exitSignal);
    return;
  }
  if (event.type === 'process_connect' && event.connect !== null) {
    const connect = event.connect;
    core.addNetwork({
      pid,
      tid: event.process.tid ?? pid,
      op: 'connect',
      fd: null,
      family: connect.destinationIp.includes(':') ? 'AF_INET6' : 'AF_INET',
      protocol: connect.protocol,
      address: connect.destinationIp,
      port: connect.destinationPort,
      local: `${connect.sourceIp}:${connect.sourcePort}`,
      result: 'ok',
      processId: record.id,
    });
    return;
  }
  applyHook(core, event, record);
}

/** process_kprobe/tracepoint/lsm: the hooks whose meaning replay knows (writes, opens, connects). */
function applyHook(core: ReplayCore, event: TetragonEvent, record: ProcessRecord): void {
  const name = event.functionName ?? '';
  const file = argOf(event.args, 'file_arg') as { path?: unknown } | undefined;
  const path = typeof file?.path === 'string' ? rootPath(file.path) : null;
  const tid = event.process.tid ?? record.pid;
  if (path !== null && /write|truncate/.test(name)) {
    const size = Number(argOf(event.args, 'size_arg'));
    const data = argOf(event.args, 'bytes_arg');
    const decoded = typeof data === 'string' ? base64Decode(data) : undefined;
    // A byte count, so a safe non-negative integer: found by fuzzing, size_arg 1e308 broke the file view.
    const bytes = Number.isSafeInteger(size) && size >= 0 ? size : (decoded?.length ?? 0);
    core.addFile({ pid: record.pid, tid, op: 'write', path, result: 'ok', bytesWritten: bytes, processId: record.id });
    return;
  }
  if (path !== null && /open|fd_install|file_permission/.test(name)) {
    core.addFile({ pid: record.pid, tid, op: 'read', path, result: 'ok', processId: record.id });
    return;
  }
  const sock = argOf(event.args, 'sock_arg') as Record<string, unknown> | undefined;
  if (sock !== undefined && /connect/.test(name)) {
    core.addNetwork({
      pid: record.pid,
      tid,
      op: 'connect',
      fd: null,
      family: typeof sock.family === 'string' ? sock.family : null,
      protocol: typeof sock.protocol === 'string' ? sock.protocol : null,
      address: typeof sock.daddr === 'string' ? sock.daddr : null,
      port: typeof sock.dport === 'number' ? sock.dport : null,
      result: 'ok',
      processId: record.id,
    });
  }
}

function field(event: AlertEvent, key: string): string | null {
  const value = event.fields[key];
  return value === undefined || value === null ? null : String(value);
}

export function applyAlert(core: ReplayCore, event: AlertEvent): void {
  let pid = event.pid;
  if (pid !== null && core.findLive(pid) === undefined) {
    const ppid = Number(field(event, 'proc.ppid'));
    const parent = Number.isInteger(ppid) && ppid > 0 ? (core.findLive(ppid) ?? null) : null;
    const record = core.newProcess(pid, parent, 'falco');
    record.exe = field(event, 'proc.exepath') ?? field(event, 'proc.exe') ?? field(event, 'proc.name');
    const cmdline = field(event, 'proc.cmdline');
    record.argv = cmdline === null ? [] : cmdline.trim().split(/\s+/);
    record.startExe = record.exe;
    record.startArgv = record.argv;
    record.cwd = field(event, 'proc.cwd');
  }
  if (pid !== null && !Number.isInteger(pid)) pid = null;
  core.addAlert({
    pid,
    rule: event.rule,
    priority: event.priority,
    output: event.output,
    containerId: event.containerId,
    path: field(event, 'fd.name'),
  });
}
