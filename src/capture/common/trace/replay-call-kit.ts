// Shared by the syscall handlers: the handler type, how a call's result and fd arguments are read, network and byte helpers.
import { socketOfNote, type OpenFlags, type ReplayCore } from './replay-core.js';
import type { FdEntry, SocketInfo } from './replay-fds.js';
import type { ProcessRecord, NetworkRecord } from './replay-records.js';
import type { FdNote, SyscallEvent } from './trace-event.js';
import { accessMode, flagList, hasFlag, textArg, type SockAddr } from './strace-args.js';
import { annotationEnd, errnoOf, parseAnnotation, parseFdValue, splitHostPort, type FdValue } from './strace-scan.js';

export type Handler = (core: ReplayCore, event: SyscallEvent, process: ProcessRecord) => void;
/** Registers a handler for syscall names. */
export type Register = (names: readonly string[], handler: Handler) => void;

export function resultOf(event: SyscallEvent): string {
  if (event.state === 'unfinished') return 'unknown';
  return errnoOf(event.ret) ?? (event.ret.startsWith('?') ? 'unknown' : 'ok');
}

// fd arguments repeat constantly ("1</dev/null<char 1:3>>"): their parse is cached by text.
const fdCache = new Map<string, FdValue | null>();
export function fdOf(arg: string | undefined): FdValue | undefined {
  if (arg === undefined) return undefined;
  let value = fdCache.get(arg);
  if (value === undefined) {
    value = parseFdValue(arg) ?? null;
    if (fdCache.size > 4096) fdCache.clear();
    fdCache.set(arg, value);
  }
  return value ?? undefined;
}

/** The -y annotation of a return value ("3</etc/passwd>"), if any. */
export function returnNote(ret: string, fd: number): FdNote | undefined {
  const open = ret.indexOf('<');
  if (open < 0 || ret.charCodeAt(open - 1) === 32) return undefined;
  const close = annotationEnd(ret, open, ret.length);
  return close < 0 ? undefined : parseAnnotation(fd, ret.slice(open + 1, close));
}

/** An open's flags, interpreted once per distinct flags text. */
export function openFlagsOf(core: ReplayCore, text: string | undefined): OpenFlags {
  const key = text ?? '';
  let flags = core.openFlags.get(key);
  if (flags === undefined) {
    const kept = core.intern(key);
    flags = {
      text: kept,
      list: core.internAll(flagList(text)),
      access: accessMode(text),
      create: hasFlag(text, 'O_CREAT'),
      cloexec: hasFlag(text, 'O_CLOEXEC'),
    };
    core.openFlags.set(kept, flags);
  }
  return flags;
}

/** A path argument's text; plain quoted strings (the usual case) without building a decode result. */
export function pathOf(arg: string | undefined): string | undefined {
  if (arg === undefined) return undefined;
  const last = arg.length - 1;
  if (last > 0 && arg.charCodeAt(0) === 34 && arg.charCodeAt(last) === 34 && arg.indexOf('\\') < 0) {
    return arg.slice(1, last);
  }
  return textArg(arg)?.text;
}

export function entryAt(core: ReplayCore, process: ProcessRecord, arg: string | undefined): FdEntry | undefined {
  const value = fdOf(arg);
  return value === undefined ? undefined : core.entryOf(process, value);
}

export function family(arg: string | undefined): string | null {
  if (arg === undefined) return null;
  if (arg === 'PF_FILE' || arg === 'AF_FILE' || arg === 'PF_LOCAL' || arg === 'AF_LOCAL' || arg === 'PF_UNIX') {
    return 'AF_UNIX';
  }
  return arg.startsWith('PF_') ? `AF_${arg.slice(3)}` : arg;
}

export function protocolOf(familyName: string | null, type: string | undefined): string | null {
  const stream = hasFlag(type, 'SOCK_STREAM');
  const datagram = hasFlag(type, 'SOCK_DGRAM');
  if (familyName === 'AF_UNIX') return stream ? 'UNIX-STREAM' : datagram ? 'UNIX-DGRAM' : 'UNIX';
  if (familyName === 'AF_INET') return stream ? 'TCP' : datagram ? 'UDP' : null;
  if (familyName === 'AF_INET6') return stream ? 'TCPv6' : datagram ? 'UDPv6' : null;
  return null;
}

