// Hand-written scanning of strace argument text: where the argument list ends, how it splits, what -y/-yy annotate.
//
// Why not regular expressions: a trace has millions of lines and hostile content — a file name may contain
// ") = 0" or a quote — so the scanner walks the text once, skipping quoted strings (with their escapes),
// `/* comments */` and fd annotations (`3</path>`, `4<TCP:[1.2.3.4:5->6.7.8.9:10]>`, `1</dev/null<char 1:3>>`).
import { bytesToText, closingQuote, decodeEscapes } from './trace-bytes.js';
import type { FdNote } from './trace-event.js';

// Character classes for the scan loop: 0 = nothing to do.
const QUOTE = 1;
const OPEN = 2;
const CLOSE_PAREN = 3;
const CLOSE_OTHER = 4;
const ANGLE = 5;
const SLASH = 6;
const COMMA = 7;
const CLASS = new Uint8Array(128);
CLASS[34] = QUOTE;
CLASS[40] = OPEN;
CLASS[91] = OPEN;
CLASS[123] = OPEN;
CLASS[41] = CLOSE_PAREN;
CLASS[93] = CLOSE_OTHER;
CLASS[125] = CLOSE_OTHER;
CLASS[60] = ANGLE;
CLASS[47] = SLASH;
CLASS[44] = COMMA;

function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** True when the `<` at `index` opens an fd annotation (follows an fd number or AT_FDCWD). */
function opensAnnotation(text: string, index: number): boolean {
  if (index === 0 || !isWordChar(text.charCodeAt(index - 1))) return false;
  const next = text.charCodeAt(index + 1);
  // Not "<<" (a shift in futex ops), "< ", "<=", nor the end of the text.
  return next !== 60 && next !== 32 && next !== 61 && !Number.isNaN(next);
}

/**
 * Index of the `>` closing the annotation opened at `open`, or -1. Path annotations escape `<` and `>` (as \74
 * and \76), so only a nested device note (`<char 1:3>`) nests; socket annotations contain `->` and brackets.
 */
export function annotationEnd(text: string, open: number, end: number): number {
  const first = text.charCodeAt(open + 1);
  const pathLike = first === 47 || first === 92;
  if (pathLike) {
    // Paths escape < and > (and backslash), so the first ">" ends it unless a device note "<char 1:3>" nests.
    const close = text.indexOf('>', open + 1);
    if (close < 0 || close >= end) return -1;
    // Searching back from the ">" stays inside the annotation: it stops at the opening "<" at the latest.
    if (text.lastIndexOf('<', close) === open) return close;
  }
  let nested = 0;
  let brackets = 0;
  for (let index = open + 1; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code === 92) {
      index++;
    } else if (pathLike) {
      if (code === 60) nested++;
      else if (code === 62) {
        if (nested === 0) return index;
        nested--;
      }
    } else if (code === 34) {
      const quote = closingQuote(text, index + 1, end);
      if (quote < 0) return -1;
      index = quote;
    } else if (code === 91) brackets++;
    else if (code === 93) brackets--;
    else if (code === 60 && brackets <= 0) nested++;
    else if (code === 62 && brackets <= 0) {
      if (nested === 0) return index;
      nested--;
    }
  }
  return -1;
}

// findArgsEnd only needs parentheses: outside strings, annotations and comments strace prints them balanced.
const FIND = new Uint8Array(128);
FIND[34] = QUOTE;
FIND[40] = OPEN;
FIND[41] = CLOSE_PAREN;
FIND[60] = ANGLE;
FIND[47] = SLASH;

/**
 * Index of the `)` that closes an argument list whose text starts at `from` (just after the opening `(`), or -1
 * when the line ends first. This is the hot loop of an import: one pass, one table lookup per character.
 */
export function findArgsEnd(text: string, from: number, end: number): number {
  let depth = 0;
  for (let index = from; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code >= 128) continue;
    const kind = FIND[code];
    if (kind === 0) continue;
    if (kind === CLOSE_PAREN) {
      if (depth === 0) return index;
      depth--;
    } else if (kind === QUOTE) {
      const quote = closingQuote(text, index + 1, end);
      if (quote < 0) return -1;
      index = quote;
    } else if (kind === OPEN) {
      depth++;
    } else if (kind === ANGLE) {
      if (opensAnnotation(text, index)) {
        const close = annotationEnd(text, index, end);
        if (close < 0) return -1;
        index = close;
      }
    } else if (text.charCodeAt(index + 1) === 42) {
      const close = text.indexOf('*/', index + 2);
      if (close < 0 || close >= end) return -1;
      index = close + 1;
    }
  }
  return -1;
}

