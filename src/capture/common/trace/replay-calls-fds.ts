// Syscalls that change fd tables or move bytes through fds: open, close, dup, fcntl, pipe, read/write, terminal size.
import { kindOfNote, socketOfNote, type ReplayCore } from './replay-core.js';
import type { FdEntry } from './replay-fds.js';
import type { ProcessRecord } from './replay-records.js';
import type { SyscallEvent } from './trace-event.js';
import { argsOf, bytesArg, fdPair, hasFlag, intArg, iovecBytes } from './strace-args.js';
import { leadingFd, leadingInt, type FdValue } from './strace-scan.js';
import {
  type Register,
  type Handler,
  resultOf,
  fdOf,
  returnNote,
  openFlagsOf,
  pathOf,
  entryAt,
  addBytes,
} from './replay-call-kit.js';

// Opening and closing

function openFile(
  core: ReplayCore,
  event: SyscallEvent,
  process: ProcessRecord,
  dirfd: FdValue | undefined,
  pathArg: string | undefined,
  flagsText: string | undefined,
  mode: string | undefined,
): void {
  const path = pathOf(pathArg);
  if (path === undefined) return;
  const resolved = core.resolvePath(process, dirfd, path);
  const result = resultOf(event);
  const flags = openFlagsOf(core, flagsText);
  const record = core.fileRecord(process, event.tid, flags.access, resolved, result);
  record.flags = flags.list;
  if (mode !== undefined && flags.create) record.mode = core.intern(mode);
  if (result !== 'ok') return;
  const fd = leadingInt(event.ret);
  if (!(fd >= 0)) return;
  record.fd = fd;
  const note = returnNote(event.ret, fd);
  const target = note?.path;
  if (target !== undefined && target !== resolved) record.target = core.intern(target);
  const kind = kindOfNote(note ?? { fd, raw: '', kind: 'path', path: resolved });
  // The record's strings are interned already (their hashes cached): the entry reuses them.
  core.install(
    process,
    fd,
    core.newEntry(
      kind,
      record.target ?? record.path,
      flagsText === undefined ? null : flags.text,
      flags.cloexec,
      null,
      record,
    ),
  );
}

function duplicate(
  core: ReplayCore,
  event: SyscallEvent,
  process: ProcessRecord,
  fromArg: string | undefined,
  to: number,
  cloexec: boolean,
): void {
  if (resultOf(event) !== 'ok' || !(to >= 0)) return;
  const from = fdOf(fromArg);
  if (from === undefined) return;
  if (from.fd === to) return;
  const source = core.entryOf(process, from) ?? entryFromReturn(core, event, to);
  if (source === undefined) {
    core.closeFd(process, to);
    return;
  }
  core.install(process, to, { ...source, cloexec });
}

function entryFromReturn(core: ReplayCore, event: SyscallEvent, fd: number): FdEntry | undefined {
  const note = returnNote(event.ret, fd);
  if (note === undefined) return undefined;
  return {
    ...core.newEntry(kindOfNote(note), note.path ?? null, null, false, socketOfNote(note), null),
    openedSeq: -1,
  };
}

function transfer(dataIndex: number, outgoing: boolean, vector: boolean): Handler {
  return (core, event, process) => {
    const bytes = leadingInt(event.ret);
    if (!(bytes >= 0)) return;
    const fd = leadingFd(event.argText);
    if (Number.isNaN(fd)) return;
    let entry = core.entry(process, fd);
    // Only an fd replay knows nothing about needs its -y annotation read (the common case is a cache hit).
    if (entry === undefined || entry.kind === 'unknown') {
      const value = fdOf(argsOf(event)[0]);
      if (value !== undefined) entry = core.entryOf(process, value);
    }
    if (entry === undefined) return;
    if (bytes > 0) addBytes(core, event, process, fd, entry, bytes, outgoing);
    if (!core.isTerminal(entry)) return;
    if (!outgoing && !(entry.session && fd === 0) && entry.kind !== 'tty') return;
    const args = argsOf(event);
    const data = vector ? iovecBytes(args[dataIndex]) : bytesArg(args[dataIndex]);
    if (data === undefined) return;
    const shown = data.bytes.length > bytes ? data.bytes.subarray(0, bytes) : data.bytes;
    core.addTty(process, fd, outgoing ? 'out' : 'in', shown, data.truncated || shown.length < bytes);
  };
}

function copyBetween(fromIndex: number, toIndex: number): Handler {
  return (core, event, process) => {
    const bytes = leadingInt(event.ret);
    if (!(bytes > 0)) return;
    const args = argsOf(event);
    const from = fdOf(args[fromIndex]);
    const to = fdOf(args[toIndex]);
    const source = from === undefined ? undefined : core.entryOf(process, from);
    const sink = to === undefined ? undefined : core.entryOf(process, to);
    if (from !== undefined && source !== undefined) addBytes(core, event, process, from.fd, source, bytes, false);
    if (to !== undefined && sink !== undefined) addBytes(core, event, process, to.fd, sink, bytes, true);
  };
}
// Terminal size (for the asciicast header)

