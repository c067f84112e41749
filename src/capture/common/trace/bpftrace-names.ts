// Linux x86_64 numbers → the names strace prints (errno, signals, open/at/clone/socket flags), for bpftrace's raw values.
//
// bpftrace hands over syscall arguments as integers; replay reads strace's argument text. These tables turn one
// into the other the way strace does (flag names joined by `|`, leftovers in hex, errno with its message), so the
// replay handlers that parse strace output read a bpftrace capture unchanged. x86_64 only: the tracer runs on
// the local host, and that is the architecture HoldCell's engines run on here.

/** errno → [name, message as glibc's strerror words it] (what strace prints after `= -1`). */
const ERRNO: Readonly<Record<number, readonly [string, string]>> = {
  1: ['EPERM', 'Operation not permitted'],
  2: ['ENOENT', 'No such file or directory'],
  3: ['ESRCH', 'No such process'],
  4: ['EINTR', 'Interrupted system call'],
  5: ['EIO', 'Input/output error'],
  6: ['ENXIO', 'No such device or address'],
  7: ['E2BIG', 'Argument list too long'],
  8: ['ENOEXEC', 'Exec format error'],
  9: ['EBADF', 'Bad file descriptor'],
  10: ['ECHILD', 'No child processes'],
  11: ['EAGAIN', 'Resource temporarily unavailable'],
  12: ['ENOMEM', 'Cannot allocate memory'],
  13: ['EACCES', 'Permission denied'],
  14: ['EFAULT', 'Bad address'],
  15: ['ENOTBLK', 'Block device required'],
  16: ['EBUSY', 'Device or resource busy'],
  17: ['EEXIST', 'File exists'],
  18: ['EXDEV', 'Invalid cross-device link'],
  19: ['ENODEV', 'No such device'],
  20: ['ENOTDIR', 'Not a directory'],
  21: ['EISDIR', 'Is a directory'],
  22: ['EINVAL', 'Invalid argument'],
  23: ['ENFILE', 'Too many open files in system'],
  24: ['EMFILE', 'Too many open files'],
  25: ['ENOTTY', 'Inappropriate ioctl for device'],
  26: ['ETXTBSY', 'Text file busy'],
  27: ['EFBIG', 'File too large'],
  28: ['ENOSPC', 'No space left on device'],
  29: ['ESPIPE', 'Illegal seek'],
  30: ['EROFS', 'Read-only file system'],
  31: ['EMLINK', 'Too many links'],
  32: ['EPIPE', 'Broken pipe'],
  33: ['EDOM', 'Numerical argument out of domain'],
  34: ['ERANGE', 'Numerical result out of range'],
  35: ['EDEADLK', 'Resource deadlock avoided'],
  36: ['ENAMETOOLONG', 'File name too long'],
  37: ['ENOLCK', 'No locks available'],
  38: ['ENOSYS', 'Function not implemented'],
  39: ['ENOTEMPTY', 'Directory not empty'],
  40: ['ELOOP', 'Too many levels of symbolic links'],
  42: ['ENOMSG', 'No message of desired type'],
  43: ['EIDRM', 'Identifier removed'],
  61: ['ENODATA', 'No data available'],
  62: ['ETIME', 'Timer expired'],
  71: ['EPROTO', 'Protocol error'],
  74: ['EBADMSG', 'Bad message'],
  75: ['EOVERFLOW', 'Value too large for defined data type'],
  84: ['EILSEQ', 'Invalid or incomplete multibyte or wide character'],
  87: ['EUSERS', 'Too many users'],
  88: ['ENOTSOCK', 'Socket operation on non-socket'],
  89: ['EDESTADDRREQ', 'Destination address required'],
  90: ['EMSGSIZE', 'Message too long'],
  91: ['EPROTOTYPE', 'Protocol wrong type for socket'],
  92: ['ENOPROTOOPT', 'Protocol not available'],
  93: ['EPROTONOSUPPORT', 'Protocol not supported'],
  94: ['ESOCKTNOSUPPORT', 'Socket type not supported'],
  95: ['EOPNOTSUPP', 'Operation not supported'],
  96: ['EPFNOSUPPORT', 'Protocol family not supported'],
  97: ['EAFNOSUPPORT', 'Address family not supported by protocol'],
  98: ['EADDRINUSE', 'Address already in use'],
  99: ['EADDRNOTAVAIL', 'Cannot assign requested address'],
  100: ['ENETDOWN', 'Network is down'],
  101: ['ENETUNREACH', 'Network is unreachable'],
  102: ['ENETRESET', 'Network dropped connection on reset'],
  103: ['ECONNABORTED', 'Software caused connection abort'],
  104: ['ECONNRESET', 'Connection reset by peer'],
  105: ['ENOBUFS', 'No buffer space available'],
  106: ['EISCONN', 'Transport endpoint is already connected'],
  107: ['ENOTCONN', 'Transport endpoint is not connected'],
  108: ['ESHUTDOWN', 'Cannot send after transport endpoint shutdown'],
  109: ['ETOOMANYREFS', 'Too many references: cannot splice'],
  110: ['ETIMEDOUT', 'Connection timed out'],
  111: ['ECONNREFUSED', 'Connection refused'],
  112: ['EHOSTDOWN', 'Host is down'],
  113: ['EHOSTUNREACH', 'No route to host'],
  114: ['EALREADY', 'Operation already in progress'],
  115: ['EINPROGRESS', 'Operation now in progress'],
  116: ['ESTALE', 'Stale file handle'],
  122: ['EDQUOT', 'Disk quota exceeded'],
  125: ['ECANCELED', 'Operation canceled'],
  126: ['ENOKEY', 'Required key not available'],
  // Kernel-internal restart codes: a syscall interrupted by a signal; strace prints them with "?" as the value.
  512: ['ERESTARTSYS', 'To be restarted if SA_RESTART is set'],
  513: ['ERESTARTNOINTR', 'To be restarted'],
  514: ['ERESTARTNOHAND', 'To be restarted if no handler'],
  516: ['ERESTART_RESTARTBLOCK', 'Interrupted by signal'],
};