/** Splits argument text at top-level commas (outside strings, structures, annotations, comments); trims spaces. */
export function splitArgs(text: string, from = 0, end = text.length): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = from;
  for (let index = from; index < end; index++) {
    const code = text.charCodeAt(index);
    const kind = code < 128 ? (CLASS[code] ?? 0) : 0;
    if (kind === 0) continue;
    switch (kind) {
      case COMMA:
        if (depth === 0) {
          out.push(trimmed(text, start, index));
          start = index + 1;
        }
        break;
      case QUOTE: {
        const quote = closingQuote(text, index + 1, end);
        if (quote < 0) index = end;
        else index = quote;
        break;
      }
      case OPEN:
        depth++;
        break;
      case CLOSE_PAREN:
      case CLOSE_OTHER:
        depth--;
        break;
      case ANGLE:
        if (opensAnnotation(text, index)) {
          const close = annotationEnd(text, index, end);
          index = close < 0 ? end : close;
        }
        break;
      case SLASH:
        if (text.charCodeAt(index + 1) === 42) {
          const close = text.indexOf('*/', index + 2);
          index = close < 0 || close >= end ? end : close + 1;
        }
        break;
    }
  }
  const last = trimmed(text, start, end);
  if (last !== '' || out.length > 0) out.push(last);
  return out;
}

function trimmed(text: string, start: number, end: number): string {
  while (start < end && text.charCodeAt(start) === 32) start++;
  while (end > start && text.charCodeAt(end - 1) === 32) end--;
  return text.slice(start, end);
}

/** An fd argument or return value, with what -y/-yy said about it. */
export interface FdValue {
  fd: number;
  note: FdNote | undefined;
}

const AT_FDCWD = -100;

/** Fast: the fd number an argument text starts with (`3`, `3</path>…`, `AT_FDCWD…`), NaN when none. */
export function leadingFd(text: string): number {
  if (text.charCodeAt(0) === 65 && text.startsWith('AT_FDCWD')) return AT_FDCWD;
  let index = text.charCodeAt(0) === 45 ? 1 : 0;
  const start = index;
  let value = 0;
  for (; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) break;
    value = value * 10 + (code - 48);
  }
  if (index === start || !Number.isSafeInteger(value)) return Number.NaN;
  const next = text.charCodeAt(index);
  if (index < text.length && next !== 60 && next !== 44 && next !== 32) return Number.NaN;
  return start === 1 ? -value : value;
}

/** Reads `3`, `3</path>`, `AT_FDCWD</cwd>`, `-1`; undefined when the text is not an fd. */
export function parseFdValue(text: string): FdValue | undefined {
  let index = 0;
  let fd: number;
  if (text.startsWith('AT_FDCWD')) {
    fd = AT_FDCWD;
    index = 8;
  } else {
    let negative = false;
    if (text.charCodeAt(0) === 45) {
      negative = true;
      index = 1;
    }
    const digitsStart = index;
    let value = 0;
    while (index < text.length) {
      const code = text.charCodeAt(index);
      if (code < 48 || code > 57) break;
      value = value * 10 + (code - 48);
      index++;
    }
    if (index === digitsStart || !Number.isSafeInteger(value)) return undefined;
    fd = negative ? -value : value;
  }
  if (index === text.length || text.charCodeAt(index) !== 60) {
    return index === text.length || text.charCodeAt(index) === 32 ? { fd, note: undefined } : undefined;
  }
  const close = annotationEnd(text, index, text.length);
  if (close < 0) return { fd, note: undefined };
  return { fd, note: parseAnnotation(fd, text.slice(index + 1, close)) };
}

