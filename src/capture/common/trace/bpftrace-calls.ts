// The syscalls HoldCell's bpftrace program traces and the line format it prints: one table read by both sides.
//
// The program builder (node/bpftrace-script.ts) turns each CallSpec into probes; the converter
// (bpftrace-events.ts) reads the values back by the same positions. Keeping both in one table means a field
// added on one side cannot silently shift the other.
//
// Lines (the `data` of bpftrace's JSON printf records; fields separated by one space, evidence bytes always as
// the last field, hex pairs from `%rh`, so no byte of the suspect's can be mistaken for a separator):
//   H <ns> <pidns>                                  program started (BEGIN)
//   T <ns>                                          tick: time has reached <ns> (releases held lines)
//   E <ns> <pid> <tid> <call> <values…>             syscall entry (layout: enterLayout below)
//   X <ns> <pid> <tid> <call> <ret> <exit values…>  syscall exit
//   S <ns> <pid> <tid> <call> <slot> <chunk> <hex>  a C-string argument, read at exit (127 bytes per chunk)
//   V <ns> <pid> <tid> <call> <index> <hex>         argv[index] of a failed exec, read at exit
//   B <ns> <pid> <tid> <call> <part> <chunk> <len> <hex>  bytes moved through a terminal fd (part = iovec)
//   A <ns> <pid> <tid> <call> <len> <hex>           a socket address
//   F <ns> <pid> <tid> <child>                      sched_process_fork: the caller created task <child>
//   R <ns> <pid> <tid> <oldtid> <argvbytes>         sched_process_exec: the exec succeeded
//   N <ns> <pid> <tid> <chunk> <hex>                  … its file name (the kernel's copy)
//   W <ns> <pid> <tid> <chunk> <hex>                  … its argv block (NUL-separated, from the new image)
//   Q <ns> <pid> <tid> <exitcode> <groupdead>       sched_process_exit
//   G <ns> <pid> <tid> <signal> <errno> <code>      signal_deliver: a signal reached its handler/default action
// <ns> is bpftrace's `nsecs` (CLOCK_MONOTONIC); <pid> the host tgid, <tid> the host task id.

/** bpftrace's string size (BPFTRACE_STRLEN): str() reads at most this minus the terminating NUL. */
export const BPFTRACE_STRLEN = 128;
/** Bytes of a C string one str() read returns. */
export const STRING_CHUNK = BPFTRACE_STRLEN - 1;
/** str() reads per path (a longer path is marked truncated). */
export const STRING_CHUNKS = 2;
/** Bytes of one buf() read of terminal data or of an exec's argv block. */
export const DATA_CHUNK = 128;
/** buf() reads per write/read on a terminal fd (more is marked truncated). */
export const DATA_CHUNKS = 8;
/** iovecs read per writev/readv on a terminal fd. */
export const IOVECS = 4;
/** buf() reads of an exec's argv block. */
export const ARGV_CHUNKS = 8;
/** argv elements read after a failed exec (its old image is still there to read). */
export const FAILED_ARGV = 8;
/** bytes of a socket address read (sockaddr_un is 110). */
export const SOCKADDR_BYTES = 128;

export interface CallSpec {
  /** The syscall (its tracepoints are syscalls:sys_enter_<name> and sys_exit_<name>). */
  readonly name: string;
  /** bpftrace expressions printed at entry, in order (the converter's `enter` values). */
  readonly enter: readonly string[];
  /** Pointers to C-string arguments, saved at entry and read at exit (slots 0 and 1). */
  readonly strings?: readonly string[];
  /** A pointer (or value) saved at entry for the exit side: `@a[tid]` there. */
  readonly save?: string;
  /** bpftrace expressions printed at exit after the return value (may read `@a[tid]`). */
  readonly exit?: readonly string[];
  /** An fd argument whose open file is described at entry: E gets mode, rdev, inode appended. */
  readonly fd?: string;
  /** Bytes to capture at exit when `fd` is a terminal, the session's stdio, or a pipe on 0–2. */
  readonly data?: { readonly pointer: string; readonly shape: 'plain' | 'iovec' };
  /** A socket address: given by the caller (`in`, length a value) or filled by the kernel (`out`, length a pointer). */
  readonly address?: { readonly pointer: string; readonly length: string; readonly direction: 'in' | 'out' };
  /** Trace only calls matching this entry condition (e.g. the fcntl commands that change fd tables). */
  readonly when?: string;
  /** An exec: strings and argv are read at exit only when it failed (on success the old image is gone). */
  readonly exec?: true;
}

