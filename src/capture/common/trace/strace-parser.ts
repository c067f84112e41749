// Incremental strace text parser: feed lines, receive events; keeps the state that spans lines.
//
// Each line's shape comes from strace-lexer.ts (stateless, so it can run on a worker thread); this class
// assembles lexed lines into events, in order. Handles every layout strace writes: `-f` with a bare pid column
// (-o file) or `[pid N]` prefixes (stderr), one process per file (`-ff`, pid given by the caller from the file
// name), no timestamps, `-t`/`-tt` (time of day), `-ttt` (epoch, any precision), `-r` (relative), `-T`
// durations, `-y`/`-yy` annotations, `-x`/`-xx` strings.
//
// State across lines:
// - `<unfinished ...>` calls wait for their `<... name resumed>` half; the joined call is emitted at the resumed
//   line with the start line's time. A resumed half with no start is emitted with state "resumed"; a start never
//   resumed (e.g. `exit(0 <unfinished ...>` before `+++ exited`) is emitted with state "unfinished" when its task
//   exits or the input ends.
// - A new task's lines can appear before the clone that created it returns (the parent's clone is unfinished):
//   they are held until that clone's result names the task, so replay always sees the parent's clone first.
// - Unprefixed lines in `[pid N]` output belong to the only traced process; when its pid has not been printed
//   yet it is learned from the first set_tid_address/getpid/gettid result, and until then those lines wait.
// - Time-of-day stamps are dated from the caller's base date (strace prints local time: the caller gives the UTC
//   offset); a jump back of more than 12 hours is a midnight rollover.
import type { DiagEvent, ExitEvent, SignalEvent, SyscallEvent, TraceEvent } from './trace-event.js';
import { inTraceRange, midnightSeconds } from './trace-time.js';
import {
  LINE_BLANK,
  LINE_CALL,
  LINE_DIAG,
  LINE_EXIT,
  LINE_RESUMED,
  LINE_SIGNAL,
  LINE_SKIP,
  LINE_UNFINISHED,
  LexedLines,
  SKIP_REASONS,
  SLOTS,
  SLOT_A,
  SLOT_ARGS,
  SLOT_ARGS_END,
  SLOT_B,
  SLOT_DUR,
  SLOT_DUR_END,
  SLOT_END,
  SLOT_FRACTION,
  SLOT_HASH,
  SLOT_KIND,
  SLOT_PID,
  SLOT_RET,
  SLOT_RET_END,
  SLOT_STAMP,
  SLOT_START,
  STAMP_EPOCH,
  STAMP_RELATIVE,
  STAMP_TIME_OF_DAY,
  lexLine,
  lexLines,
} from './strace-lexer.js';
import { SkipLog } from './trace-skips.js';
import { straceNamespacePid } from './strace-scan.js';
import { TaskIdSet } from './task-id-set.js';

export type TimeStyle = 'none' | 'time-of-day' | 'epoch' | 'relative';

export interface StraceParserOptions {
  /** pid of lines that carry none: a -ff file's suffix, or a pid the caller knows. */
  defaultPid?: number;
  /** YYYY-MM-DD that -t/-tt time-of-day stamps belong to (the first line's date). Default 1970-01-01 (and said). */
  baseDate?: string;
  /** Seconds east of UTC of the clock strace printed time of day in (default 0). */
  utcOffsetSeconds?: number;
  /** Input file index written into events and skip records. */
  file?: number;
  /** Most events held back waiting for a clone result or an unknown pid before they are released anyway. */
  holdLimit?: number;
  /** Shared skip log (several files of one import report together). */
  skips?: SkipLog;
}

interface Pending {
  name: string;
  argText: string;
  sec: number;
  nsec: number;
  line: number;
  tid: number;
}

const CLONE_FAMILY = new Set(['clone', 'clone3', 'fork', 'vfork']);
const SELF_PID_CALLS = new Set(['set_tid_address', 'getpid', 'gettid']);
const UNKNOWN = -1;
const DAY = 86_400;