/** Parses the text inside an fd annotation. */
export function parseAnnotation(fd: number, raw: string): FdNote {
  const first = raw.charCodeAt(0);
  if (first === 47 || first === 92) {
    // A path, possibly followed by a nested device note: "/dev/null<char 1:3>".
    let pathEnd = raw.length;
    let device: string | undefined;
    if (raw.endsWith('>')) {
      const nestedOpen = lastUnescaped(raw, '<');
      if (nestedOpen > 0) {
        pathEnd = nestedOpen;
        device = raw.slice(nestedOpen + 1, raw.length - 1);
      }
    }
    const path = raw.indexOf('\\') < 0 ? raw.slice(0, pathEnd) : bytesToText(decodeEscapes(raw, 0, pathEnd));
    return device === undefined ? { fd, raw, kind: 'path', path } : { fd, raw, kind: 'path', path, device };
  }
  const colon = raw.indexOf(':');
  const tag = colon < 0 ? raw : raw.slice(0, colon);
  const body = colon < 0 ? '' : raw.slice(colon + 1);
  const inner = body.startsWith('[') && body.endsWith(']') ? body.slice(1, -1) : body;
  if (tag === 'pipe') return withInode({ fd, raw, kind: 'pipe' }, inner);
  if (tag === 'anon_inode') return { fd, raw, kind: 'anon', path: inner };
  if (tag === 'socket') return withInode({ fd, raw, kind: 'socket' }, inner);
  if (/^(TCP|UDP|UDPLITE|RAW|SCTP|DCCP|L2TP|PING)(v6)?$/.test(tag) || tag.startsWith('UNIX') || tag === 'NETLINK') {
    return socketNote(fd, raw, tag, inner);
  }
  return { fd, raw, kind: 'other' };
}

/** An inode number: at most 15 digits (found by fuzzing, "pipe:[9007199254740993]" made an unsafe inode). */
const INODE = /^\d{1,15}$/;

function withInode(note: FdNote, inner: string): FdNote {
  if (INODE.test(inner)) note.inode = Number(inner);
  return note;
}

function lastUnescaped(text: string, character: string): number {
  let index = text.lastIndexOf(character);
  while (index > 0) {
    let backslashes = 0;
    for (let cursor = index - 1; cursor >= 0 && text.charCodeAt(cursor) === 92; cursor--) backslashes++;
    if ((backslashes & 1) === 0) return index;
    index = text.lastIndexOf(character, index - 1);
  }
  return -1;
}

/** "98670", "127.0.0.1:48431", "127.0.0.1:1->127.0.0.1:2", "[::1]:80->[::1]:5000", "419173->419172,\"/p\"". */
function socketNote(fd: number, raw: string, proto: string, inner: string): FdNote {
  const note: FdNote = { fd, raw, kind: 'socket', proto };
  if (proto.startsWith('UNIX')) {
    const comma = inner.indexOf(',');
    const ends = comma < 0 ? inner : inner.slice(0, comma);
    if (comma >= 0) {
      const quoted = inner.slice(comma + 1);
      const close = quoted.startsWith('"') ? closingQuote(quoted, 1, quoted.length) : -1;
      if (close > 0) note.path = bytesToText(decodeEscapes(quoted, 1, close));
    }
    const [local, remote] = ends.split('->');
    if (local !== undefined && INODE.test(local)) note.inode = Number(local);
    if (remote !== undefined) note.remote = remote;
    return note;
  }
  if (INODE.test(inner)) {
    note.inode = Number(inner);
    return note;
  }
  const arrow = inner.indexOf('->');
  note.local = arrow < 0 ? inner : inner.slice(0, arrow);
  if (arrow >= 0) note.remote = inner.slice(arrow + 2);
  return note;
}

/** Splits "1.2.3.4:80" or "[::1]:80" into address and port. */
export function splitHostPort(endpoint: string): { address: string; port: number | null } {
  if (endpoint.startsWith('[')) {
    const close = endpoint.indexOf(']');
    const port = endpoint.slice(close + 2);
    return { address: endpoint.slice(1, close), port: /^\d+$/.test(port) ? Number(port) : null };
  }
  const colon = endpoint.lastIndexOf(':');
  if (colon < 0) return { address: endpoint, port: null };
  const port = endpoint.slice(colon + 1);
  return { address: endpoint.slice(0, colon), port: /^\d+$/.test(port) ? Number(port) : null };
}