export function fdCalls(on: Register): void {
  on(['open'], (core, event, process) => {
    const args = argsOf(event);
    openFile(core, event, process, undefined, args[0], args[1], args[2]);
  });

  on(['openat'], (core, event, process) => {
    const args = argsOf(event);
    openFile(core, event, process, fdOf(args[0]), args[1], args[2], args[3]);
  });

  on(['openat2'], (core, event, process) => {
    const args = argsOf(event);
    const how = args[2] ?? '';
    const flags = /flags=([^,}]*)/.exec(how)?.[1];
    const mode = /mode=([^,}]*)/.exec(how)?.[1];
    openFile(core, event, process, fdOf(args[0]), args[1], flags, mode);
  });

  on(['creat'], (core, event, process) => {
    const args = argsOf(event);
    openFile(core, event, process, undefined, args[0], 'O_WRONLY|O_CREAT|O_TRUNC', args[1]);
  });

  on(['close'], (core, event, process) => {
    // close's only argument is the fd: no need to split or read its annotation.
    const fd = leadingFd(event.argText);
    if (!Number.isNaN(fd)) core.closeFd(process, fd);
  });

  on(['close_range'], (core, event, process) => {
    if (resultOf(event) !== 'ok') return;
    const args = argsOf(event);
    const first = intArg(args[0]);
    const last = args[1] === '~0U' || args[1] === '-1' ? Number.MAX_SAFE_INTEGER : intArg(args[1]);
    const table = core.fds.live.tables.get(process.table);
    if (table === undefined || Number.isNaN(first)) return;
    const cloexecOnly = hasFlag(args[2], 'CLOSE_RANGE_CLOEXEC');
    for (const [fd, entry] of [...table]) {
      if (fd < first || fd > last) continue;
      if (cloexecOnly) core.install(process, fd, { ...entry, cloexec: true });
      else core.closeFd(process, fd);
    }
  });

  on(['dup'], (core, event, process) => {
    duplicate(core, event, process, argsOf(event)[0], leadingInt(event.ret), false);
  });

  on(['dup2'], (core, event, process) => {
    const args = argsOf(event);
    duplicate(core, event, process, args[0], fdOf(args[1])?.fd ?? leadingInt(event.ret), false);
  });

  on(['dup3'], (core, event, process) => {
    const args = argsOf(event);
    duplicate(core, event, process, args[0], fdOf(args[1])?.fd ?? leadingInt(event.ret), hasFlag(args[2], 'O_CLOEXEC'));
  });

  on(['fcntl', 'fcntl64'], (core, event, process) => {
    // Most fcntl calls (F_GETFL, F_SETFL, locks) change nothing replay tracks: skip them without splitting.
    const text = event.argText;
    if (!text.includes('F_DUPFD') && !text.includes('F_SETFD')) return;
    const args = argsOf(event);
    const command = args[1] ?? '';
    if (command === 'F_DUPFD' || command === 'F_DUPFD_CLOEXEC') {
      duplicate(core, event, process, args[0], leadingInt(event.ret), command === 'F_DUPFD_CLOEXEC');
    } else if (command === 'F_SETFD' && resultOf(event) === 'ok') {
      const entry = entryAt(core, process, args[0]);
      const value = fdOf(args[0]);
      if (entry !== undefined && value !== undefined) {
        core.install(process, value.fd, { ...entry, cloexec: hasFlag(args[2], 'FD_CLOEXEC') || args[2] === '1' });
      }
    }
  });

  on(['pipe', 'pipe2'], (core, event, process) => {
    if (resultOf(event) !== 'ok') return;
    const args = argsOf(event);
    const pair = fdPair(args[0]);
    if (pair === undefined) return;
    const cloexec = hasFlag(args[1], 'O_CLOEXEC');
    for (const end of pair) {
      core.install(process, end.fd, core.newEntry('pipe', end.note?.raw ?? null, args[1] ?? null, cloexec, null, null));
    }
  });

  on(['write', 'pwrite64', 'pwrite'], transfer(1, true, false));

  on(['writev', 'pwritev', 'pwritev2'], transfer(1, true, true));

  on(['read', 'pread64', 'pread'], transfer(1, false, false));

  on(['readv', 'preadv', 'preadv2'], transfer(1, false, true));

  on(['sendfile', 'sendfile64'], copyBetween(1, 0));

  on(['copy_file_range', 'splice'], copyBetween(0, 2));

  on(['ioctl'], (core, event) => {
    const args = argsOf(event);
    if (args[1] !== 'TIOCGWINSZ' && args[1] !== 'TIOCSWINSZ') return;
    if (resultOf(event) !== 'ok' || core.windowSize !== null) return;
    const rows = /ws_row=(\d+)/.exec(args[2] ?? '')?.[1];
    const cols = /ws_col=(\d+)/.exec(args[2] ?? '')?.[1];
    if (rows !== undefined && cols !== undefined) core.windowSize = { rows: Number(rows), cols: Number(cols) };
  });
}