const CLONE_ARGS = '(uint64)args->uargs';
const HOW = '(uint64)args->how';

export const CALLS: readonly CallSpec[] = [
  // Process tree and credentials
  { name: 'execve', enter: ['args->argv', 'args->envp'], strings: ['args->filename'], save: 'args->argv', exec: true },
  {
    name: 'execveat',
    enter: ['args->fd', 'args->argv', 'args->envp', 'args->flags'],
    strings: ['args->filename'],
    save: 'args->argv',
    exec: true,
  },
  { name: 'clone', enter: ['args->clone_flags'] },
  { name: 'clone3', enter: [`*(uint64 *)uptr(${CLONE_ARGS})`, `*(uint64 *)uptr(${CLONE_ARGS} + 32)`, 'args->size'] },
  { name: 'fork', enter: [] },
  { name: 'vfork', enter: [] },
  { name: 'kill', enter: ['args->pid', 'args->sig'] },
  { name: 'tkill', enter: ['args->pid', 'args->sig'] },
  { name: 'tgkill', enter: ['args->tgid', 'args->pid', 'args->sig'] },
  { name: 'setuid', enter: ['args->uid'] },
  { name: 'setgid', enter: ['args->gid'] },
  { name: 'setreuid', enter: ['args->ruid', 'args->euid'] },
  { name: 'setregid', enter: ['args->rgid', 'args->egid'] },
  { name: 'setresuid', enter: ['args->ruid', 'args->euid', 'args->suid'] },
  { name: 'setresgid', enter: ['args->rgid', 'args->egid', 'args->sgid'] },
  { name: 'setfsuid', enter: ['args->uid'] },
  { name: 'setfsgid', enter: ['args->gid'] },
  { name: 'chdir', enter: [], strings: ['args->filename'] },
  { name: 'fchdir', enter: ['args->fd'] },
  // Files
  { name: 'open', enter: ['args->flags', 'args->mode'], strings: ['args->filename'] },
  { name: 'openat', enter: ['args->dfd', 'args->flags', 'args->mode'], strings: ['args->filename'] },
  {
    name: 'openat2',
    enter: [
      'args->dfd',
      `*(uint64 *)uptr(${HOW})`,
      `*(uint64 *)uptr(${HOW} + 8)`,
      `*(uint64 *)uptr(${HOW} + 16)`,
      'args->usize',
    ],
    strings: ['args->filename'],
  },
  { name: 'creat', enter: ['args->mode'], strings: ['args->pathname'] },
  {
    name: 'read',
    enter: ['args->fd', 'args->count'],
    fd: 'args->fd',
    data: { pointer: 'args->buf', shape: 'plain' },
  },
  {
    name: 'write',
    enter: ['args->fd', 'args->count'],
    fd: 'args->fd',
    data: { pointer: 'args->buf', shape: 'plain' },
  },
  {
    name: 'pread64',
    enter: ['args->fd', 'args->count', 'args->pos'],
    fd: 'args->fd',
    data: { pointer: 'args->buf', shape: 'plain' },
  },
  {
    name: 'pwrite64',
    enter: ['args->fd', 'args->count', 'args->pos'],
    fd: 'args->fd',
    data: { pointer: 'args->buf', shape: 'plain' },
  },
  {
    name: 'readv',
    enter: ['args->fd', 'args->vlen'],
    fd: 'args->fd',
    save: 'args->vlen',
    data: { pointer: 'args->vec', shape: 'iovec' },
  },
  {
    name: 'writev',
    enter: ['args->fd', 'args->vlen'],
    fd: 'args->fd',
    save: 'args->vlen',
    data: { pointer: 'args->vec', shape: 'iovec' },
  },
  // Bytes copied inside the kernel (busybox cat uses sendfile): counted, never readable from user memory.
  { name: 'sendfile64', enter: ['args->out_fd', 'args->in_fd', 'args->offset', 'args->count'] },
  {
    name: 'splice',
    enter: ['args->fd_in', 'args->off_in', 'args->fd_out', 'args->off_out', 'args->len', 'args->flags'],
  },
  {
    name: 'copy_file_range',
    enter: ['args->fd_in', 'args->off_in', 'args->fd_out', 'args->off_out', 'args->len', 'args->flags'],
  },
  { name: 'close', enter: ['args->fd'] },
  { name: 'dup', enter: ['args->fildes'] },
  { name: 'dup2', enter: ['args->oldfd', 'args->newfd'] },
  { name: 'dup3', enter: ['args->oldfd', 'args->newfd', 'args->flags'] },
  {
    name: 'fcntl',
    enter: ['args->fd', 'args->cmd', 'args->arg'],
    when: 'args->cmd == 0 || args->cmd == 2 || args->cmd == 1030',
  },
  {
    name: 'pipe',
    enter: ['args->fildes'],
    save: 'args->fildes',
    exit: ['*(int32 *)uptr(@a[tid])', '*(int32 *)uptr(@a[tid] + 4)'],
  },
  {
    name: 'pipe2',
    enter: ['args->fildes', 'args->flags'],
    save: 'args->fildes',
    exit: ['*(int32 *)uptr(@a[tid])', '*(int32 *)uptr(@a[tid] + 4)'],
  },
  { name: 'unlink', enter: [], strings: ['args->pathname'] },
  { name: 'unlinkat', enter: ['args->dfd', 'args->flag'], strings: ['args->pathname'] },
  { name: 'rmdir', enter: [], strings: ['args->pathname'] },
  { name: 'rename', enter: [], strings: ['args->oldname', 'args->newname'] },
  { name: 'renameat', enter: ['args->olddfd', 'args->newdfd'], strings: ['args->oldname', 'args->newname'] },
  {
    name: 'renameat2',
    enter: ['args->olddfd', 'args->newdfd', 'args->flags'],
    strings: ['args->oldname', 'args->newname'],
  },
  { name: 'chmod', enter: ['args->mode'], strings: ['args->filename'] },
  { name: 'fchmod', enter: ['args->fd', 'args->mode'] },
  { name: 'fchmodat', enter: ['args->dfd', 'args->mode'], strings: ['args->filename'] },
  { name: 'fchmodat2', enter: ['args->dfd', 'args->mode', 'args->flags'], strings: ['args->filename'] },
  { name: 'chown', enter: ['args->user', 'args->group'], strings: ['args->filename'] },
  { name: 'lchown', enter: ['args->user', 'args->group'], strings: ['args->filename'] },
  { name: 'fchown', enter: ['args->fd', 'args->user', 'args->group'] },
  {
    name: 'fchownat',
    enter: ['args->dfd', 'args->user', 'args->group', 'args->flag'],
    strings: ['args->filename'],
  },
  { name: 'mkdir', enter: ['args->mode'], strings: ['args->pathname'] },
  { name: 'mkdirat', enter: ['args->dfd', 'args->mode'], strings: ['args->pathname'] },
  { name: 'symlink', enter: [], strings: ['args->oldname', 'args->newname'] },
  { name: 'symlinkat', enter: ['args->newdfd'], strings: ['args->oldname', 'args->newname'] },
  { name: 'link', enter: [], strings: ['args->oldname', 'args->newname'] },
  {
    name: 'linkat',
    enter: ['args->olddfd', 'args->newdfd', 'args->flags'],
    strings: ['args->oldname', 'args->newname'],
  },
  { name: 'truncate', enter: ['args->length'], strings: ['args->path'] },
  { name: 'ftruncate', enter: ['args->fd', 'args->length'] },
  // Network
  { name: 'socket', enter: ['args->family', 'args->type', 'args->protocol'] },
  {
    name: 'socketpair',
    enter: ['args->family', 'args->type', 'args->protocol', 'args->usockvec'],
    save: 'args->usockvec',
    exit: ['*(int32 *)uptr(@a[tid])', '*(int32 *)uptr(@a[tid] + 4)'],
  },
  {
    name: 'bind',
    enter: ['args->fd', 'args->umyaddr', 'args->addrlen'],
    address: { pointer: 'args->umyaddr', length: 'args->addrlen', direction: 'in' },
  },
  {
    name: 'connect',
    enter: ['args->fd', 'args->uservaddr', 'args->addrlen'],
    address: { pointer: 'args->uservaddr', length: 'args->addrlen', direction: 'in' },
  },
  { name: 'listen', enter: ['args->fd', 'args->backlog'] },
  {
    name: 'accept',
    enter: ['args->fd', 'args->upeer_sockaddr', 'args->upeer_addrlen'],
    address: { pointer: 'args->upeer_sockaddr', length: 'args->upeer_addrlen', direction: 'out' },
  },
  {
    name: 'accept4',
    enter: ['args->fd', 'args->upeer_sockaddr', 'args->upeer_addrlen', 'args->flags'],
    address: { pointer: 'args->upeer_sockaddr', length: 'args->upeer_addrlen', direction: 'out' },
  },
  {
    name: 'sendto',
    enter: ['args->fd', 'args->buff', 'args->len', 'args->flags', 'args->addr', 'args->addr_len'],
    address: { pointer: 'args->addr', length: 'args->addr_len', direction: 'in' },
  },
  {
    name: 'recvfrom',
    enter: ['args->fd', 'args->ubuf', 'args->size', 'args->flags', 'args->addr', 'args->addr_len'],
    address: { pointer: 'args->addr', length: 'args->addr_len', direction: 'out' },
  },
  { name: 'sendmsg', enter: ['args->fd', 'args->msg', 'args->flags'] },
  { name: 'recvmsg', enter: ['args->fd', 'args->msg', 'args->flags'] },
  {
    name: 'getsockopt',
    // Only SOL_SOCKET/SO_ERROR: how a non-blocking connect ended.
    enter: ['args->fd', 'args->optval', 'args->optlen'],
    when: 'args->level == 1 && args->optname == 4',
    save: 'args->optval',
    exit: ['*(int32 *)uptr(@a[tid])'],
  },
];

export const CALLS_BY_NAME: ReadonlyMap<string, CallSpec> = new Map(CALLS.map((call) => [call.name, call]));

/**
 * Where each value sits on a call's E line: its `enter` values, then the pointers of its string arguments, then
 * its data pointer, then mode, rdev and inode of its fd (each part only when the call has it).
 */
export interface EnterLayout {
  /** Index of the first string pointer. */
  strings: number;
  /** Index of the data pointer, -1 when none. */
  data: number;
  /** Index of the fd's mode (rdev and inode follow), -1 when none. */
  fd: number;
  width: number;
}

export function enterLayout(call: CallSpec): EnterLayout {
  const strings = call.enter.length;
  let width = strings + (call.strings?.length ?? 0);
  const data = call.data === undefined ? -1 : width++;
  const fd = call.fd === undefined ? -1 : width;
  if (fd >= 0) width += 3;
  return { strings, data, fd, width };
}
