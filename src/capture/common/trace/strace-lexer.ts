// The stateless half of strace parsing: each line's shape (prefix, stamp, kind, name and the spans of its
// arguments, return value and duration), written as numbers into typed arrays.
//
// Why separate: a line's shape depends on that line alone, so a block of lines can be lexed anywhere — in a
// worker thread while the main thread replays the previous block — and handed over as typed arrays without
// copying objects. Everything that spans lines (pairs, pids, dates, order) is StraceParser's.
import { findArgsEnd } from './strace-scan.js';

/** What a line is. */
export const LINE_BLANK = 0;
export const LINE_CALL = 1;
export const LINE_UNFINISHED = 2;
export const LINE_RESUMED = 3;
export const LINE_EXIT = 4;
export const LINE_SIGNAL = 5;
export const LINE_DIAG = 6;
export const LINE_SKIP = 7;

/** Its timestamp. */
export const STAMP_NONE = 0;
export const STAMP_TIME_OF_DAY = 1;
export const STAMP_EPOCH = 2;
export const STAMP_RELATIVE = 3;

/** Why a line is skipped (the assembler turns these into words). */
export const SKIP_REASONS = [
  '',
  'malformed [pid N] prefix',
  'malformed timestamp',
  'not a strace line',
  'unterminated argument list',
  'no return value',
  'malformed resumed line',
] as const;
const SKIP_PID = 1;
const SKIP_STAMP = 2;
const SKIP_NOT_STRACE = 3;
const SKIP_UNTERMINATED = 4;
const SKIP_NO_RETURN = 5;
const SKIP_RESUMED = 6;

// Integer slots per line, in this order.
export const SLOT_KIND = 0;
export const SLOT_PID = 1;
export const SLOT_STAMP = 2;
export const SLOT_FRACTION = 3;
/** Line start and end (without CR) in the text. */
export const SLOT_START = 4;
export const SLOT_END = 5;
/** CALL/UNFINISHED/RESUMED: the name; EXIT/SIGNAL/DIAG: the body; SKIP: the reason code in SLOT_A. */
export const SLOT_A = 6;
export const SLOT_B = 7;
export const SLOT_HASH = 8;
/** Argument text (for RESUMED: the resumed part). */
export const SLOT_ARGS = 9;
export const SLOT_ARGS_END = 10;
export const SLOT_RET = 11;
export const SLOT_RET_END = 12;
export const SLOT_DUR = 13;
export const SLOT_DUR_END = 14;
export const SLOTS = 15;

const UNFINISHED = ' <unfinished ...>';
/** strace detached (capture stopped) while the task was inside the call: it never returns in this trace. */
const DETACHED = ' <detached ...>';
/** The kernel's ceiling for pid_max (2^22): a larger leading number is an epoch stamp, not a pid column. */
const PID_MAX_LIMIT = 4_194_304;

/** Lexed lines: SLOTS integers per line plus one float (the stamp's whole seconds). Grows as needed. */
export class LexedLines {
  count = 0;
  ints: Int32Array;
  /** Seconds of the stamp: second of the day, epoch seconds, or relative seconds. */
  floats: Float64Array;

  constructor(capacity = 4096, ints?: Int32Array, floats?: Float64Array, count = 0) {
    this.ints = ints ?? new Int32Array(capacity * SLOTS);
    this.floats = floats ?? new Float64Array(capacity);
    this.count = count;
  }

  /** A fresh slot for the next line (zeroed), returning its base index into `ints`. */
  next(): number {
    if (this.count === this.floats.length) {
      const ints = new Int32Array(this.ints.length * 2);
      ints.set(this.ints);
      this.ints = ints;
      const floats = new Float64Array(this.floats.length * 2);
      floats.set(this.floats);
      this.floats = floats;
    }
    const base = this.count * SLOTS;
    // Unrolled: a call to fill() per line costs more than fifteen stores.
    const ints = this.ints;
    ints[base] = 0;
    ints[base + 1] = 0;
    ints[base + 2] = 0;
    ints[base + 3] = 0;
    ints[base + 4] = 0;
    ints[base + 5] = 0;
    ints[base + 6] = 0;
    ints[base + 7] = 0;
    ints[base + 8] = 0;
    ints[base + 9] = 0;
    ints[base + 10] = 0;
    ints[base + 11] = 0;
    ints[base + 12] = 0;
    ints[base + 13] = 0;
    ints[base + 14] = 0;
    this.floats[this.count] = 0;
    this.count++;
    return base;
  }
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isNameChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 48 && code <= 57) ||
    code === 95 ||
    (code >= 65 && code <= 90) ||
    code === 63 /* ? in "????" */
  );
}