export class StraceParser {
  readonly skips: SkipLog;
  private readonly file: number;
  private readonly holdLimit: number;
  private lineNo = 0;
  private timeStyleSeen: TimeStyle = 'none';

  // Time-of-day dating.
  private readonly dayBase: number;
  private dayOffset = 0;
  private lastSecondOfDay = -1;
  private relativeSec = 0;
  private relativeNsec = 0;
  private undatedWarned = false;

  // Unfinished calls by task id.
  private readonly pending = new Map<number, Pending>();
  private pendingClones = 0;

  // Tasks whose lines have been delivered; tasks waiting for their creator's clone result.
  private readonly seen = new TaskIdSet();
  private readonly held = new Map<number, TraceEvent[]>();
  private heldCount = 0;

  // Unprefixed lines: whose are they?
  private unprefixedPid: number;
  private readonly live = new TaskIdSet();
  private lastPrinted = UNKNOWN;
  private lastDelivered = UNKNOWN;
  private readonly waitingForPid: TraceEvent[] = [];

  constructor(
    private readonly sink: (event: TraceEvent) => void,
    private readonly options: StraceParserOptions = {},
  ) {
    this.skips = options.skips ?? new SkipLog();
    this.file = options.file ?? 0;
    this.holdLimit = options.holdLimit ?? 100_000;
    this.unprefixedPid = options.defaultPid ?? UNKNOWN;
    const offset = options.utcOffsetSeconds ?? 0;
    this.dayBase = midnightSeconds(options.baseDate ?? '1970-01-01', offset) ?? -offset;
  }

  /** Which timestamp layout the lines used (the last one seen). */
  get timeStyle(): TimeStyle {
    return this.timeStyleSeen;
  }

  /** Lines fed so far. */
  get lines(): number {
    return this.lineNo;
  }

  /**
   * One line without its newline. `final` marks the input's last line when it had no newline: if it does not
   * parse, it is reported as a truncated last line.
   */
  line(text: string, final = false): void {
    const lexed = this.scratch;
    lexed.count = 0;
    lexLine(text, 0, text.length, lexed);
    this.assemble(text, lexed, final);
  }

  /**
   * Every newline-separated line of `text` (a decoded chunk ending at a line boundary, without the final
   * newline), lexed and assembled in place: no substring per line.
   */
  chunk(text: string): void {
    const lexed = this.scratch;
    lexed.count = 0;
    lexLines(text, lexed);
    this.assemble(text, lexed, false);
  }

  /** A line the reader could not hold (longer than it reads): counted and skipped with its length, never parsed. */
  longLine(bytes: number, _final: boolean): void {
    this.lineNo++;
    this.skips.add(this.file, this.lineNo, 'line too long to read', `(${bytes} bytes)`);
  }

