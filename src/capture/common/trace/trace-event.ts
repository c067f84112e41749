// One normalized trace event model for strace, Falco and Tetragon, and its JSONL form (HoldCell's own trace format).
//
// Two shapes of the same model:
// - in memory (TraceEvent): flat objects built once per line by the parsers, with time as two integers and a
//   syscall's arguments kept as the raw text between the parentheses (split on demand by argsOf) — the hot path
//   of a multi-million-line import must not build what replay never reads;
// - on disk (TraceRecord, validated by the zod schemas below): one JSON object per line, time as `ts` (UTC ISO
//   with nine fraction digits) and `tns` (nanoseconds since the epoch, decimal string: the exact sort key),
//   arguments split, strings decoded to bytes (text when printable, base64 otherwise), fd annotations parsed.
import { z } from 'zod';

export const TRACE_FORMAT = 'holdcell-trace';
export const TRACE_FORMAT_VERSION = 1;

/** How a syscall line ended: complete, started but never resumed, or resumed with no start seen. */
export type SyscallState = 'complete' | 'unfinished' | 'resumed';

interface EventBase {
  /** Position in the replayed stream (set by whoever orders the events; parsers leave 0). */
  seq: number;
  /** Whole seconds since the epoch, NaN when the source has no timestamps. */
  sec: number;
  /** Nanoseconds within the second (0 when the source has no timestamps). */
  nsec: number;
  /** Index of the input file the event came from (0 for a single file). */
  file: number;
  /** 1-based line in that file where the event starts (0 when not line-based). */
  line: number;
}

export interface SyscallEvent extends EventBase {
  kind: 'syscall';
  /** The id strace printed (the task id: for a thread this is its tid; replay maps it to its process). */
  pid: number;
  tid: number;
  name: string;
  /** Raw text between the parentheses, exactly as printed (for a resumed pair: both halves joined). */
  argText: string;
  /** argText split into top-level arguments; filled on first use by argsOf. */
  args: string[] | undefined;
  /** Raw text after "= " without the -T duration (e.g. "3</etc/passwd>", "-1 ENOENT (No such file…)", "?"). */
  ret: string;
  /** -T duration in seconds as printed ("0.000123"), '' when absent. */
  dur: string;
  state: SyscallState;
}

export interface SignalEvent extends EventBase {
  kind: 'signal';
  pid: number;
  tid: number;
  /** e.g. "SIGCHLD"; for old-style lines the name as printed. */
  signal: string;
  /** The siginfo text as printed: "{si_signo=SIGCHLD, ...}" or "(Child exited) @ 0 (0)". */
  info: string;
}

export interface ExitEvent extends EventBase {
  kind: 'exit';
  pid: number;
  tid: number;
  /** "+++ exited with N +++" */
  code: number | null;
  /** "+++ killed by SIGKILL +++" */
  signal: string | null;
  core: boolean;
  /** "+++ superseded by execve in pid N +++": the thread that took over this pid by execve. */
  supersededBy: number | null;
}

/** A line of tracer diagnostics ("strace: Process 12 attached", "[ Process PID=12 runs in 32 bit mode. ]"). */
export interface DiagEvent extends EventBase {
  kind: 'diag';
  pid: number | null;
  text: string;
}

/** One Falco alert (JSON output). */
export interface AlertEvent extends EventBase {
  kind: 'alert';
  pid: number | null;
  tid: number | null;
  rule: string;
  priority: string;
  output: string;
  /** Falco's event source ("syscall", "k8s_audit"…), null when absent. */
  source: string | null;
  hostname: string | null;
  tags: string[];
  /** output_fields as Falco wrote them (values may be strings, numbers, booleans or null). */
  fields: Record<string, string | number | boolean | null>;
  containerId: string | null;
}

/** A process as Tetragon describes it. */
export interface TetragonProcess {
  pid: number | null;
  tid: number | null;
  uid: number | null;
  binary: string | null;
  /** Tetragon's single argument string (space-separated, quoted where needed). */
  arguments: string | null;
  cwd: string | null;
  execId: string | null;
  parentExecId: string | null;
  startTime: string | null;
  containerId: string | null;
  containerName: string | null;
  image: string | null;
  podName: string | null;
  podNamespace: string | null;
}

/** One Tetragon export event (process_exec, process_exit, process_kprobe, process_connect, …). */
export interface TetragonEvent extends EventBase {
  kind: 'tetragon';
  /** The event's top-level key, e.g. "process_exec". */
  type: string;
  node: string | null;
  process: TetragonProcess;
  parent: TetragonProcess | null;
  functionName: string | null;
  /** Kprobe/tracepoint arguments as Tetragon wrote them ({file_arg: …}, {bytes_arg: …}, …). */
  args: unknown[];
  action: string | null;
  policy: string | null;
  /** process_exit: signal name and exit status. */
  exitSignal: string | null;
  exitStatus: number | null;
  /** process_connect (older exports): the connection. */
  connect: {
    sourceIp: string;
    sourcePort: number;
    destinationIp: string;
    destinationPort: number;
    protocol: string;
  } | null;
}

export type TraceEvent = SyscallEvent | SignalEvent | ExitEvent | DiagEvent | AlertEvent | TetragonEvent;
export type TraceEventKind = TraceEvent['kind'];

export function hasTime(event: { sec: number }): boolean {
  return !Number.isNaN(event.sec);
}

// ---------------------------------------------------------------------------------------------------------------
// JSONL records (one per line). Key order in files is fixed by the writer (trace-jsonl.ts), not by these schemas.