/** Lexes every newline-separated line of `text` (no final newline expected) into `out`. */
export function lexLines(text: string, out: LexedLines): void {
  let start = 0;
  for (;;) {
    const newline = text.indexOf('\n', start);
    if (newline < 0) break;
    lexLine(text, start, newline, out);
    start = newline + 1;
  }
  lexLine(text, start, text.length, out);
}

/** Lexes one line, text[start, stop), into the next slot of `out`. */
export function lexLine(text: string, start: number, stop: number, out: LexedLines): void {
  const base = out.next();
  const ints = out.ints;
  let end = stop;
  if (end > start && text.charCodeAt(end - 1) === 13) end--;
  ints[base + SLOT_START] = start;
  ints[base + SLOT_END] = end;
  ints[base + SLOT_PID] = -1;
  let index = start;
  while (index < end && text.charCodeAt(index) === 32) index++;
  if (index === end) return; // LINE_BLANK

  // Prefix: "[pid  123] " or a bare pid column "123  ".
  let code = text.charCodeAt(index);
  if (code === 91 && text.startsWith('[pid', index)) {
    let cursor = index + 4;
    while (text.charCodeAt(cursor) === 32) cursor++;
    let value = 0;
    const digitsStart = cursor;
    while (isDigit(text.charCodeAt(cursor))) value = value * 10 + (text.charCodeAt(cursor++) - 48);
    // Above pid_max the value is no pid (and would wrap in the Int32 slot, -1 reading as "no prefix").
    if (cursor === digitsStart || text.charCodeAt(cursor) !== 93 || value > PID_MAX_LIMIT) {
      return skip(ints, base, SKIP_PID);
    }
    ints[base + SLOT_PID] = value;
    index = cursor + 1;
    while (text.charCodeAt(index) === 32) index++;
  } else if (isDigit(code)) {
    let cursor = index;
    let value = 0;
    while (isDigit(text.charCodeAt(cursor))) value = value * 10 + (text.charCodeAt(cursor++) - 48);
    if (text.charCodeAt(cursor) === 32 && value <= PID_MAX_LIMIT) {
      ints[base + SLOT_PID] = value;
      index = cursor;
      while (text.charCodeAt(index) === 32) index++;
    }
  }

  // Timestamp.
  code = text.charCodeAt(index);
  if (isDigit(code)) {
    const after = stamp(text, index, end, out, base);
    if (after < 0) return skip(ints, base, SKIP_STAMP);
    index = after;
    while (text.charCodeAt(index) === 32) index++;
  }

  code = text.charCodeAt(index);
  if (code === 43 && text.startsWith('+++ ', index)) return body(ints, base, LINE_EXIT, index, end);
  if (code === 45 && text.startsWith('--- ', index)) return body(ints, base, LINE_SIGNAL, index, end);
  if (code === 60 && text.startsWith('<... ', index)) return resumed(text, index, end, ints, base);
  if (isNameChar(code)) {
    let cursor = index;
    let hash = 0;
    while (cursor < end) {
      const char = text.charCodeAt(cursor);
      if (!isNameChar(char)) break;
      hash = (Math.imul(hash, 31) + char) | 0;
      cursor++;
    }
    if (text.charCodeAt(cursor) === 40) return call(text, index, cursor, end, hash, ints, base);
    if (text.startsWith('strace: ', index) || text.startsWith('Process ', index)) {
      return body(ints, base, LINE_DIAG, index, end);
    }
    return skip(ints, base, SKIP_NOT_STRACE);
  }
  if (code === 91 && text.startsWith('[ Process', index)) return body(ints, base, LINE_DIAG, index, end);
  skip(ints, base, SKIP_NOT_STRACE);
}

