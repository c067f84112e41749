// One traced syscall's arguments as strace prints them, from the values, strings and bytes bpftrace captured.
//
// What bpftrace did not capture is shown the way strace shows memory it did not read: as the address (or NULL),
// never as a made-up value. Values arrive as 64-bit integers; each argument is narrowed to its C type here
// (an `int` fd of -100 arrives as 4294967196).
import { FAILED_ARGV, IOVECS, STRING_CHUNK, type CallSpec, type EnterLayout } from './bpftrace-calls.js';
import { argvText, concat, fdNote, pointerText, quoteBytes, sockaddrText } from './bpftrace-format.js';
import {
  atFlagsText,
  cloneFlagsText,
  dirfdText,
  errnoName,
  familyName,
  fcntlCommandText,
  idText,
  modeText,
  msgFlagsText,
  openFlagsText,
  openTakesMode,
  pipeFlagsText,
  protocolText,
  renameFlagsText,
  signalName,
  sockFlagsText,
  socketTypeText,
} from './bpftrace-names.js';

/** Bytes moved by a read/write (part 0) or one iovec (part j): the length the call named, what was read of it. */
export interface DataPart {
  length: bigint;
  chunks: (Uint8Array | undefined)[];
}

export interface CapturedCall {
  spec: CallSpec;
  layout: EnterLayout;
  /** The E line's values; undefined when only the call's exit was traced. */
  enter: readonly bigint[] | undefined;
  /** C-string arguments by slot (already joined from their chunks). */
  strings: readonly ({ bytes: Uint8Array; truncated: boolean } | undefined)[];
  /** Return value; undefined while the call never returned in the trace. */
  ret: bigint | undefined;
  exit: readonly bigint[];
  data: ReadonlyMap<number, DataPart>;
  address: { length: number; bytes: Uint8Array } | undefined;
  /** A failed exec's argv elements by index (read from the old image at exit). */
  failedArgv: ReadonlyMap<number, Uint8Array>;
  /** A successful exec: the kernel's copy of the file name and the new image's argv block. */
  exec:
    | { filename: { bytes: Uint8Array; truncated: boolean } | undefined; argv: Uint8Array; argvBytes: number }
    | undefined;
}

const int32 = (value: bigint): string => BigInt.asIntN(32, value).toString();
const uint64 = (value: bigint): string => BigInt.asUintN(64, value).toString();
const int64 = (value: bigint): string => BigInt.asIntN(64, value).toString();

class Args {
  constructor(private readonly call: CapturedCall) {}

  value(index: number): bigint {
    return this.call.enter?.[index] ?? 0n;
  }

  /** A pointer argument as strace shows one; `?` when the call's entry was not traced. */
  pointer(index: number): string {
    return this.call.enter === undefined ? '?' : pointerText(this.value(index));
  }

  known(): boolean {
    return this.call.enter !== undefined;
  }

  /** String argument `slot`: quoted when read, else its address. */
  string(slot: number): string {
    const read = this.call.strings[slot];
    if (read !== undefined) return quoteBytes(read.bytes, read.truncated);
    return this.call.enter === undefined ? '?' : pointerText(this.value(this.call.layout.strings + slot));
  }

  ok(): boolean {
    return this.call.ret !== undefined && this.call.ret >= 0n;
  }

  /** The fd argument, with what -yy would say about its open file when that was described. */
  fd(index: number): string {
    const fd = int32(this.value(index));
    const at = this.call.layout.fd;
    if (at < 0 || !this.ok()) return fd;
    const note = fdNote(this.value(at), this.value(at + 1), this.value(at + 2));
    return note === undefined ? fd : `${fd}<${note}>`;
  }

  /** A read/write buffer: the bytes when they were captured (cut to what moved), else the address. */
  buffer(): string {
    const part = this.call.data.get(0);
    const moved = this.call.ret ?? -1n;
    if (part === undefined || moved < 0n) return this.pointer(this.call.layout.data);
    const { bytes, complete } = joined(part);
    const shown = bytes.length > moved ? bytes.subarray(0, Number(moved)) : bytes;
    return quoteBytes(shown, !complete || BigInt(shown.length) < moved);
  }

