// Decoders for the argument shapes replay reads: paths, argv arrays, flags, socket addresses, pipe fds, iovecs.
//
// Only called for the syscalls replay understands, so clarity wins over speed here; raw text stays available.
import { bytesToText, concatBytes, decodeStraceString, type DecodedString } from './trace-bytes.js';
import type { SyscallEvent } from './trace-event.js';
import { parseFdValue, splitArgs, straceNamespacePid, type FdValue } from './strace-scan.js';

/** The event's top-level arguments (split once, then cached on the event). */
export function argsOf(event: SyscallEvent): string[] {
  let args = event.args;
  if (args === undefined) {
    args = splitArgs(event.argText);
    event.args = args;
  }
  return args;
}

/** A string argument as text (UTF-8, invalid bytes kept as U+DC80..U+DCFF); undefined when not a string. */
export function textArg(arg: string | undefined): { text: string; truncated: boolean } | undefined {
  if (arg === undefined) return undefined;
  // Fast path: a plain quoted string with no escapes is its own text (strace escapes every non-ASCII byte).
  if (arg.charCodeAt(0) === 34 && arg.indexOf('\\') < 0) {
    const last = arg.length - 1;
    if (last > 0 && arg.charCodeAt(last) === 34) return { text: arg.slice(1, last), truncated: false };
    if (arg.endsWith('"...') && last > 3) return { text: arg.slice(1, last - 3), truncated: true };
  }
  const decoded = decodeStraceString(arg);
  if (decoded === undefined) return undefined;
  return { text: bytesToText(decoded.bytes), truncated: decoded.truncated };
}

/** A string argument as bytes. */
export function bytesArg(arg: string | undefined): DecodedString | undefined {
  return arg === undefined ? undefined : decodeStraceString(arg);
}

/** `["sh", "-c", "…"...]` → items; `truncated` when a string or the array itself was cut (`...`). */
export function stringArray(arg: string | undefined): { items: string[]; truncated: boolean } | undefined {
  if (arg === undefined || !arg.startsWith('[') || !arg.endsWith(']')) return undefined;
  const items: string[] = [];
  let truncated = false;
  for (const element of splitArgs(arg, 1, arg.length - 1)) {
    if (element === '...') {
      truncated = true;
      continue;
    }
    const decoded = textArg(element);
    if (decoded === undefined) return undefined;
    if (decoded.truncated) truncated = true;
    items.push(decoded.text);
  }
  return { items, truncated };
}

/** An fd argument (`3`, `3</etc/passwd>`, `AT_FDCWD</tmp>`). */
export function fdArg(arg: string | undefined): FdValue | undefined {
  return arg === undefined ? undefined : parseFdValue(arg);
}

/** An integer argument: decimal, 0x hex, or 0-prefixed octal (modes); NaN otherwise. */
export function intArg(arg: string | undefined): number {
  if (arg === undefined) return Number.NaN;
  if (arg.endsWith(" in strace's PID NS */")) arg = straceNamespacePid(arg);
  let value = Number.NaN;
  if (/^-?\d+$/.test(arg)) value = /^0\d/.test(arg) ? Number.parseInt(arg, 8) : Number(arg);
  else if (/^0x[0-9a-f]+$/i.test(arg)) value = Number.parseInt(arg.slice(2), 16);
  // Beyond 2^53 the digits are not held exactly (and no view schema takes them): not a number, like any other text.
  return Number.isSafeInteger(value) ? value : Number.NaN;
}

/** `O_WRONLY|O_CREAT|O_TRUNC` → the names (numbers kept as text). */
export function flagList(arg: string | undefined): string[] {
  if (arg === undefined || arg === '') return [];
  return arg.split('|').map((flag) => flag.trim());
}

export function hasFlag(arg: string | undefined, flag: string): boolean {
  if (arg === undefined) return false;
  const at = arg.indexOf(flag);
  if (at < 0) return false;
  const before = at === 0 ? '|' : arg.charAt(at - 1);
  const after = arg.charAt(at + flag.length);
  return (before === '|' || before === ' ' || before === '=' || before === '{') && !/[A-Z0-9_]/.test(after);
}

/** The open access mode of a flags argument. */
export function accessMode(flags: string | undefined): 'read' | 'write' | 'readwrite' {
  if (hasFlag(flags, 'O_RDWR')) return 'readwrite';
  if (hasFlag(flags, 'O_WRONLY')) return 'write';
  return 'read';
}

