// Shows strings from evidence safely: control, C1, bidi, zero-width and lone-surrogate code points become visible escapes.

// Why each class: controls (Cc: C0, DEL, C1) drive terminals; format characters (Cf) are invisible by definition —
// bidi controls reorder what the reader sees (Trojan Source), zero-width characters and word joiners hide or split
// names, tag characters (U+E0000–E007F) carry whole ASCII sentences nobody sees; line and paragraph separators
// (Zl, Zp) break lines; the Hangul fillers render as blank letters; the unassigned U+2065 sits among the invisible
// operators; the supplementary variation selectors (U+E0100–E01EF) are 240 invisible values that smuggle a byte
// each behind any character; noncharacters (U+FFFE, U+FDD0…) are not for interchange and render as blanks; lone
// surrogates (Cs, in a /u regex only unpaired ones match) are not text at all. The basic selectors U+FE00–FE0F stay:
// emoji need them, and they change a glyph's look without hiding it. The hostile-strings e2e corpus found tag
// characters, the Hangul filler and noncharacters shown raw before these were listed here.
// The selector range leads each class: after another character it would read (to a linter) as a combined pair.
const INVISIBLE_NON_CONTROL =
  '\\u{e0100}-\\u{e01ef}\\p{Cf}\\p{Cs}\\p{Zl}\\p{Zp}\\p{Noncharacter_Code_Point}\\u115f\\u1160\\u2065\\u3164\\uffa0';
const INVISIBLE = new RegExp(`[${INVISIBLE_NON_CONTROL}\\p{Cc}]|\\\\`, 'gu');

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

function escapeOne(character: string): string {
  const named = NAMED[character];
  if (named !== undefined) return named;
  // codePointAt: a match may be an astral code point (a tag character), two UTF-16 units long.
  const code = character.codePointAt(0) ?? 0;
  // U+DC80–DCFF is how the trace parsers keep a byte that is not UTF-8 (surrogateescape, trace-bytes.ts): shown as
  // that byte, \xNN, so a name reads the same in the replay and the timeline as in the diff (which decodes bytes).
  if (code >= 0xdc80 && code <= 0xdcff) return `\\x${(code - 0xdc00).toString(16)}`;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** Returns the string with every invisible or terminal-active character replaced by a visible escape; backslash is doubled so the form is unambiguous. */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, escapeOne);
}

// The same set without the backslash: for text that is already a display form (escapes made by the host).
const INVISIBLE_ONLY = new RegExp(`[${INVISIBLE_NON_CONTROL}\\p{Cc}]`, 'gu');

/**
 * For strings the host already turned into display form (diff paths, finding details): escapes anything invisible
 * that is still there, as defence in depth, but does not double backslashes, which there begin the host's escapes.
 */
export function visibleDisplayText(display: string): string {
  return display.replace(INVISIBLE_ONLY, escapeOne);
}

// The same set without controls (Cc) and the backslash: for terminal output, where C0/C1 controls are the terminal's
// own language (xterm interprets them, and the disarm swallows the dangerous ones) but a format character would be
// drawn as-is — a bidi override reordering the screen, tag characters hiding a sentence.
const INVISIBLE_NOT_CONTROL = new RegExp(`[${INVISIBLE_NON_CONTROL}]`, 'gu');

/** Escapes the invisible characters a terminal would draw (format, separator, filler, lone surrogate); keeps controls. */
export function visibleFormatCharacters(text: string): string {
  return text.replace(INVISIBLE_NOT_CONTROL, escapeOne);
}

/** True when visibleText would change nothing. */
export function isPlainVisible(text: string): boolean {
  INVISIBLE.lastIndex = 0;
  const found = INVISIBLE.test(text);
  INVISIBLE.lastIndex = 0;
  return !found;
}

/**
 * Decodes bytes from evidence as UTF-8 for display: valid text is kept, every byte of an invalid sequence is
 * shown as \xNN (never a silent U+FFFD), and the result passes through visibleText. Newlines are escaped too;
 * callers that show lines split the bytes on 0x0a first (see visibleLines).
 */
export function visibleBytes(bytes: Uint8Array): string {
  let out = '';
  let index = 0;
  while (index < bytes.length) {
    const byte = bytes[index] as number;
    const length =
      byte < 0x80
        ? 1
        : byte >= 0xc2 && byte <= 0xdf
          ? 2
          : byte >= 0xe0 && byte <= 0xef
            ? 3
            : byte >= 0xf0 && byte <= 0xf4
              ? 4
              : 0;
    const sequence = length === 0 ? undefined : bytes.subarray(index, index + length);
    const decoded = sequence && sequence.length === length ? decodeSequence(sequence) : undefined;
    if (decoded === undefined) {
      out += `\\x${byte.toString(16).padStart(2, '0')}`;
      index += 1;
    } else {
      out += visibleText(decoded);
      index += length;
    }
  }
  return out;
}

function decodeSequence(sequence: Uint8Array): string | undefined {
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0] = sequence;
  const continuation = (value: number): boolean => (value & 0xc0) === 0x80;
  let codePoint: number;
  switch (sequence.length) {
    case 1:
      return String.fromCharCode(b0);
    case 2:
      if (!continuation(b1)) return undefined;
      codePoint = ((b0 & 0x1f) << 6) | (b1 & 0x3f);
      break;
    case 3:
      if (!continuation(b1) || !continuation(b2)) return undefined;
      codePoint = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
      // Overlong forms and UTF-16 surrogates are not valid UTF-8.
      if (codePoint < 0x800 || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return undefined;
      break;
    default:
      if (!continuation(b1) || !continuation(b2) || !continuation(b3)) return undefined;
      codePoint = ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
      if (codePoint < 0x10000 || codePoint > 0x10ffff) return undefined;
  }
  return String.fromCodePoint(codePoint);
}

/** The bytes as display lines: split on \n, each line through visibleBytes (so \r, ESC, bidi… stay visible). */
export function visibleLines(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let index = 0; index <= bytes.length; index += 1) {
    if (index === bytes.length || bytes[index] === 0x0a) {
      lines.push(visibleBytes(bytes.subarray(start, index)));
      start = index + 1;
    }
  }
  return lines;
}