  /** Lines lexed elsewhere (a worker thread) from `text`: assembled here, in order. */
  assemble(text: string, lexed: LexedLines, final = false): void {
    const ints = lexed.ints;
    const floats = lexed.floats;
    for (let line = 0; line < lexed.count; line++) {
      const base = line * SLOTS;
      this.lineNo++;
      const kind = ints[base + SLOT_KIND] ?? LINE_BLANK;
      if (kind === LINE_BLANK) continue;
      this.lineStart = ints[base + SLOT_START] ?? 0;
      this.lineEnd = ints[base + SLOT_END] ?? 0;
      if (kind === LINE_SKIP) {
        const reason = SKIP_REASONS[ints[base + SLOT_A] ?? 0] ?? 'not a strace line';
        const cut = final && (reason === 'unterminated argument list' || reason === 'no return value');
        this.skip(cut ? 'truncated last line' : reason, text, final);
        continue;
      }
      const pid = ints[base + SLOT_PID] ?? UNKNOWN;
      let sec = Number.NaN;
      let nsec = 0;
      const stamp = ints[base + SLOT_STAMP];
      if (stamp !== 0) {
        nsec = ints[base + SLOT_FRACTION] ?? 0;
        const whole = floats[line] ?? 0;
        if (stamp === STAMP_TIME_OF_DAY) sec = this.dayStamp(whole);
        else if (stamp === STAMP_EPOCH) {
          sec = whole;
          this.timeStyleSeen = 'epoch';
        } else if (stamp === STAMP_RELATIVE) {
          this.relativeSec += whole;
          this.relativeNsec += nsec;
          if (this.relativeNsec >= 1e9) {
            this.relativeNsec -= 1e9;
            this.relativeSec += 1;
          }
          sec = this.dayBase + this.relativeSec;
          nsec = this.relativeNsec;
          this.timeStyleSeen = 'relative';
        }
        // Found by fuzzing: 20 epoch digits, hour 122 on a year-9999 base date or a long -r sum give instants no
        // ISO string (nor the JSONL schema) can hold; such a line is skipped and counted, never emitted.
        if (!inTraceRange(sec)) {
          this.skip('timestamp out of range', text, final);
          continue;
        }
      }
      const a = ints[base + SLOT_A] ?? 0;
      const b = ints[base + SLOT_B] ?? 0;
      switch (kind) {
        case LINE_CALL:
        case LINE_UNFINISHED:
        case LINE_RESUMED: {
          const name = internName(text, a, b, ints[base + SLOT_HASH] ?? 0);
          const argsStart = ints[base + SLOT_ARGS] ?? 0;
          const argsEnd = ints[base + SLOT_ARGS_END] ?? 0;
          if (kind === LINE_UNFINISHED) {
            this.unfinished(name, text.slice(argsStart, argsEnd), pid, sec, nsec);
            break;
          }
          const ret = straceNamespacePid(text.slice(ints[base + SLOT_RET] ?? 0, ints[base + SLOT_RET_END] ?? 0));
          const durStart = ints[base + SLOT_DUR] ?? 0;
          const dur = durStart === 0 ? '' : text.slice(durStart, ints[base + SLOT_DUR_END] ?? 0);
          if (kind === LINE_CALL) this.complete(name, text.slice(argsStart, argsEnd), ret, dur, pid, sec, nsec);
          else this.resumed(name, text.slice(argsStart, argsEnd), ret, dur, pid, sec, nsec);
          break;
        }
        case LINE_EXIT:
          this.exitLine(text, a, b, pid, sec, nsec, final);
          break;
        case LINE_SIGNAL:
          this.signalLine(text, a, b, pid, sec, nsec, final);
          break;
        case LINE_DIAG:
          this.diag(text.slice(a, b), pid, sec, nsec);
          break;
      }
    }
  }

  /** Reused for lines lexed on this thread. */
  private readonly scratch = new LexedLines(1024);
  private lineStart = 0;
  private lineEnd = 0;

  /** Flushes what the input's end settles: unfinished calls, held tasks, lines whose pid never appeared. */
  end(): void {
    const pendings = [...this.pending.values()].sort((a, b) => a.line - b.line);
    for (const pending of pendings) this.flushPending(pending);
    this.pending.clear();
    this.pendingClones = 0;
    if (this.waitingForPid.length > 0) this.resolveUnprefixed(0, true);
    this.releaseAllHeld();
  }

  // ----------------------------------------------------------------------------------------------------------
  // Timestamps

  /** Epoch seconds of a time-of-day stamp: base date, plus a day per midnight crossed. */
  private dayStamp(secondOfDay: number): number {
    if (secondOfDay + DAY / 2 < this.lastSecondOfDay) this.dayOffset += DAY;
    this.lastSecondOfDay = secondOfDay;
    if (this.timeStyleSeen !== 'time-of-day') {
      this.timeStyleSeen = 'time-of-day';
      if (!this.undatedWarned && this.options.baseDate === undefined) {
        this.undatedWarned = true;
        this.diag(
          'holdcell: time-of-day stamps without a date; dated 1970-01-01 (give a base date)',
          null,
          Number.NaN,
          0,
        );
      }
    }
    return this.dayBase + this.dayOffset + secondOfDay;
  }

