// bpftrace's JSON output (HoldCell's capture program, see bpftrace-calls.ts) → trace events, in order, strace-shaped.
//
// Pure and deterministic: the same output lines and clock offset give the same events. Three stages:
// 1. Parse: each JSON record; printf records carry one line of the program's format. Anything else (lost events,
//    unknown records, malformed lines) becomes a warning — and lost events a diag event too — never silence.
// 2. Reorder: bpftrace drains one ring buffer per CPU, so lines from different CPUs interleave out of time order
//    (a child's fork line can arrive after its first syscall). Lines are held and released in `nsecs` order once
//    the newest time seen (any line, or the program's tick) is a window past them. A line arriving after its
//    window is applied where it arrives and counted as a warning.
// 3. Assemble: a task's entry, string, data and address lines collect into one call, emitted at its exit, like
//    a strace -f line (entry time, `dur` to the exit). The fork tracepoint reports a clone in the parent before
//    the child runs, so replay always knows a process before its first syscall.
//
// Time: `nsecs` is CLOCK_MONOTONIC; `clockOffsetNs` (realtime − monotonic, measured by the host at start) turns
// it into UTC. Monotonic time does not jump when the wall clock is stepped during a capture, which keeps the
// order exact; the price is that such a step is not reflected in the times (the meta record says how they
// were made).
import {
  ARGV_CHUNKS,
  CALLS_BY_NAME,
  DATA_CHUNK,
  STRING_CHUNK,
  STRING_CHUNKS,
  enterLayout,
  type CallSpec,
} from './bpftrace-calls.js';
import { callArguments, type CapturedCall, type DataPart } from './bpftrace-call-text.js';
import { concat, hexBytes, joinStringChunks } from './bpftrace-format.js';
import { returnText, signalCodeName, signalName } from './bpftrace-names.js';
import type { DiagEvent, ExitEvent, SignalEvent, SyscallEvent, TraceEvent } from './trace-event.js';

export interface BpftraceConverterOptions {
  /** Realtime minus monotonic nanoseconds, measured when the capture started. */
  clockOffsetNs: bigint;
  /** How long (in trace time) a line waits for earlier lines from other CPUs; default 500 ms. */
  reorderWindowNs?: bigint;
  /** Input file index written into events (0 for a single stream). */
  file?: number;
  /**
   * Host pid of the container's init. When it exits the PID namespace dies and the kernel may hand its inode
   * number to the next container created: tasks first seen after that are not the target's and are dropped.
   */
  initPid?: number;
}

const NS = 1_000_000_000n;
const CLONES = new Set(['clone', 'clone3', 'fork', 'vfork']);

interface Line {
  kind: string;
  ns: bigint;
  arrival: number;
  fields: string[];
}

interface PendingCall {
  spec: CallSpec;
  pid: number;
  tid: number;
  ns: bigint;
  enter: bigint[] | undefined;
  strings: (Uint8Array | undefined)[][];
  data: Map<number, DataPart>;
  address: { length: number; bytes: Uint8Array } | undefined;
  failedArgv: Map<number, Uint8Array>;
  exec: { filename: (Uint8Array | undefined)[]; argv: (Uint8Array | undefined)[]; argvBytes: number } | undefined;
  /** The fork tracepoint already reported this clone (its exit line is then not a second event). */
  reported: boolean;
}

/** Converts one capture's bpftrace output; feed lines with push(), then call finish() once. */
export class BpftraceConverter {
  private readonly offset: bigint;
  private readonly window: bigint;
  private readonly file: number;
  private held: Line[] = [];
  /** Index of the first held line not yet released (the array is compacted now and then, not per line). */
  private head = 0;
  private arrivals = 0;
  private newest = -1n;
  private released = -1n;
  private seq = 0;
  private readonly calls = new Map<number, PendingCall>();
  private readonly seenPids = new Set<number>();
  private readonly seenTids = new Set<number>();
  private readonly initPid: number | undefined;
  private initEnded = false;
  private readonly ended = new Set<number>();
  private readonly notes: string[] = [];
  private readonly counted = new Map<string, number>();
  private out: TraceEvent[] = [];
  private namespace: string | undefined;
  private probes: number | undefined;

  constructor(options: BpftraceConverterOptions) {
    this.offset = options.clockOffsetNs;
    this.window = options.reorderWindowNs ?? 500_000_000n;
    this.file = options.file ?? 0;
    this.initPid = options.initPid;
  }

