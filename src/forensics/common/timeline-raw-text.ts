// Diff strings back to raw text for the timeline: a diff entry's real name, and its finding details un-escaped.
//
// The diff stores display forms (escapes already made); timeline events hold raw strings that every consumer
// (row, details, report, CSV, Timesketch) escapes once. Raw names take the trace's form — UTF-8 decoded, each byte
// that is not UTF-8 as U+DC80..U+DCFF — so a file the trace touched and the diff saw is the same string in both.
import { base64Decode, bytesToText } from '../../capture/common/trace/trace-bytes.js';
import type { DiffEntry } from './diff-model.js';

/**
 * The entry's real name ("etc/passwd", relative to the root like the entry's path): decoded from `pathBase64`
 * when the display form is not the name, else the path itself; undefined when `pathBase64` is not base64.
 */
export function rawEntryName(entry: Pick<DiffEntry, 'path' | 'pathBase64'>): string | undefined {
  if (entry.pathBase64 === undefined) return entry.path;
  const bytes = base64Decode(entry.pathBase64);
  return bytes === undefined ? undefined : bytesToText(bytes);
}

const ESCAPE = /\\(?:\\|n|r|t|x([0-9a-f]{2})|u\{([0-9a-f]{1,6})\})/g;
const NAMED: Readonly<Record<string, string>> = { '\\\\': '\\', '\\n': '\n', '\\r': '\r', '\\t': '\t' };

/** C1 controls and the soft hyphen: escaped by visibleText as \xNN, exactly like a lone byte that is not UTF-8. */
const isEscapedLatin1 = (code: number): boolean => (code >= 0x80 && code <= 0x9f) || code === 0xad;

/**
 * The raw text a display form (displayByteString / visibleText output) was made from, in the trace's form. One
 * ambiguity is inherent: "\x85" is a C1 control or a lone byte 0x85; the control is chosen, which shows the same
 * way again. Where the raw bytes matter, they are in pathBase64, never guessed from this.
 */
export function rawFromDisplay(display: string): string {
  return display.replace(ESCAPE, (escape: string, hex: string | undefined, point: string | undefined) => {
    const named = NAMED[escape];
    if (named !== undefined) return named;
    if (hex !== undefined) {
      const code = Number.parseInt(hex, 16);
      // Below 0x80 or an escaped Latin-1 character: the character; any other \xNN only stands for a non-UTF-8 byte.
      return code < 0x80 || isEscapedLatin1(code) ? String.fromCharCode(code) : String.fromCharCode(0xdc00 + code);
    }
    const code = Number.parseInt(point ?? '', 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : escape;
  });
}

/**
 * A finding's detail as raw text: the entry's own display path (quoted into details as is) replaced by its real
 * name exactly, the rest un-escaped by rawFromDisplay.
 */
export function rawDetail(detail: string, displayPath: string, rawPath: string): string {
  if (displayPath === '') return rawFromDisplay(detail);
  return detail
    .split(displayPath)
    .map((part) => rawFromDisplay(part))
    .join(rawPath);
}