  // ----------------------------------------------------------------------------------------------------------
  // Line kinds

  private unfinished(name: string, argText: string, pid: number, sec: number, nsec: number): void {
    const tid = this.taskOf(pid);
    const earlier = this.pending.get(tid);
    if (earlier !== undefined) this.flushPending(earlier);
    this.pending.set(tid, { name, argText, sec, nsec, line: this.lineNo, tid });
    if (CLONE_FAMILY.has(name)) this.pendingClones++;
  }

  private complete(
    name: string,
    argText: string,
    ret: string,
    dur: string,
    pid: number,
    sec: number,
    nsec: number,
  ): void {
    const tid = this.taskOf(pid);
    const event: SyscallEvent = {
      kind: 'syscall',
      seq: 0,
      sec,
      nsec,
      file: this.file,
      line: this.lineNo,
      pid: tid,
      tid,
      name,
      argText,
      args: undefined,
      ret,
      dur,
      state: 'complete',
    };
    this.emit(event, pid === UNKNOWN);
  }

  private resumed(name: string, rest: string, ret: string, dur: string, pid: number, sec: number, nsec: number): void {
    const tid = this.taskOf(pid);
    const start = this.pending.get(tid);
    let event: SyscallEvent;
    if (start !== undefined && start.name === name) {
      this.pending.delete(tid);
      if (CLONE_FAMILY.has(name)) this.pendingClones--;
      event = this.syscall(start.sec, start.nsec, start.line, tid, name, trimEnd(start.argText + rest), 'complete');
    } else {
      if (start !== undefined) this.flushPending(start);
      event = this.syscall(sec, nsec, this.lineNo, tid, name, trimEnd(rest), 'resumed');
    }
    event.ret = ret;
    event.dur = dur;
    this.emit(event, pid === UNKNOWN);
  }

  private syscall(
    sec: number,
    nsec: number,
    line: number,
    tid: number,
    name: string,
    argText: string,
    state: SyscallEvent['state'],
  ): SyscallEvent {
    return {
      kind: 'syscall',
      seq: 0,
      sec,
      nsec,
      file: this.file,
      line,
      pid: tid,
      tid,
      name,
      argText,
      args: undefined,
      ret: '',
      dur: '',
      state,
    };
  }

  private exitLine(
    text: string,
    index: number,
    end: number,
    pid: number,
    sec: number,
    nsec: number,
    final: boolean,
  ): void {
    const body = text.slice(index + 4, end);
    // At most 15 digits: found by fuzzing, "exited with <400 digits>" made an exit code of Infinity.
    const exited = /^exited with (-?\d{1,15}) \+\+\+$/.exec(body);
    const killed = /^killed by (\w+)( \(core dumped\))? \+\+\+$/.exec(body);
    const superseded = /^superseded by execve in pid (\d{1,15}) \+\+\+$/.exec(body);
    if (exited === null && killed === null && superseded === null) {
      this.skip(final ? 'truncated last line' : 'unknown +++ line', text, final);
      return;
    }
    const tid = this.taskOf(pid);
    if (superseded !== null) {
      // The execve of another thread of this process completes under this pid: move its unfinished half here.
      const other = Number(superseded[1]);
      const moving = this.pending.get(other);
      if (moving !== undefined && moving.name.startsWith('execve')) {
        this.pending.delete(other);
        this.pending.set(tid, { ...moving, tid });
      }
    } else {
      const open = this.pending.get(tid);
      if (open !== undefined) this.flushPending(open);
    }
    const event: ExitEvent = {
      kind: 'exit',
      seq: 0,
      sec,
      nsec,
      file: this.file,
      line: this.lineNo,
      pid: tid,
      tid,
      code: exited === null ? null : Number(exited[1]),
      signal: killed === null ? null : (killed[1] ?? null),
      core: killed?.[2] !== undefined,
      supersededBy: superseded === null ? null : Number(superseded[1]),
    };
    this.emit(event, pid === UNKNOWN);
    if (superseded === null) {
      this.live.delete(tid);
      this.lastPrinted = UNKNOWN;
    }
  }