function skip(ints: Int32Array, base: number, reason: number): void {
  ints[base + SLOT_KIND] = LINE_SKIP;
  ints[base + SLOT_A] = reason;
}

function body(ints: Int32Array, base: number, kind: number, from: number, end: number): void {
  ints[base + SLOT_KIND] = kind;
  ints[base + SLOT_A] = from;
  ints[base + SLOT_B] = end;
}

/** Parses a stamp at `index` into the line's slots; returns the index after it, or -1. */
function stamp(text: string, index: number, end: number, out: LexedLines, base: number): number {
  const ints = out.ints;
  const line = base / SLOTS;
  // Fast path for the most common stamp, -tt "HH:MM:SS.ffffff".
  if (text.charCodeAt(index + 2) === 58 && text.charCodeAt(index + 5) === 58 && text.charCodeAt(index + 8) === 46) {
    const secondOfDay =
      (text.charCodeAt(index) - 48) * 36000 +
      (text.charCodeAt(index + 1) - 48) * 3600 +
      (text.charCodeAt(index + 3) - 48) * 600 +
      (text.charCodeAt(index + 4) - 48) * 60 +
      (text.charCodeAt(index + 6) - 48) * 10 +
      (text.charCodeAt(index + 7) - 48);
    let cursor = index + 9;
    let fraction = 0;
    let digits = 0;
    for (; cursor < end; cursor++) {
      const digit = text.charCodeAt(cursor) - 48;
      if (digit < 0 || digit > 9) break;
      if (digits < 9) {
        fraction = fraction * 10 + digit;
        digits++;
      }
    }
    if (digits > 0 && secondOfDay >= 0 && text.charCodeAt(cursor) === 32) {
      for (; digits < 9; digits++) fraction *= 10;
      ints[base + SLOT_STAMP] = STAMP_TIME_OF_DAY;
      ints[base + SLOT_FRACTION] = fraction;
      out.floats[line] = secondOfDay;
      return cursor;
    }
  }
  let cursor = index;
  let whole = 0;
  while (cursor < end && isDigit(text.charCodeAt(cursor))) whole = whole * 10 + (text.charCodeAt(cursor++) - 48);
  const digits = cursor - index;
  if (text.charCodeAt(cursor) === 58 /* : */) {
    // HH:MM:SS[.fraction] (strace -t / -tt): the second of the day.
    const minutes = twoDigits(text, cursor + 1);
    const seconds = twoDigits(text, cursor + 4);
    if (minutes < 0 || seconds < 0 || text.charCodeAt(cursor + 3) !== 58) return -1;
    cursor += 6;
    if (text.charCodeAt(cursor) === 46) cursor = fraction(text, cursor + 1, end, ints, base);
    if (text.charCodeAt(cursor) !== 32) return -1;
    ints[base + SLOT_STAMP] = STAMP_TIME_OF_DAY;
    out.floats[line] = whole * 3600 + minutes * 60 + seconds;
    return cursor;
  }
  if (text.charCodeAt(cursor) === 46 /* . */) cursor = fraction(text, cursor + 1, end, ints, base);
  if (text.charCodeAt(cursor) !== 32) return -1;
  // Epoch stamps (-ttt) have at least nine integer digits (any date after 2001-09-09); -r prints small offsets.
  ints[base + SLOT_STAMP] = digits >= 9 ? STAMP_EPOCH : STAMP_RELATIVE;
  out.floats[line] = whole;
  return cursor;
}

/** Digits after a decimal point as nanoseconds (up to nine digits; more are read and ignored). */
function fraction(text: string, from: number, end: number, ints: Int32Array, base: number): number {
  let cursor = from;
  let value = 0;
  let digits = 0;
  while (cursor < end && isDigit(text.charCodeAt(cursor))) {
    if (digits < 9) {
      value = value * 10 + (text.charCodeAt(cursor) - 48);
      digits++;
    }
    cursor++;
  }
  for (; digits < 9; digits++) value *= 10;
  ints[base + SLOT_FRACTION] = value;
  return cursor;
}