/** clone/clone3 flags: `flags=CLONE_VM|…` inside the argument text; empty for fork/vfork. */
export function cloneFlags(argText: string): string {
  const at = argText.indexOf('flags=');
  if (at < 0) return '';
  let end = at + 6;
  while (end < argText.length && argText.charAt(end) !== ',' && argText.charAt(end) !== '}') end++;
  return argText.slice(at + 6, end);
}

/** A socket address as strace decodes it. */
export interface SockAddr {
  family: string;
  /** IP address, unix path ("@name" for abstract), or null when unnamed. */
  address: string | null;
  port: number | null;
}

/**
 * `{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("1.2.3.4")}`, AF_INET6 with inet_pton,
 * AF_UNIX/AF_FILE paths (abstract `@"name"`), and any other family by name only. Undefined for NULL or non-structs.
 */
export function sockAddr(arg: string | undefined): SockAddr | undefined {
  if (arg === undefined || !arg.startsWith('{')) return undefined;
  const family = /sa_family=(\w+)/.exec(arg)?.[1];
  if (family === undefined) return undefined;
  if (family === 'AF_INET') {
    const port = /sin_port=htons\((\d+)\)/.exec(arg)?.[1];
    const address = /inet_addr\("([^"]*)"\)/.exec(arg)?.[1];
    return { family, address: address ?? null, port: port === undefined ? null : Number(port) };
  }
  if (family === 'AF_INET6') {
    const port = /sin6_port=htons\((\d+)\)/.exec(arg)?.[1];
    const address = /inet_pton\(AF_INET6, "([^"]*)"/.exec(arg)?.[1];
    return { family, address: address ?? null, port: port === undefined ? null : Number(port) };
  }
  if (family === 'AF_UNIX' || family === 'AF_FILE' || family === 'AF_LOCAL') {
    const pathAt = /(?:sun_path|path)=(@?)"/.exec(arg);
    if (pathAt === null) return { family: 'AF_UNIX', address: null, port: null };
    const decoded = textArg(arg.slice(pathAt.index + pathAt[0].length - 1));
    const address = decoded === undefined ? null : `${pathAt[1]}${decoded.text}`;
    return { family: 'AF_UNIX', address, port: null };
  }
  return { family, address: null, port: null };
}

/** `[3, 4]` or `[3<pipe:[1]>, 4<pipe:[1]>]` → both fds. */
export function fdPair(arg: string | undefined): [FdValue, FdValue] | undefined {
  if (arg === undefined || !arg.startsWith('[') || !arg.endsWith(']')) return undefined;
  const [first, second] = splitArgs(arg, 1, arg.length - 1);
  const a = fdArg(first);
  const b = fdArg(second);
  return a === undefined || b === undefined ? undefined : [a, b];
}

/** getsockopt(…, SO_ERROR, [ECONNREFUSED], …) → "ECONNREFUSED"; `[0]` → "0". */
export function bracketValue(arg: string | undefined): string | undefined {
  if (arg === undefined || !arg.startsWith('[') || !arg.endsWith(']')) return undefined;
  return arg.slice(1, -1).trim();
}

/** Data of a writev/readv iovec array: `[{iov_base="…", iov_len=3}, …]`; truncated when any part was cut. */
export function iovecBytes(arg: string | undefined): DecodedString | undefined {
  if (arg === undefined || !arg.startsWith('[')) return undefined;
  const chunks: Uint8Array[] = [];
  let truncated = false;
  for (const element of splitArgs(arg, 1, arg.length - (arg.endsWith(']') ? 1 : 0))) {
    if (element === '...') {
      truncated = true;
      continue;
    }
    const base = /iov_base=/.exec(element);
    if (base === null) continue;
    const decoded = decodeStraceString(element.slice(base.index + 9));
    if (decoded === undefined) continue;
    chunks.push(decoded.bytes);
    if (decoded.truncated) truncated = true;
  }
  return { bytes: concatBytes(chunks), truncated };
}

/** `{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7669, …}` → si_pid (or undefined). */
export function signalSender(info: string): number | undefined {
  // At most 15 digits (a safe integer): found by fuzzing, si_pid=18446744073709551615 became an unsafe peer pid.
  const match = /si_pid=(\d{1,15})(?!\d)/.exec(info);
  return match === null ? undefined : Number(match[1]);
}