  private signalLine(
    text: string,
    index: number,
    end: number,
    pid: number,
    sec: number,
    nsec: number,
    final: boolean,
  ): void {
    if (!text.endsWith(' ---', end) || end - index < 8) {
      this.skip(final ? 'truncated last line' : 'malformed --- line', text, final);
      return;
    }
    const body = text.slice(index + 4, end - 4);
    let signal: string;
    let info: string;
    if (body.startsWith('stopped by ')) {
      signal = body.slice(11);
      info = 'stopped';
    } else {
      const space = body.indexOf(' ');
      signal = space < 0 ? body : body.slice(0, space);
      info = space < 0 ? '' : body.slice(space + 1);
    }
    const tid = this.taskOf(pid);
    const event: SignalEvent = {
      kind: 'signal',
      seq: 0,
      sec,
      nsec,
      file: this.file,
      line: this.lineNo,
      pid: tid,
      tid,
      signal,
      info,
    };
    this.emit(event, pid === UNKNOWN);
  }

  private diag(text: string, pid: number | null, sec: number, nsec: number): void {
    // "strace: Process 12 attached": the diagnostic is about that task.
    const about = /Process (?:PID=)?(\d{1,15})(?!\d)/.exec(text);
    if ((pid === null || pid === UNKNOWN) && about !== null) pid = Number(about[1]);
    const event: DiagEvent = {
      kind: 'diag',
      seq: 0,
      sec,
      nsec,
      file: this.file,
      line: this.lineNo,
      pid: pid === UNKNOWN ? null : pid,
      text,
    };
    if (this.waitingForPid.length > 0) this.waitingForPid.push(event);
    else this.sink(event);
  }

  private skip(reason: string, text: string, final: boolean): void {
    const line = text.slice(this.lineStart, this.lineEnd);
    this.skips.add(
      this.file,
      this.lineNo,
      final && reason === 'not a strace line' ? 'truncated last line' : reason,
      line,
    );
  }

  // ----------------------------------------------------------------------------------------------------------
  // Whose line is it, and in which order do tasks appear

  /** The task id of a line: its printed pid, or the only traced process's for unprefixed lines. */
  private taskOf(printed: number): number {
    if (printed !== UNKNOWN) {
      if (printed !== this.lastPrinted) {
        this.live.add(printed);
        this.lastPrinted = printed;
      }
      return printed;
    }
    if (this.unprefixedPid !== UNKNOWN) {
      // After children exit, strace drops the prefix again: the line belongs to the one task still traced.
      const only = this.live.only();
      if (only !== undefined) return only;
      return this.unprefixedPid;
    }
    return UNKNOWN;
  }

  private flushPending(pending: Pending): void {
    this.pending.delete(pending.tid);
    if (CLONE_FAMILY.has(pending.name)) this.pendingClones--;
    const event = this.syscall(
      pending.sec,
      pending.nsec,
      pending.line,
      pending.tid,
      pending.name,
      trimEnd(pending.argText),
      'unfinished',
    );
    this.emit(event, pending.tid === UNKNOWN);
  }

  /** Sends an event on, unless its pid is still unknown or its task waits for its creator's clone result. */
  private emit(event: SyscallEvent | SignalEvent | ExitEvent, pidUnknown: boolean): void {
    if (this.waitingForPid.length > 0 || (pidUnknown && event.tid === UNKNOWN)) {
      this.waitingForPid.push(event);
      if (event.kind === 'syscall' && SELF_PID_CALLS.has(event.name) && event.tid === UNKNOWN) {
        const self = Number.parseInt(event.ret, 10);
        if (self > 0 && String(self) === event.ret.trim()) this.resolveUnprefixed(self, false);
      } else if (this.waitingForPid.length > this.holdLimit) {
        this.resolveUnprefixed(0, true);
      }
      return;
    }
    this.deliver(event);
  }