  /** One line of bpftrace's stdout (a JSON record); returns the events it released, in order. */
  push(text: string): TraceEvent[] {
    const trimmed = text.trim();
    if (trimmed === '') return [];
    let record: unknown;
    try {
      record = JSON.parse(trimmed);
    } catch {
      this.count('bpftrace printed lines that are not JSON (kept out of the trace)');
      return [];
    }
    this.record(record);
    return this.drain(false);
  }

  /** The input ended: releases every held line, then reports calls that never returned as unfinished. */
  finish(): TraceEvent[] {
    const events = this.drain(true);
    for (const call of [...this.calls.values()].sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0))) {
      if (!call.reported) this.emitCall(call, undefined, [], call.ns);
    }
    this.calls.clear();
    return [...events, ...this.take()];
  }

  /** Host pids (thread-group ids) seen in the trace, ascending. */
  pids(): number[] {
    return [...this.seenPids].sort((a, b) => a - b);
  }

  /** True once the process `pid` (its leader task) exited in the trace. */
  exited(pid: number): boolean {
    return this.ended.has(pid);
  }

  /** Everything worth a responder's attention: lost events, malformed or out-of-window lines, unknown records. */
  warnings(): string[] {
    return [...this.notes, ...[...this.counted].map(([text, count]) => `${text} (${count}×)`)];
  }

  /**
   * Once the program's BEGIN line arrived, every probe is attached: the PID namespace it traces (`pid:[N]`),
   * else undefined; and how many probes bpftrace announced.
   */
  started(): { namespace: string | undefined; probes: number | undefined } {
    return { namespace: this.namespace, probes: this.probes };
  }

  // ----------------------------------------------------------------------------------------------------------
  // Stage 1: records

  private record(record: unknown): void {
    if (record === null || typeof record !== 'object') {
      this.count('bpftrace printed JSON that is not a record');
      return;
    }
    const { type, data } = record as { type?: unknown; data?: unknown };
    if (type === 'printf' && typeof data === 'string') {
      this.line(data);
    } else if (type === 'attached_probes') {
      const probes = (data as { probes?: unknown } | null)?.probes;
      if (typeof probes === 'number') this.probes = probes;
    } else if (type === 'lost_events') {
      const events = (data as { events?: unknown } | null)?.events ?? data;
      const lost = typeof events === 'number' ? events : Number.NaN;
      const text = `bpftrace lost ${Number.isNaN(lost) ? 'an unknown number of' : lost} events (ring buffer full): the trace has a gap here`;
      this.notes.push(text);
      this.hold({ kind: 'lost', ns: this.newest < 0n ? 0n : this.newest, arrival: this.arrivals++, fields: [text] });
    } else {
      this.count(`bpftrace record of type ${JSON.stringify(String(type))} not understood`);
    }
  }

  private line(data: string): void {
    const fields = data.replace(/\n$/, '').split(' ');
    const kind = fields[0] ?? '';
    const ns = fields[1] ?? '';
    if (!/^[A-Z]$/.test(kind) || !/^\d{1,20}$/.test(ns)) {
      this.count('bpftrace program lines not in the expected format');
      return;
    }
    const time = BigInt(ns);
    if (time > this.newest) this.newest = time;
    if (kind === 'T') return;
    // BEGIN runs once every probe is attached (bpftrace reports "attached" before attaching): tracing is on.
    if (kind === 'H') this.namespace = `pid:[${fields[2] ?? '?'}]`;
    this.hold({ kind, ns: time, arrival: this.arrivals++, fields: fields.slice(2) });
  }

  // ----------------------------------------------------------------------------------------------------------
  // Stage 2: reorder

  private hold(line: Line): void {
    if (line.ns < this.released) {
      this.apply(line, true);
      return;
    }
    const held = this.held;
    let at = held.length;
    // Lines mostly arrive in order: the search from the end stops at once.
    while (at > this.head && (held[at - 1]?.ns ?? 0n) > line.ns) at--;
    held.splice(at, 0, line);
  }

  private drain(all: boolean): TraceEvent[] {
    const limit = this.newest - this.window;
    for (; this.head < this.held.length; this.head++) {
      const line = this.held[this.head];
      if (line === undefined || (!all && line.ns > limit)) break;
      if (line.ns > this.released) this.released = line.ns;
      this.apply(line);
    }
    if (this.head > 4096 && this.head * 2 > this.held.length) {
      this.held = this.held.slice(this.head);
      this.head = 0;
    }
    return this.take();
  }

  private take(): TraceEvent[] {
    const events = this.out;
    this.out = [];
    return events;
  }

  // ----------------------------------------------------------------------------------------------------------
  // Stage 3: assemble

  private apply(line: Line, late = false): void {
    const f = line.fields;
    if (line.kind === 'lost') {
      this.emit(this.diag(line.ns, null, f[0] ?? ''));
      return;
    }
    if (line.kind === 'H') {
      this.emit(this.diag(line.ns, null, `bpftrace: tracing every task whose PID namespace is ${this.namespace}`));
      return;
    }
    const pid = Number(f[0]);
    const tid = Number(f[1]);
    if (!Number.isInteger(pid) || !Number.isInteger(tid)) {
      this.count('bpftrace program lines without a task');
      return;
    }
    if (this.initEnded && !this.seenTids.has(tid)) {
      this.count("lines of tasks first seen after the container's init exited (its namespace id reused): dropped");
      return;
    }
    if (late) this.count('lines arrived later than the reorder window and were applied where they arrived');
    this.seenPids.add(pid);
    this.seenTids.add(tid);
    const rest = f.slice(2);
    switch (line.kind) {
      case 'E':
        return this.enter(line.ns, pid, tid, rest);
      case 'X':
        return this.exit(line.ns, pid, tid, rest);
      case 'S':
      case 'V':
      case 'B':
      case 'A':
        return this.part(line.kind, pid, tid, rest);
      case 'F':
        return this.fork(line.ns, pid, tid, Number(rest[0]));
      case 'R':
        return this.exec(line.ns, pid, tid, Number(rest[0]), Number(rest[1]));
      case 'N':
      case 'W':
        return this.execPart(line.kind, tid, rest);
      case 'Q':
        return this.taskExit(line.ns, pid, tid, Number(rest[0]));
      case 'G':
        return this.signal(line.ns, pid, tid, Number(rest[0]), Number(rest[1]), Number(rest[2]));
      default:
        this.count(`bpftrace program lines of unknown kind ${line.kind}`);
    }
  }

  private spec(name: string | undefined): CallSpec | undefined {
    const spec = name === undefined ? undefined : CALLS_BY_NAME.get(name);
    if (spec === undefined) this.count(`bpftrace lines for a syscall this converter does not know`);
    return spec;
  }

  private newCall(spec: CallSpec, pid: number, tid: number, ns: bigint, enter: bigint[] | undefined): PendingCall {
    return {
      spec,
      pid,
      tid,
      ns,
      enter,
      strings: [],
      data: new Map(),
      address: undefined,
      failedArgv: new Map(),
      exec: undefined,
      reported: false,
    };
  }

  private enter(ns: bigint, pid: number, tid: number, rest: string[]): void {
    const spec = this.spec(rest[0]);
    if (spec === undefined) return;
    const values = integers(rest.slice(1));
    if (values === undefined || values.length !== enterLayout(spec).width) {
      this.count('bpftrace entry lines with the wrong values');
      return;
    }
    const previous = this.calls.get(tid);
    // A task enters one syscall at a time: an open one here lost its exit line.
    if (previous !== undefined && !previous.reported) this.emitCall(previous, undefined, [], previous.ns);
    this.calls.set(tid, this.newCall(spec, pid, tid, ns, values));
  }

  private current(tid: number, name: string | undefined): PendingCall | undefined {
    const call = this.calls.get(tid);
    if (call === undefined || call.spec.name !== name) {
      this.count('bpftrace string/data lines with no syscall entry to belong to');
      return undefined;
    }
    return call;
  }

  private part(kind: string, _pid: number, tid: number, rest: string[]): void {
    const call = this.current(tid, rest[0]);
    if (call === undefined) return;
    const a = Number(rest[1]);
    if (kind === 'S') {
      const bytes = hexBytes(rest.slice(3).join(' '));
      const chunk = Number(rest[2]);
      if (bytes === undefined || !(chunk >= 0 && chunk < STRING_CHUNKS)) return this.count('malformed string lines');
      (call.strings[a] ??= [])[chunk] = bytes;
    } else if (kind === 'V') {
      const bytes = hexBytes(rest.slice(2).join(' '));
      if (bytes === undefined) return this.count('malformed argv lines');
      call.failedArgv.set(a, bytes);
    } else if (kind === 'B') {
      const chunk = Number(rest[2]);
      const length = parseInteger(rest[3]);
      const bytes = hexBytes(rest.slice(4).join(' '));
      if (bytes === undefined || length === undefined || !(chunk >= 0)) return this.count('malformed data lines');
      let part = call.data.get(a);
      if (part === undefined) {
        part = { length, chunks: [] };
        call.data.set(a, part);
      }
      part.chunks[chunk] = bytes;
    } else {
      const length = parseInteger(rest[1]);
      const bytes = hexBytes(rest.slice(2).join(' '));
      if (bytes === undefined || length === undefined) return this.count('malformed address lines');
      call.address = { length: Number(length), bytes };
    }
  }

  private exit(ns: bigint, pid: number, tid: number, rest: string[]): void {
    const spec = this.spec(rest[0]);
    if (spec === undefined) return;
    const values = integers(rest.slice(1));
    const ret = values?.[0];
    if (values === undefined || ret === undefined) return this.count('malformed exit lines');
    const call = this.calls.get(tid);
    if (call === undefined || call.spec.name !== spec.name) {
      // A new task returning from the clone that created it: its parent's fork line reported the clone.
      if (CLONES.has(spec.name) && ret === 0n) return;
      // A call already in progress when tracing began: only its end is known (strace's "resumed" half). A clone
      // that began before tracing returns the child's pid as the container numbers it, not the host pid every
      // line here is keyed by (the fork tracepoint that would say it fired before tracing): taken as a pid it
      // would invent a process, so its result is left unknown.
      const result = CLONES.has(spec.name) && ret > 0n ? undefined : ret;
      this.emitCall(this.newCall(spec, pid, tid, ns, undefined), result, values.slice(1), ns, 'resumed');
      return;
    }
    this.calls.delete(tid);
    if (call.reported) return;
    // The exec's new image belongs to the leader: after a non-leader thread's exec the leader's id carries on.
    this.emitCall({ ...call, pid, tid }, ret, values.slice(1), ns);
  }

  private fork(ns: bigint, pid: number, tid: number, child: number): void {
    if (!this.initEnded) this.seenTids.add(child);
    const call = this.calls.get(tid);
    if (call !== undefined && CLONES.has(call.spec.name) && !call.reported) {
      call.reported = true;
      this.emitCall(call, BigInt(child), [], ns);
      return;
    }
    // A task the kernel started on the caller's behalf (no clone call in progress): how it was made is unknown.
    const spec = CALLS_BY_NAME.get('clone');
    if (spec !== undefined) this.emitCall(this.newCall(spec, pid, tid, ns, undefined), BigInt(child), [], ns);
  }

  private exec(ns: bigint, pid: number, tid: number, oldTid: number, argvBytes: number): void {
    let call = this.calls.get(oldTid);
    if (oldTid !== tid) {
      this.calls.delete(oldTid);
      if (call !== undefined) call = { ...call, pid, tid };
    }
    if (call === undefined || call.spec.exec !== true) {
      const spec = CALLS_BY_NAME.get('execve');
      if (spec === undefined) return;
      call = this.newCall(spec, pid, tid, ns, undefined);
    }
    call.exec = { filename: [], argv: [], argvBytes: Number.isFinite(argvBytes) ? argvBytes : 0 };
    this.calls.set(tid, call);
  }

  private execPart(kind: string, tid: number, rest: string[]): void {
    const exec = this.calls.get(tid)?.exec;
    const chunk = Number(rest[0]);
    const bytes = hexBytes(rest.slice(1).join(' '));
    if (exec === undefined || bytes === undefined || !(chunk >= 0)) return this.count('exec lines with no exec');
    if (kind === 'N' && chunk < STRING_CHUNKS) exec.filename[chunk] = bytes;
    else if (kind === 'W' && chunk < ARGV_CHUNKS) exec.argv[chunk] = bytes;
  }

  private taskExit(ns: bigint, pid: number, tid: number, status: number): void {
    const call = this.calls.get(tid);
    if (call !== undefined) {
      this.calls.delete(tid);
      if (!call.reported) this.emitCall(call, undefined, [], call.ns);
    }
    // A thread of this process is inside exec: the leader ending now is the exec taking its place (de_thread),
    // not the process ending. strace calls it superseded; replay then keeps the process.
    const execing = [...this.calls.values()].find(
      (other) => other.pid === pid && other.tid !== tid && other.spec.exec === true,
    );
    // The kernel's exit_code: (status << 8) for an exit, the signal number (| 0x80 with a core dump) for a kill.
    const signal = status & 0x7f;
    const event: ExitEvent = {
      kind: 'exit',
      ...this.stamp(ns),
      pid,
      tid,
      code: signal === 0 ? (status >> 8) & 0xff : null,
      signal: signal === 0 ? null : signalName(signal),
      core: signal !== 0 && (status & 0x80) !== 0,
      supersededBy: tid === pid && execing !== undefined ? pid : null,
    };
    if (tid === pid && execing === undefined) {
      this.ended.add(pid);
      if (pid === this.initPid) this.initEnded = true;
    }
    this.emit(event);
  }

  private signal(ns: bigint, pid: number, tid: number, signal: number, errno: number, code: number): void {
    const name = signalName(signal);
    const errnoPart = errno === 0 ? '' : `, si_errno=${errno}`;
    const event: SignalEvent = {
      kind: 'signal',
      ...this.stamp(ns),
      pid,
      tid,
      signal: name,
      info: `{si_signo=${name}, si_code=${signalCodeName(signal, code)}${errnoPart}}`,
    };
    this.emit(event);
  }

  // ----------------------------------------------------------------------------------------------------------
  // Events

  private emitCall(
    call: PendingCall,
    ret: bigint | undefined,
    exit: bigint[],
    endNs: bigint,
    state: SyscallEvent['state'] = ret === undefined ? 'unfinished' : 'complete',
  ): void {
    const exec = call.exec;
    const captured: CapturedCall = {
      spec: call.spec,
      layout: enterLayout(call.spec),
      enter: call.enter,
      strings: call.strings.map((chunks) => joinStringChunks(chunks, STRING_CHUNK)),
      ret,
      exit,
      data: call.data,
      address: call.address,
      failedArgv: call.failedArgv,
      exec:
        exec === undefined
          ? undefined
          : {
              filename: joinStringChunks(exec.filename, STRING_CHUNK),
              argv: concat(argvPrefix(exec.argv)),
              argvBytes: exec.argvBytes,
            },
    };
    const args = callArguments(captured);
    const event: SyscallEvent = {
      kind: 'syscall',
      ...this.stamp(call.ns),
      pid: call.pid,
      tid: call.tid,
      name: call.spec.name,
      argText: args.join(', '),
      args,
      ret: ret === undefined ? '' : returnText(ret),
      dur: ret === undefined || state === 'resumed' ? '' : duration(endNs - call.ns),
      state,
    };
    this.emit(event);
  }

  private diag(ns: bigint, pid: number | null, text: string): DiagEvent {
    return { kind: 'diag', ...this.stamp(ns), pid, text };
  }

  private emit(event: TraceEvent): void {
    event.seq = this.seq++;
    this.out.push(event);
  }

  private stamp(ns: bigint): { seq: number; sec: number; nsec: number; file: number; line: number } {
    const wall = ns + this.offset;
    let sec = wall / NS;
    let nsec = wall % NS;
    if (nsec < 0n) {
      nsec += NS;
      sec -= 1n;
    }
    return { seq: 0, sec: Number(sec), nsec: Number(nsec), file: this.file, line: 0 };
  }

  private count(text: string): void {
    this.counted.set(text, (this.counted.get(text) ?? 0) + 1);
  }
}

/** The argv chunks read in a row from the start (a missing one ends what is known). */
function argvPrefix(chunks: readonly (Uint8Array | undefined)[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const chunk of chunks) {
    if (chunk === undefined) break;
    out.push(chunk);
    if (chunk.length < DATA_CHUNK) break;
  }
  return out;
}

/** strace -T's duration: seconds with six decimals. */
function duration(ns: bigint): string {
  const micros = ns < 0n ? 0n : ns / 1000n;
  return `${micros / 1_000_000n}.${(micros % 1_000_000n).toString().padStart(6, '0')}`;
}

function parseInteger(text: string | undefined): bigint | undefined {
  return text !== undefined && /^-?\d{1,20}$/.test(text) ? BigInt(text) : undefined;
}

function integers(texts: readonly string[]): bigint[] | undefined {
  const out: bigint[] = [];
  for (const text of texts) {
    const value = parseInteger(text);
    if (value === undefined) return undefined;
    out.push(value);
  }
  return out;
}