/**
 * A syscall's return value as strace prints it: `3`, `-1 ENOENT (No such file or directory)`, or
 * `? ERESTARTSYS (To be restarted if SA_RESTART is set)` for the kernel's restart codes.
 */
export function returnText(ret: bigint): string {
  if (ret >= -4095n && ret < 0n) {
    const code = Number(-ret);
    const known = ERRNO[code];
    const name = known?.[0] ?? `ERRNO_${code}`;
    const message = known?.[1] ?? `Unknown error ${code}`;
    return `${code >= 512 && code <= 516 ? '?' : '-1'} ${name} (${message})`;
  }
  return ret.toString();
}

export function errnoName(code: number): string {
  return ERRNO[code]?.[0] ?? String(code);
}

const SIGNALS = [
  '0',
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGKILL',
  'SIGUSR1',
  'SIGSEGV',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCHLD',
  'SIGCONT',
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
];

/** 15 → SIGTERM; real-time signals as strace names them (SIGRTMIN, SIGRT_1 …); anything else as the number. */
export function signalName(signal: number): string {
  const named = SIGNALS[signal];
  if (named !== undefined) return named;
  if (signal === 32) return 'SIGRTMIN';
  if (signal > 32 && signal <= 64) return `SIGRT_${signal - 32}`;
  return String(signal);
}