const PIDNS_NOTE = " in strace's PID NS */";

/**
 * strace --decode-pids=pidns prints a pid as the tracee sees it, then strace's own view:
 * 8 followed by the comment "7584 in strace's PID NS". HoldCell traces containers from the host, and every line prefix carries
 * the host's pid, so the host's number is kept: clone's result then names the child's lines.
 */
export function straceNamespacePid(text: string): string {
  const note = text.indexOf(PIDNS_NOTE);
  if (note < 0) return text;
  const open = text.lastIndexOf('/* ', note);
  if (open < 0) return text;
  const head = text.slice(0, open).trimEnd();
  const start = head.search(/-?\d+$/);
  if (start < 0) return text;
  return head.slice(0, start) + text.slice(open + 3, note) + straceNamespacePid(text.slice(note + PIDNS_NOTE.length));
}

/** The parts of a return text: "-1 ENOENT (No such file or directory)", "3</etc/passwd>", "0x55f4", "?". */
export interface ParsedReturn {
  /** The leading token as printed ("3", "-1", "0x7f..", "?"). */
  token: string;
  /** The token as a number when it is an integer that a double holds exactly. */
  value: number | undefined;
  errno: string | undefined;
  /** Text in parentheses after the value or errno. */
  note: string | undefined;
  fd: FdNote | undefined;
}

export function parseReturn(ret: string): ParsedReturn {
  let index = 0;
  while (index < ret.length && ret.charCodeAt(index) !== 32 && ret.charCodeAt(index) !== 60) index++;
  const token = ret.slice(0, index);
  const value = integerValue(token);
  let fd: FdNote | undefined;
  if (ret.charCodeAt(index) === 60) {
    const close = annotationEnd(ret, index, ret.length);
    if (close > 0) {
      fd = parseAnnotation(value ?? -1, ret.slice(index + 1, close));
      index = close + 1;
    }
  }
  while (ret.charCodeAt(index) === 32) index++;
  let errno: string | undefined;
  const errnoMatch = /^E[A-Z0-9_]+|^ERESTART\w*/.exec(ret.slice(index));
  if (errnoMatch !== null && (token.startsWith('-') || token === '?')) {
    errno = errnoMatch[0];
    index += errno.length;
    while (ret.charCodeAt(index) === 32) index++;
  }
  let note: string | undefined;
  if (ret.charCodeAt(index) === 40 && ret.endsWith(')')) note = ret.slice(index + 1, -1);
  return { token, value, errno, note, fd };
}

/** Decimal or 0x-hex integer → number when exact; undefined otherwise. */
export function integerValue(token: string): number | undefined {
  if (/^-?\d{1,15}$/.test(token)) return Number(token);
  if (/^0x[0-9a-f]{1,13}$/i.test(token)) return Number.parseInt(token.slice(2), 16);
  return undefined;
}

/** Fast: the leading decimal integer of a return text (e.g. 3 for "3</x>", -1 for "-1 ENOENT …"), NaN if none. */
export function leadingInt(ret: string): number {
  let index = 0;
  let negative = false;
  if (ret.charCodeAt(0) === 45) {
    negative = true;
    index = 1;
  }
  let value = 0;
  const start = index;
  while (index < ret.length) {
    const code = ret.charCodeAt(index);
    if (code < 48 || code > 57) break;
    value = value * 10 + (code - 48);
    index++;
  }
  // Found by fuzzing: "= 1111…1" (40 digits) became an fd and byte count no view schema accepts. Digits beyond
  // 2^53 are not a number HoldCell can hold exactly, so they count as none (like "?").
  if (index === start || !Number.isSafeInteger(value)) return Number.NaN;
  // "0x…" is a pointer, not a count.
  if (ret.charCodeAt(index) === 120) return Number.NaN;
  return negative ? -value : value;
}

/** The errno name of a failed call's return text ("-1 ENOENT (…)" → "ENOENT"), or undefined on success. */
export function errnoOf(ret: string): string | undefined {
  if (!(ret.startsWith('-1 E') || ret.startsWith('? E'))) return undefined;
  const start = ret.indexOf('E');
  let end = start;
  while (end < ret.length && ret.charCodeAt(end) !== 32) end++;
  return ret.slice(start, end);
}