function twoDigits(text: string, at: number): number {
  const high = text.charCodeAt(at) - 48;
  const low = text.charCodeAt(at + 1) - 48;
  if (high < 0 || high > 9 || low < 0 || low > 9) return -1;
  return high * 10 + low;
}

function call(
  text: string,
  nameStart: number,
  open: number,
  end: number,
  hash: number,
  ints: Int32Array,
  base: number,
): void {
  ints[base + SLOT_A] = nameStart;
  ints[base + SLOT_B] = open;
  ints[base + SLOT_HASH] = hash;
  ints[base + SLOT_ARGS] = open + 1;
  if (text.endsWith(UNFINISHED, end)) {
    ints[base + SLOT_KIND] = LINE_UNFINISHED;
    ints[base + SLOT_ARGS_END] = Math.max(open + 1, end - UNFINISHED.length);
    return;
  }
  if (text.endsWith(DETACHED, end)) {
    ints[base + SLOT_KIND] = LINE_UNFINISHED;
    ints[base + SLOT_ARGS_END] = Math.max(open + 1, end - DETACHED.length);
    return;
  }
  const close = findArgsEnd(text, open + 1, end);
  if (close < 0) return skip(ints, base, SKIP_UNTERMINATED);
  ints[base + SLOT_ARGS_END] = close;
  if (!returnPart(text, close + 1, end, ints, base)) return skip(ints, base, SKIP_NO_RETURN);
  ints[base + SLOT_KIND] = LINE_CALL;
}

function resumed(text: string, index: number, end: number, ints: Int32Array, base: number): void {
  const nameStart = index + 5;
  const marker = text.indexOf(' resumed>', nameStart);
  if (marker < 0 || marker >= end) return skip(ints, base, SKIP_RESUMED);
  let hash = 0;
  for (let cursor = nameStart; cursor < marker; cursor++) hash = (Math.imul(hash, 31) + text.charCodeAt(cursor)) | 0;
  let restStart = marker + 9;
  // "<... wait4 resumed> <unfinished ...>) = ?": the task died inside the call.
  if (text.startsWith(UNFINISHED, restStart)) restStart += UNFINISHED.length;
  const close = findArgsEnd(text, restStart, end);
  if (close < 0) return skip(ints, base, SKIP_UNTERMINATED);
  ints[base + SLOT_A] = nameStart;
  ints[base + SLOT_B] = marker;
  ints[base + SLOT_HASH] = hash;
  ints[base + SLOT_ARGS] = restStart;
  ints[base + SLOT_ARGS_END] = close;
  if (!returnPart(text, close + 1, end, ints, base)) return skip(ints, base, SKIP_NO_RETURN);
  ints[base + SLOT_KIND] = LINE_RESUMED;
}

/** Finds "= RET [<dur>]" after the closing parenthesis and records its spans; false when absent. */
function returnPart(text: string, from: number, end: number, ints: Int32Array, base: number): boolean {
  let cursor = from;
  while (text.charCodeAt(cursor) === 32) cursor++;
  if (cursor >= end || text.charCodeAt(cursor) !== 61 /* = */) return false;
  cursor++;
  if (text.charCodeAt(cursor) === 32) cursor++;
  ints[base + SLOT_RET] = cursor;
  ints[base + SLOT_RET_END] = end;
  if (text.charCodeAt(end - 1) === 62 /* > */) {
    const open = text.lastIndexOf(' <', end);
    if (open >= cursor && isDuration(text, open + 2, end - 1)) {
      ints[base + SLOT_DUR] = open + 2;
      ints[base + SLOT_DUR_END] = end - 1;
      ints[base + SLOT_RET_END] = open;
    }
  }
  return true;
}

function isDuration(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  let dot = false;
  for (let index = from; index < to; index++) {
    const code = text.charCodeAt(index);
    if (code === 46 && !dot) dot = true;
    else if (code < 48 || code > 57) return false;
  }
  return true;
}