  /** A readv/writev iovec array; readv's parts are cut to what the call filled. */
  iovecs(count: bigint, filledOnly: boolean): string {
    if (this.call.data.size === 0 || !this.ok()) return this.pointer(this.call.layout.data);
    let remaining = this.call.ret ?? 0n;
    const items: string[] = [];
    const shown = count < BigInt(IOVECS) ? Number(count) : IOVECS;
    for (let index = 0; index < shown; index++) {
      const part = this.call.data.get(index);
      if (part === undefined) {
        items.push('...');
        break;
      }
      const { bytes, complete } = joined(part);
      const limit = filledOnly ? (remaining < part.length ? remaining : part.length) : part.length;
      remaining = remaining > part.length ? remaining - part.length : 0n;
      const cut = bytes.length > limit ? bytes.subarray(0, Number(limit)) : bytes;
      items.push(
        `{iov_base=${quoteBytes(cut, !complete || BigInt(cut.length) < limit)}, iov_len=${uint64(part.length)}}`,
      );
    }
    if (count > BigInt(shown) && items[items.length - 1] !== '...') items.push('...');
    return `[${items.join(', ')}]`;
  }

  /** A socket address argument: decoded when it was read, else its address. */
  sockaddr(pointerIndex: number): string {
    const address = this.call.address;
    if (address !== undefined) return sockaddrText(address.bytes, address.length);
    return this.pointer(pointerIndex);
  }

  /** An in/out address length (`[16]`), or its address when the kernel filled nothing in. */
  sockaddrLength(pointerIndex: number): string {
    const address = this.call.address;
    return address !== undefined ? `[${address.length}]` : this.pointer(pointerIndex);
  }

  /** An fd pair written by the kernel (pipe, socketpair); its address when the call failed. */
  pair(pointerIndex: number): string {
    if (this.call.ret !== 0n) return this.pointer(pointerIndex);
    return `[${int32(this.call.exit[0] ?? 0n)}, ${int32(this.call.exit[1] ?? 0n)}]`;
  }
}

function joined(part: DataPart): { bytes: Uint8Array; complete: boolean } {
  const parts: Uint8Array[] = [];
  for (const chunk of part.chunks) {
    if (chunk === undefined) return { bytes: concat(parts), complete: false };
    parts.push(chunk);
  }
  return { bytes: concat(parts), complete: true };
}

/** An exec's file name and argv: from the new image when it succeeded, from the old one when it failed. */
function execArgs(call: CapturedCall, a: Args, argvPointer: number): { filename: string; argv: string } {
  const exec = call.exec;
  if (exec !== undefined && call.ret === 0n) {
    const filename = exec.filename === undefined ? '?' : quoteBytes(exec.filename.bytes, exec.filename.truncated);
    return { filename, argv: argvText(exec.argv, exec.argvBytes) };
  }
  if (call.ret === undefined) return { filename: a.string(0), argv: a.pointer(argvPointer) };
  const items: string[] = [];
  for (let index = 0; call.failedArgv.has(index); index++) {
    const element = call.failedArgv.get(index) ?? new Uint8Array(0);
    // str() stops at STRING_CHUNK bytes: an element that long may have been cut.
    const end = element.indexOf(0);
    const length = Math.min(end < 0 ? element.length : end, STRING_CHUNK);
    items.push(quoteBytes(element.subarray(0, length), length === STRING_CHUNK));
  }
  // The last exit value is argv[FAILED_ARGV]: when every element before it was read and it is not NULL, argv
  // had more elements than were read. (With fewer elements it lies past argv's NULL: not argv at all.)
  if (items.length === FAILED_ARGV && (call.exit[call.exit.length - 1] ?? 0n) !== 0n) items.push('...');
  return { filename: a.string(0), argv: `[${items.join(', ')}]` };
}

type Formatter = (a: Args, call: CapturedCall) => string[];

const v = (a: Args, index: number): bigint => a.value(index);