export function endpoint(address: string | null, port: number | null): string | null {
  if (address === null) return null;
  if (port === null) return address;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function socketOf(entry: FdEntry | undefined, note: FdNote | undefined): SocketInfo {
  const fromNote = note === undefined ? null : socketOfNote(note);
  const known = entry?.socket ?? null;
  return {
    family: known?.family ?? fromNote?.family ?? null,
    protocol: fromNote?.protocol ?? known?.protocol ?? null,
    local: fromNote?.local ?? known?.local ?? null,
    remote: fromNote?.remote ?? known?.remote ?? null,
  };
}

export function netRecord(
  core: ReplayCore,
  event: SyscallEvent,
  process: ProcessRecord,
  op: NetworkRecord['op'],
  fd: number | null,
  socket: SocketInfo,
  address: SockAddr | undefined | { address: string | null; port: number | null; family: string | null },
  result: string,
): NetworkRecord {
  // Found by fuzzing: socket() "= 0x7f…" gave fd NaN, htons(<40 digits>) an unsafe port; neither is a number the
  // network view can carry, so both are unknown (null).
  const port = address?.port ?? null;
  const record = core.addNetwork({
    pid: process.pid,
    tid: event.tid,
    op,
    fd: fd !== null && Number.isSafeInteger(fd) ? fd : null,
    family: address?.family ?? socket.family,
    protocol: socket.protocol,
    address: address?.address ?? null,
    port: port !== null && Number.isSafeInteger(port) ? port : null,
    result,
    processId: process.id,
  });
  if (socket.local !== null) record.local = core.intern(socket.local);
  return record;
}

export function datagram(
  core: ReplayCore,
  event: SyscallEvent,
  process: ProcessRecord,
  op: 'sendto' | 'recvfrom',
  value: FdValue,
  entry: FdEntry | undefined,
  address: SockAddr,
  bytes: number,
): void {
  const peers = core.datagramPeers;
  const key = `${process.id}|${entry?.desc ?? value.fd}|${op}|${address.address}|${address.port}`;
  let record = peers.get(key);
  const result = resultOf(event);
  if (record === undefined || record.result !== result) {
    record = netRecord(core, event, process, op, value.fd, socketOf(entry, value.note), address, result);
    peers.set(key, record);
  }
  if (bytes > 0) {
    if (op === 'sendto') record.bytesSent = (record.bytesSent ?? 0) + bytes;
    else record.bytesReceived = (record.bytesReceived ?? 0) + bytes;
  }
}

/** Bytes through a socket with no connect/accept record in the trace (connected before it began). */
export function streamCounter(
  core: ReplayCore,
  event: SyscallEvent,
  process: ProcessRecord,
  fd: number,
  entry: FdEntry,
  op: 'sendto' | 'recvfrom',
): NetworkRecord {
  const socket = socketOf(entry, undefined);
  const remote = socket.remote === null ? { address: null, port: null } : splitHostPort(socket.remote);
  const record = netRecord(core, event, process, op, fd, socket, { ...remote, family: socket.family }, 'ok');
  core.install(process, fd, { ...entry, counter: record });
  return record;
}

export function addBytes(
  core: ReplayCore,
  event: SyscallEvent,
  process: ProcessRecord,
  fd: number,
  entry: FdEntry,
  bytes: number,
  outgoing: boolean,
): void {
  if (entry.kind === 'socket') {
    const counter = entry.counter ?? streamCounter(core, event, process, fd, entry, outgoing ? 'sendto' : 'recvfrom');
    if (outgoing) counter.bytesSent = (counter.bytesSent ?? 0) + bytes;
    else counter.bytesReceived = (counter.bytesReceived ?? 0) + bytes;
    return;
  }
  let counter = entry.counter;
  if (counter === null) {
    if (entry.kind !== 'file' || entry.path === null) return;
    // A file opened before the trace began: its first read or write makes the record.
    const record = core.addFile({
      pid: process.pid,
      tid: event.tid,
      op: outgoing ? 'write' : 'read',
      path: entry.path,
      result: 'ok',
      fd,
      processId: process.id,
    });
    core.install(process, fd, { ...entry, counter: record });
    counter = record;
  }
  if (outgoing) counter.bytesWritten = (counter.bytesWritten ?? 0) + bytes;
  else counter.bytesRead = (counter.bytesRead ?? 0) + bytes;
}