  /** The unprefixed process's pid is now known (or given up on: 0); its waiting lines go out in order. */
  private resolveUnprefixed(pid: number, unknown: boolean): void {
    this.unprefixedPid = pid;
    this.live.add(pid);
    const moving = this.pending.get(UNKNOWN);
    if (moving !== undefined) {
      this.pending.delete(UNKNOWN);
      this.pending.set(pid, { ...moving, tid: pid });
    }
    if (unknown) {
      this.sink({
        kind: 'diag',
        seq: 0,
        sec: Number.NaN,
        nsec: 0,
        file: this.file,
        line: 0,
        pid: null,
        text: 'holdcell: the traced process never printed its pid; its unprefixed lines are shown as pid 0',
      });
    }
    const waiting = this.waitingForPid.splice(0);
    for (const event of waiting) {
      if (event.kind === 'diag') {
        this.sink(event);
        continue;
      }
      if (event.kind === 'syscall' || event.kind === 'signal' || event.kind === 'exit') {
        if (event.tid === UNKNOWN) {
          event.pid = pid;
          event.tid = pid;
        }
        this.deliver(event);
      }
    }
  }

  private deliver(event: SyscallEvent | SignalEvent | ExitEvent): void {
    const tid = event.tid;
    // Fast path: the same task as the last delivered event, nothing held back, not a process-creating call.
    if (
      tid === this.lastDelivered &&
      this.heldCount === 0 &&
      (event.kind !== 'syscall' || !CLONE_FAMILY.has(event.name))
    ) {
      this.sink(event);
      return;
    }
    this.lastDelivered = tid;
    const held = this.held.get(tid);
    if (held !== undefined) {
      held.push(event);
      this.heldCount++;
    } else if (!this.seen.has(tid)) {
      if (this.pendingClones > 0) {
        this.held.set(tid, [event]);
        this.heldCount++;
      } else {
        this.seen.add(tid);
        this.sink(event);
      }
    } else {
      this.sink(event);
    }
    if (event.kind === 'syscall' && CLONE_FAMILY.has(event.name) && held === undefined) {
      const child = Number.parseInt(event.ret, 10);
      if (child > 0) this.release(child);
    }
    if (this.heldCount > 0 && (this.pendingClones === 0 || this.heldCount > this.holdLimit)) this.releaseAllHeld();
  }

  private release(tid: number): void {
    this.seen.add(tid);
    const events = this.held.get(tid);
    if (events === undefined) return;
    this.held.delete(tid);
    this.heldCount -= events.length;
    for (const event of events) {
      this.sink(event);
      // A held task may itself have cloned: its child's lines were held behind it.
      if (event.kind === 'syscall' && CLONE_FAMILY.has(event.name)) {
        const child = Number.parseInt(event.ret, 10);
        if (child > 0) this.release(child);
      }
    }
  }

  private releaseAllHeld(): void {
    for (const tid of [...this.held.keys()]) this.release(tid);
  }
}

/**
 * Syscall names, interned: each name is one shared string (not a slice holding its line alive), found by a hash
 * computed while scanning — no substring per line, and consumers' map lookups hit a cached string hash.
 */
const NAMES = new Map<number, string>();

function internName(text: string, start: number, end: number, hash: number): string {
  const known = NAMES.get(hash);
  if (known !== undefined && known.length === end - start && text.startsWith(known, start)) return known;
  // A copy that does not share the line's memory.
  const name = ` ${text.slice(start, end)}`.slice(1);
  if (known === undefined && NAMES.size < 4096) NAMES.set(hash, name);
  return name;
}

function trimEnd(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 32) end--;
  return end === text.length ? text : text.slice(0, end);
}