/** si_code of a delivered signal, named the way strace's siginfo shows it. */
export function signalCodeName(signal: number, code: number): string {
  const generic: Record<number, string> = {
    0: 'SI_USER',
    128: 'SI_KERNEL',
    [-1]: 'SI_QUEUE',
    [-2]: 'SI_TIMER',
    [-3]: 'SI_MESGQ',
    [-4]: 'SI_ASYNCIO',
    [-5]: 'SI_SIGIO',
    [-6]: 'SI_TKILL',
  };
  if (signal === 17 && code >= 1 && code <= 6) {
    return ['CLD_EXITED', 'CLD_KILLED', 'CLD_DUMPED', 'CLD_TRAPPED', 'CLD_STOPPED', 'CLD_CONTINUED'][code - 1] ?? '';
  }
  return generic[code] ?? String(code);
}

type FlagTable = readonly (readonly [bigint, string])[];

/** Names of the set bits in table order, leftovers in hex, `0` when nothing is set (strace's printflags). */
export function flagsText(value: bigint, table: FlagTable, zero = '0'): string {
  const names: string[] = [];
  let rest = value;
  for (const [bit, name] of table) {
    if (bit !== 0n && (rest & bit) === bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0n) names.push(`0x${rest.toString(16)}`);
  return names.length === 0 ? zero : names.join('|');
}

const OPEN_FLAGS: FlagTable = [
  [0o100n, 'O_CREAT'],
  [0o200n, 'O_EXCL'],
  [0o400n, 'O_NOCTTY'],
  [0o1000n, 'O_TRUNC'],
  [0o2000n, 'O_APPEND'],
  [0o4000n, 'O_NONBLOCK'],
  // O_SYNC is __O_SYNC|O_DSYNC: listed first so it wins over O_DSYNC alone.
  [0o4010000n, 'O_SYNC'],
  [0o10000n, 'O_DSYNC'],
  [0o20000n, 'O_ASYNC'],
  [0o40000n, 'O_DIRECT'],
  [0o100000n, 'O_LARGEFILE'],
  // O_TMPFILE is __O_TMPFILE|O_DIRECTORY.
  [0o20200000n, 'O_TMPFILE'],
  [0o200000n, 'O_DIRECTORY'],
  [0o400000n, 'O_NOFOLLOW'],
  [0o1000000n, 'O_NOATIME'],
  [0o2000000n, 'O_CLOEXEC'],
  [0o10000000n, 'O_PATH'],
];

/** open/openat flags: `O_RDONLY|O_CLOEXEC`, `O_WRONLY|O_CREAT|O_TRUNC`. */
export function openFlagsText(flags: bigint): string {
  const access = flags & 3n;
  const mode = access === 0n ? 'O_RDONLY' : access === 1n ? 'O_WRONLY' : access === 2n ? 'O_RDWR' : 'O_ACCMODE';
  const rest = flagsText(flags & ~3n, OPEN_FLAGS, '');
  return rest === '' ? mode : `${mode}|${rest}`;
}

/** True when open's mode argument means something (strace prints it only then). */
export function openTakesMode(flags: bigint): boolean {
  return (flags & 0o100n) !== 0n || (flags & 0o20200000n) === 0o20200000n;
}

/** A file mode the way strace prints it: `0666`, `0755`, `04755`, `000`. */
export function modeText(mode: bigint): string {
  const octal = (mode & 0o7777n).toString(8);
  return `0${octal.padStart(2, '0')}`;
}

const AT_FLAGS: FlagTable = [
  [0x100n, 'AT_SYMLINK_NOFOLLOW'],
  [0x200n, 'AT_REMOVEDIR'],
  [0x400n, 'AT_SYMLINK_FOLLOW'],
  [0x800n, 'AT_NO_AUTOMOUNT'],
  [0x1000n, 'AT_EMPTY_PATH'],
];

export function atFlagsText(flags: bigint): string {
  return flagsText(flags, AT_FLAGS);
}

/** A directory fd argument: AT_FDCWD or the number. */
export function dirfdText(fd: bigint): string {
  return BigInt.asIntN(32, fd) === -100n ? 'AT_FDCWD' : BigInt.asIntN(32, fd).toString();
}

const RENAME_FLAGS: FlagTable = [
  [1n, 'RENAME_NOREPLACE'],
  [2n, 'RENAME_EXCHANGE'],
  [4n, 'RENAME_WHITEOUT'],
];

export function renameFlagsText(flags: bigint): string {
  return flagsText(flags, RENAME_FLAGS);
}

const CLONE_FLAGS: FlagTable = [
  [0x100n, 'CLONE_VM'],
  [0x200n, 'CLONE_FS'],
  [0x400n, 'CLONE_FILES'],
  [0x800n, 'CLONE_SIGHAND'],
  [0x1000n, 'CLONE_PIDFD'],
  [0x2000n, 'CLONE_PTRACE'],
  [0x4000n, 'CLONE_VFORK'],
  [0x8000n, 'CLONE_PARENT'],
  [0x10000n, 'CLONE_THREAD'],
  [0x20000n, 'CLONE_NEWNS'],
  [0x40000n, 'CLONE_SYSVSEM'],
  [0x80000n, 'CLONE_SETTLS'],
  [0x100000n, 'CLONE_PARENT_SETTID'],
  [0x200000n, 'CLONE_CHILD_CLEARTID'],
  [0x400000n, 'CLONE_DETACHED'],
  [0x800000n, 'CLONE_UNTRACED'],
  [0x1000000n, 'CLONE_CHILD_SETTID'],
  [0x2000000n, 'CLONE_NEWCGROUP'],
  [0x4000000n, 'CLONE_NEWUTS'],
  [0x8000000n, 'CLONE_NEWIPC'],
  [0x10000000n, 'CLONE_NEWUSER'],
  [0x20000000n, 'CLONE_NEWPID'],
  [0x40000000n, 'CLONE_NEWNET'],
  [0x80000000n, 'CLONE_IO'],
];

/** clone's flags: the CLONE_* names, then the exit signal in the low byte (`…|SIGCHLD`), as strace prints them. */
export function cloneFlagsText(flags: bigint, exitSignal?: bigint): string {
  const names = flagsText(flags & ~0xffn, CLONE_FLAGS, '');
  const signal = exitSignal ?? flags & 0xffn;
  const parts = names === '' ? [] : [names];
  if (exitSignal === undefined && signal !== 0n) parts.push(signalName(Number(signal)));
  return parts.length === 0 ? '0' : parts.join('|');
}

const FAMILIES: Readonly<Record<number, string>> = {
  0: 'AF_UNSPEC',
  1: 'AF_UNIX',
  2: 'AF_INET',
  3: 'AF_AX25',
  4: 'AF_IPX',
  5: 'AF_APPLETALK',
  7: 'AF_BRIDGE',
  9: 'AF_X25',
  10: 'AF_INET6',
  15: 'AF_KEY',
  16: 'AF_NETLINK',
  17: 'AF_PACKET',
  29: 'AF_CAN',
  31: 'AF_BLUETOOTH',
  38: 'AF_ALG',
  40: 'AF_VSOCK',
  44: 'AF_XDP',
};

export function familyName(family: number): string {
  return FAMILIES[family] ?? String(family);
}

const SOCKET_TYPES: Readonly<Record<number, string>> = {
  1: 'SOCK_STREAM',
  2: 'SOCK_DGRAM',
  3: 'SOCK_RAW',
  4: 'SOCK_RDM',
  5: 'SOCK_SEQPACKET',
  6: 'SOCK_DCCP',
  10: 'SOCK_PACKET',
};

const SOCK_FLAGS: FlagTable = [
  [0o2000000n, 'SOCK_CLOEXEC'],
  [0o4000n, 'SOCK_NONBLOCK'],
];

/** socket's type argument: `SOCK_STREAM|SOCK_CLOEXEC`. */
export function socketTypeText(type: bigint): string {
  const base = Number(type & 0xfn);
  const flags = flagsText(type & ~0xfn, SOCK_FLAGS, '');
  const name = SOCKET_TYPES[base] ?? String(base);
  return flags === '' ? name : `${name}|${flags}`;
}

/** accept4's flags (the SOCK_* creation flags). */
export function sockFlagsText(flags: bigint): string {
  return flagsText(flags, SOCK_FLAGS);
}

const PROTOCOLS: Readonly<Record<number, string>> = {
  0: 'IPPROTO_IP',
  1: 'IPPROTO_ICMP',
  6: 'IPPROTO_TCP',
  17: 'IPPROTO_UDP',
  41: 'IPPROTO_IPV6',
  58: 'IPPROTO_ICMPV6',
  132: 'IPPROTO_SCTP',
  136: 'IPPROTO_UDPLITE',
  255: 'IPPROTO_RAW',
};

/** socket's protocol: named for the IP families (as strace does), a number otherwise. */
export function protocolText(family: number, protocol: bigint): string {
  if (family !== 2 && family !== 10) return protocol.toString();
  return PROTOCOLS[Number(protocol)] ?? protocol.toString();
}

const MSG_FLAGS: FlagTable = [
  [0x1n, 'MSG_OOB'],
  [0x2n, 'MSG_PEEK'],
  [0x4n, 'MSG_DONTROUTE'],
  [0x8n, 'MSG_CTRUNC'],
  [0x10n, 'MSG_PROXY'],
  [0x20n, 'MSG_TRUNC'],
  [0x40n, 'MSG_DONTWAIT'],
  [0x80n, 'MSG_EOR'],
  [0x100n, 'MSG_WAITALL'],
  [0x200n, 'MSG_FIN'],
  [0x400n, 'MSG_SYN'],
  [0x800n, 'MSG_CONFIRM'],
  [0x1000n, 'MSG_RST'],
  [0x2000n, 'MSG_ERRQUEUE'],
  [0x4000n, 'MSG_NOSIGNAL'],
  [0x8000n, 'MSG_MORE'],
  [0x10000n, 'MSG_WAITFORONE'],
  [0x40000000n, 'MSG_CMSG_CLOEXEC'],
];

export function msgFlagsText(flags: bigint): string {
  return flagsText(flags, MSG_FLAGS);
}

const PIPE_FLAGS: FlagTable = [
  [0o2000000n, 'O_CLOEXEC'],
  [0o4000n, 'O_NONBLOCK'],
  [0o40000n, 'O_DIRECT'],
];

/** pipe2/dup3 flags (O_CLOEXEC, O_NONBLOCK, O_DIRECT). */
export function pipeFlagsText(flags: bigint): string {
  return flagsText(flags, PIPE_FLAGS);
}

/** fcntl commands HoldCell traces (the ones that change fd tables). */
export function fcntlCommandText(command: bigint): string {
  const names: Record<string, string> = { '0': 'F_DUPFD', '1': 'F_GETFD', '2': 'F_SETFD', '1030': 'F_DUPFD_CLOEXEC' };
  return names[command.toString()] ?? command.toString();
}

/** An id argument of set*id/chown: -1 ("leave unchanged") prints as -1, as strace does. */
export function idText(id: bigint): string {
  const value = BigInt.asUintN(32, id);
  return value === 0xffffffffn ? '-1' : value.toString();
}

/**
 * The name of a character device from its numbers (Linux's fixed allocation in devices.txt), for strace-like
 * `-yy` fd notes. Undefined for devices without a fixed name: the note is then left out rather than guessed.
 */
export function charDeviceName(major: number, minor: number): string | undefined {
  if (major === 1) {
    const memory: Record<number, string> = {
      3: '/dev/null',
      5: '/dev/zero',
      7: '/dev/full',
      8: '/dev/random',
      9: '/dev/urandom',
    };
    return memory[minor];
  }
  if (major === 4 && minor < 64) return `/dev/tty${minor}`;
  if (major === 5) return ['/dev/tty', '/dev/console', '/dev/ptmx'][minor];
  if (major >= 136 && major <= 143) return `/dev/pts/${(major - 136) * 256 + minor}`;
  return undefined;
}