const Int = z.number().int();
const Iso = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/, 'expected UTC ISO time with 9 digits');
const Tns = z.string().regex(/^-?\d{1,30}$/, 'expected nanoseconds since the epoch as a decimal string');

/** Bytes decoded from a string: `text` when printable UTF-8, else `b64`; `truncated` when the tracer cut it. */
export const DecodedBytes = z
  .object({ text: z.string().optional(), b64: z.string().optional(), truncated: z.literal(true).optional() })
  .refine((value) => (value.text === undefined) !== (value.b64 === undefined), 'exactly one of text or b64');
export type DecodedBytes = z.infer<typeof DecodedBytes>;

/** What strace -y/-yy said about a file descriptor. */
export const FdNote = z.object({
  fd: Int,
  /** The annotation exactly as printed, without the angle brackets. */
  raw: z.string(),
  kind: z.enum(['path', 'socket', 'pipe', 'anon', 'other']),
  path: z.string().optional(),
  /** "char 1:3" for devices (-yy). */
  device: z.string().optional(),
  /** Socket protocol as strace names it: TCP, TCPv6, UDP, UDPv6, UNIX-STREAM, NETLINK, … */
  proto: z.string().optional(),
  inode: Int.optional(),
  local: z.string().optional(),
  remote: z.string().optional(),
});
export type FdNote = z.infer<typeof FdNote>;

const RecordBase = {
  seq: Int.nonnegative(),
  ts: Iso.optional(),
  tns: Tns.optional(),
  file: Int.nonnegative().optional(),
  line: Int.nonnegative().optional(),
};

export const SyscallRecord = z.object({
  ...RecordBase,
  kind: z.literal('syscall'),
  pid: Int,
  tid: Int,
  name: z.string().min(1),
  args: z.array(z.string()),
  ret: z.string().optional(),
  /** Numeric return value when it is a decimal or hex integer that fits a double exactly. */
  retval: z.number().optional(),
  errno: z.string().optional(),
  /** The errno text or return comment in parentheses, e.g. "No such file or directory". */
  retNote: z.string().optional(),
  dur: z.string().optional(),
  state: z.enum(['unfinished', 'resumed']).optional(),
  /** Decoded string arguments, keyed by argument index. */
  strings: z.record(z.string(), DecodedBytes).optional(),
  /** fd annotations of arguments, keyed by argument index. */
  fds: z.record(z.string(), FdNote).optional(),
  retFd: FdNote.optional(),
});

export const SignalRecord = z.object({
  ...RecordBase,
  kind: z.literal('signal'),
  pid: Int,
  tid: Int,
  signal: z.string(),
  info: z.string(),
});

export const ExitRecord = z.object({
  ...RecordBase,
  kind: z.literal('exit'),
  pid: Int,
  tid: Int,
  code: Int.nullable(),
  signal: z.string().nullable(),
  core: z.boolean(),
  supersededBy: Int.nullable().optional(),
});

export const DiagRecord = z.object({
  ...RecordBase,
  kind: z.literal('diag'),
  pid: Int.nullable(),
  text: z.string(),
});

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const AlertRecord = z.object({
  ...RecordBase,
  kind: z.literal('alert'),
  pid: Int.nullable(),
  tid: Int.nullable(),
  rule: z.string(),
  priority: z.string(),
  output: z.string(),
  source: z.string().nullable(),
  hostname: z.string().nullable(),
  tags: z.array(z.string()),
  fields: z.record(z.string(), Scalar),
  containerId: z.string().nullable(),
});

export const TetragonProcessRecord = z.object({
  pid: Int.nullable(),
  tid: Int.nullable(),
  uid: Int.nullable(),
  binary: z.string().nullable(),
  arguments: z.string().nullable(),
  cwd: z.string().nullable(),
  execId: z.string().nullable(),
  parentExecId: z.string().nullable(),
  startTime: z.string().nullable(),
  containerId: z.string().nullable(),
  containerName: z.string().nullable(),
  image: z.string().nullable(),
  podName: z.string().nullable(),
  podNamespace: z.string().nullable(),
});

export const TetragonRecord = z.object({
  ...RecordBase,
  kind: z.literal('tetragon'),
  type: z.string(),
  node: z.string().nullable(),
  process: TetragonProcessRecord,
  parent: TetragonProcessRecord.nullable(),
  functionName: z.string().nullable(),
  args: z.array(z.unknown()),
  action: z.string().nullable(),
  policy: z.string().nullable(),
  exitSignal: z.string().nullable(),
  exitStatus: Int.nullable(),
  connect: z
    .object({
      sourceIp: z.string(),
      sourcePort: Int,
      destinationIp: z.string(),
      destinationPort: Int,
      protocol: z.string(),
    })
    .nullable(),
});

/** An optional first line describing the capture (who, what, how); never required to read a trace. */
export const MetaRecord = z.object({
  kind: z.literal('meta'),
  format: z.literal(TRACE_FORMAT),
  version: z.literal(TRACE_FORMAT_VERSION),
  tool: z.string().optional(),
  source: z.string().optional(),
  container: z.string().optional(),
  startedAt: Iso.optional(),
  note: z.string().optional(),
});
export type MetaRecord = z.infer<typeof MetaRecord>;

export const TraceRecord = z.discriminatedUnion('kind', [
  SyscallRecord,
  SignalRecord,
  ExitRecord,
  DiagRecord,
  AlertRecord,
  TetragonRecord,
]);
export type TraceRecord = z.infer<typeof TraceRecord>;