const FORMATTERS: Readonly<Record<string, Formatter>> = {
  execve: (a, call) => {
    const { filename, argv } = execArgs(call, a, 0);
    return [filename, argv, a.pointer(1)];
  },
  execveat: (a, call) => {
    const { filename, argv } = execArgs(call, a, 1);
    return [dirfdText(v(a, 0)), filename, argv, a.pointer(2), atFlagsText(v(a, 3))];
  },
  clone: (a) => [`flags=${cloneFlagsText(v(a, 0))}`],
  clone3: (a) => [
    `{flags=${cloneFlagsText(v(a, 0), v(a, 1))}, exit_signal=${signalName(Number(v(a, 1)))}}`,
    uint64(v(a, 2)),
  ],
  fork: () => [],
  vfork: () => [],
  kill: (a) => [int32(v(a, 0)), signalName(Number(v(a, 1)))],
  tkill: (a) => [int32(v(a, 0)), signalName(Number(v(a, 1)))],
  tgkill: (a) => [int32(v(a, 0)), int32(v(a, 1)), signalName(Number(v(a, 2)))],
  setuid: (a) => [idText(v(a, 0))],
  setgid: (a) => [idText(v(a, 0))],
  setreuid: (a) => [idText(v(a, 0)), idText(v(a, 1))],
  setregid: (a) => [idText(v(a, 0)), idText(v(a, 1))],
  setresuid: (a) => [idText(v(a, 0)), idText(v(a, 1)), idText(v(a, 2))],
  setresgid: (a) => [idText(v(a, 0)), idText(v(a, 1)), idText(v(a, 2))],
  setfsuid: (a) => [idText(v(a, 0))],
  setfsgid: (a) => [idText(v(a, 0))],
  chdir: (a) => [a.string(0)],
  fchdir: (a) => [int32(v(a, 0))],
  open: (a) => {
    const flags = v(a, 0);
    return [a.string(0), openFlagsText(flags), ...(openTakesMode(flags) ? [modeText(v(a, 1))] : [])];
  },
  openat: (a) => {
    const flags = v(a, 1);
    return [
      dirfdText(v(a, 0)),
      a.string(0),
      openFlagsText(flags),
      ...(openTakesMode(flags) ? [modeText(v(a, 2))] : []),
    ];
  },
  openat2: (a) => [
    dirfdText(v(a, 0)),
    a.string(0),
    `{flags=${openFlagsText(v(a, 1))}, mode=${modeText(v(a, 2))}, resolve=${a.pointer(3).replace('NULL', '0')}}`,
    uint64(v(a, 4)),
  ],
  creat: (a) => [a.string(0), modeText(v(a, 0))],
  read: (a) => [a.fd(0), a.buffer(), uint64(v(a, 1))],
  write: (a) => [a.fd(0), a.buffer(), uint64(v(a, 1))],
  pread64: (a) => [a.fd(0), a.buffer(), uint64(v(a, 1)), int64(v(a, 2))],
  pwrite64: (a) => [a.fd(0), a.buffer(), uint64(v(a, 1)), int64(v(a, 2))],
  readv: (a) => [a.fd(0), a.iovecs(v(a, 1), true), uint64(v(a, 1))],
  writev: (a) => [a.fd(0), a.iovecs(v(a, 1), false), uint64(v(a, 1))],
  sendfile64: (a) => [int32(v(a, 0)), int32(v(a, 1)), a.pointer(2), uint64(v(a, 3))],
  splice: (a) => [int32(v(a, 0)), a.pointer(1), int32(v(a, 2)), a.pointer(3), uint64(v(a, 4)), uint64(v(a, 5))],
  copy_file_range: (a) => [
    int32(v(a, 0)),
    a.pointer(1),
    int32(v(a, 2)),
    a.pointer(3),
    uint64(v(a, 4)),
    uint64(v(a, 5)),
  ],
  close: (a) => [int32(v(a, 0))],
  dup: (a) => [int32(v(a, 0))],
  dup2: (a) => [int32(v(a, 0)), int32(v(a, 1))],
  dup3: (a) => [int32(v(a, 0)), int32(v(a, 1)), pipeFlagsText(v(a, 2))],
  fcntl: (a) => {
    const command = v(a, 1);
    const argument = command === 2n ? ((v(a, 2) & 1n) === 1n ? 'FD_CLOEXEC' : '0') : int32(v(a, 2));
    return [int32(v(a, 0)), fcntlCommandText(command), argument];
  },
  pipe: (a) => [a.pair(0)],
  pipe2: (a) => [a.pair(0), pipeFlagsText(v(a, 1))],
  unlink: (a) => [a.string(0)],
  unlinkat: (a) => [dirfdText(v(a, 0)), a.string(0), atFlagsText(v(a, 1))],
  rmdir: (a) => [a.string(0)],
  rename: (a) => [a.string(0), a.string(1)],
  renameat: (a) => [dirfdText(v(a, 0)), a.string(0), dirfdText(v(a, 1)), a.string(1)],
  renameat2: (a) => [dirfdText(v(a, 0)), a.string(0), dirfdText(v(a, 1)), a.string(1), renameFlagsText(v(a, 2))],
  chmod: (a) => [a.string(0), modeText(v(a, 0))],
  fchmod: (a) => [int32(v(a, 0)), modeText(v(a, 1))],
  fchmodat: (a) => [dirfdText(v(a, 0)), a.string(0), modeText(v(a, 1))],
  fchmodat2: (a) => [dirfdText(v(a, 0)), a.string(0), modeText(v(a, 1)), atFlagsText(v(a, 2))],
  chown: (a) => [a.string(0), idText(v(a, 0)), idText(v(a, 1))],
  lchown: (a) => [a.string(0), idText(v(a, 0)), idText(v(a, 1))],
  fchown: (a) => [int32(v(a, 0)), idText(v(a, 1)), idText(v(a, 2))],
  fchownat: (a) => [dirfdText(v(a, 0)), a.string(0), idText(v(a, 1)), idText(v(a, 2)), atFlagsText(v(a, 3))],
  mkdir: (a) => [a.string(0), modeText(v(a, 0))],
  mkdirat: (a) => [dirfdText(v(a, 0)), a.string(0), modeText(v(a, 1))],
  symlink: (a) => [a.string(0), a.string(1)],
  symlinkat: (a) => [a.string(0), dirfdText(v(a, 0)), a.string(1)],
  link: (a) => [a.string(0), a.string(1)],
  linkat: (a) => [dirfdText(v(a, 0)), a.string(0), dirfdText(v(a, 1)), a.string(1), atFlagsText(v(a, 2))],
  truncate: (a) => [a.string(0), int64(v(a, 0))],
  ftruncate: (a) => [int32(v(a, 0)), int64(v(a, 1))],
  socket: (a) => {
    const family = Number(BigInt.asIntN(32, v(a, 0)));
    return [familyName(family), socketTypeText(v(a, 1)), protocolText(family, v(a, 2))];
  },
  socketpair: (a) => {
    const family = Number(BigInt.asIntN(32, v(a, 0)));
    return [familyName(family), socketTypeText(v(a, 1)), protocolText(family, v(a, 2)), a.pair(3)];
  },
  bind: (a) => [int32(v(a, 0)), a.sockaddr(1), int32(v(a, 2))],
  connect: (a) => [int32(v(a, 0)), a.sockaddr(1), int32(v(a, 2))],
  listen: (a) => [int32(v(a, 0)), int32(v(a, 1))],
  accept: (a) => [int32(v(a, 0)), a.sockaddr(1), a.sockaddrLength(2)],
  accept4: (a) => [int32(v(a, 0)), a.sockaddr(1), a.sockaddrLength(2), sockFlagsText(v(a, 3))],
  sendto: (a) => [int32(v(a, 0)), a.pointer(1), uint64(v(a, 2)), msgFlagsText(v(a, 3)), a.sockaddr(4), int32(v(a, 5))],
  recvfrom: (a) => [
    int32(v(a, 0)),
    a.pointer(1),
    uint64(v(a, 2)),
    msgFlagsText(v(a, 3)),
    a.sockaddr(4),
    a.sockaddrLength(5),
  ],
  sendmsg: (a) => [int32(v(a, 0)), a.pointer(1), msgFlagsText(v(a, 2))],
  recvmsg: (a) => [int32(v(a, 0)), a.pointer(1), msgFlagsText(v(a, 2))],
  getsockopt: (a, call) => {
    const value = call.exit[0];
    const shown = a.ok() && value !== undefined ? `[${value === 0n ? '0' : errnoName(Number(value))}]` : a.pointer(1);
    return [int32(v(a, 0)), 'SOL_SOCKET', 'SO_ERROR', shown, a.pointer(2)];
  },
};

/** The call's arguments as strace prints them; an empty list when only its exit was traced. */
export function callArguments(call: CapturedCall): string[] {
  const args = new Args(call);
  if (!args.known() && call.exec === undefined) return [];
  const formatter = FORMATTERS[call.spec.name];
  return formatter === undefined ? [] : formatter(args, call);
}
