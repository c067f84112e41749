// What replay answers, as JSON-safe views with zod schemas: the shapes the CLI prints and the UI will receive.
//
// Times are UTC ISO strings with nine fraction digits (null when the trace has none); `seq` is the event's
// position in the replayed stream and orders everything, including traces without timestamps.
import { z } from 'zod';

const Int = z.number().int();
const At = z.string().nullable();

export const ExecView = z.object({
  seq: Int,
  at: At,
  exe: z.string(),
  argv: z.array(z.string()),
  /** An argument or the array was cut by strace -s (or the source shortened it). */
  argvTruncated: z.boolean(),
  ok: z.boolean(),
  /** errno of a failed exec; "unknown" when the call never returned in the trace. */
  error: z.string().optional(),
});
export type ExecView = z.infer<typeof ExecView>;

export const CredentialView = z.object({
  seq: Int,
  at: At,
  call: z.string(),
  uid: Int.nullable(),
  euid: Int.nullable(),
  gid: Int.nullable(),
  egid: Int.nullable(),
});
export type CredentialView = z.infer<typeof CredentialView>;

export const ProcessView = z.object({
  pid: Int,
  /** Parent pid; null when the trace never showed who created the process. */
  ppid: Int.nullable(),
  exe: z.string().nullable(),
  argv: z.array(z.string()),
  start: At,
  startSeq: Int,
  end: At.optional(),
  endSeq: Int.optional(),
  exitCode: Int.optional(),
  /** The signal that killed it ("+++ killed by SIGKILL +++"). */
  signal: z.string().optional(),
  /** Thread ids other than the pid (CLONE_THREAD). */
  threads: z.array(Int),
  uid: Int.nullable(),
  euid: Int.nullable(),
  gid: Int.nullable(),
  cwd: z.string().nullable(),
  execs: z.array(ExecView),
  credentials: z.array(CredentialView),
  /**
   * How the process became known: its creator's clone/fork, its first line in the trace (with its command when the
   * host saw it running as the capture attached), or a source event.
   */
  origin: z.enum(['clone', 'first-seen', 'running-at-attach', 'tetragon', 'falco']),
  /** Stable id of this incarnation (pids can be reused within one trace). */
  id: Int,
  parentId: Int.nullable(),
});
export type ProcessView = z.infer<typeof ProcessView>;

export const FILE_OPS = [
  'read',
  'write',
  'readwrite',
  'exec',
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
] as const;
export const FileOp = z.enum(FILE_OPS);
export type FileOp = z.infer<typeof FileOp>;

export const FileActivityView = z.object({
  seq: Int,
  at: At,
  pid: Int,
  tid: Int,
  op: FileOp,
  /** The path as the process named it, made absolute against its cwd or dirfd when those are known. */
  path: z.string(),
  /** The kernel's path for the opened file (strace -y), when it differs from `path` (symlinks, /proc/self…). */
  target: z.string().optional(),
  /** rename: the new name; link/symlink: the existing file or link text. */
  newPath: z.string().optional(),
  flags: z.array(z.string()).optional(),
  mode: z.string().optional(),
  owner: z.string().optional(),
  bytesRead: Int.optional(),
  bytesWritten: Int.optional(),
  /** "ok", an errno name, or "unknown" when the call never returned in the trace. */
  result: z.string(),
  fd: Int.optional(),
});
export type FileActivityView = z.infer<typeof FileActivityView>;

export const NETWORK_OPS = ['socket', 'bind', 'listen', 'accept', 'connect', 'sendto', 'recvfrom'] as const;
export const NetworkOp = z.enum(NETWORK_OPS);
export type NetworkOp = z.infer<typeof NetworkOp>;

export const NetworkActivityView = z.object({
  seq: Int,
  at: At,
  pid: Int,
  tid: Int,
  op: NetworkOp,
  fd: Int.nullable(),
  family: z.string().nullable(),
  protocol: z.string().nullable(),
  /** Remote address for connect/accept/sendto/recvfrom, local for bind/listen; unix sockets give the path. */
  address: z.string().nullable(),
  port: Int.nullable(),
  /** The local end when strace -yy showed it. */
  local: z.string().optional(),
  /** "ok", an errno name, "unknown"; a non-blocking connect shows its final outcome (SO_ERROR) when traced. */
  result: z.string(),
  bytesSent: Int.optional(),
  bytesReceived: Int.optional(),
});
export type NetworkActivityView = z.infer<typeof NetworkActivityView>;

export const TtyChunkView = z.object({
  seq: Int,
  at: At,
  pid: Int,
  fd: Int,
  direction: z.enum(['out', 'in']),
  /** The exact bytes traced (possibly cut by strace -s: see truncated). */
  base64: z.string(),
  /** The bytes as text (UTF-8; invalid bytes as U+DC80..U+DCFF). Raw: escape before showing. */
  text: z.string(),
  /** The call moved more bytes than the trace shows (strace -s). */
  truncated: z.boolean(),
});
export type TtyChunkView = z.infer<typeof TtyChunkView>;

export const SignalView = z.object({
  seq: Int,
  at: At,
  pid: Int,
  signal: z.string(),
  direction: z.enum(['received', 'sent']),
  /** received: the sender (si_pid) when known; sent: the target pid. */
  peer: Int.nullable(),
  result: z.string(),
});
export type SignalView = z.infer<typeof SignalView>;

export const AlertView = z.object({
  seq: Int,
  at: At,
  pid: Int.nullable(),
  rule: z.string(),
  priority: z.string(),
  output: z.string(),
  containerId: z.string().nullable(),
  path: z.string().nullable(),
});
export type AlertView = z.infer<typeof AlertView>;

export const FD_KINDS = ['file', 'socket', 'pipe', 'tty', 'anon', 'unknown', 'other'] as const;
export const FdView = z.object({
  fd: Int,
  kind: z.enum(FD_KINDS),
  path: z.string().nullable(),
  flags: z.string().nullable(),
  cloexec: z.boolean(),
  /** seq of the call that opened it; null when it was open before the trace began. */
  openedSeq: Int.nullable(),
  /** Inherited from outside the trace as the session's stdin/stdout/stderr. */
  session: z.boolean(),
  socket: z
    .object({
      family: z.string().nullable(),
      protocol: z.string().nullable(),
      local: z.string().nullable(),
      remote: z.string().nullable(),
    })
    .nullable(),
});
export type FdView = z.infer<typeof FdView>;

/** The state at one instant: who was alive (with ancestors), their open fds, and what happened so far. */
export const ReplayStateView = z.object({
  seq: Int,
  at: At,
  /** Alive at the instant, plus their ancestors (alive or not) so the tree is whole. */
  processes: z.array(ProcessView.extend({ alive: z.boolean() })),
  fds: z.array(z.object({ pid: Int, id: Int, fds: z.array(FdView) })),
  /** Sockets open at the instant, with their endpoints. */
  sockets: z.array(z.object({ pid: Int, fd: Int, socket: FdView.shape.socket })),
  counts: z.object({ files: Int, network: Int, tty: Int, signals: Int, alerts: Int }),
});
export type ReplayStateView = z.infer<typeof ReplayStateView>;

/** "Who wrote this?": every change to a path and the ancestry of each process that made it. */
export const WhoWroteView = z.object({
  path: z.string(),
  events: z.array(
    FileActivityView.extend({
      /** From the acting process up to the oldest known ancestor. */
      ancestry: z.array(ProcessView.pick({ pid: true, ppid: true, exe: true, argv: true, start: true, id: true })),
    }),
  ),
});
export type WhoWroteView = z.infer<typeof WhoWroteView>;
