// Strings from a suspect container are shown with every invisible or terminal-active character made visible.
import { describe, expect, it } from 'vitest';
import { bytesToText } from '../../src/capture/common/trace/trace-bytes.js';
import {
  isPlainVisible,
  visibleBytes,
  visibleDisplayText,
  visibleLines,
  visibleText,
} from '../../src/contract/visible-text.js';

describe('visibleText', () => {
  it('given plain names, then they are shown unchanged', () => {
    for (const plain of ['nginx', 'hc-test-1', 'répertoire', '日本語', 'emoji 🐳']) {
      expect(visibleText(plain)).toBe(plain);
      expect(isPlainVisible(plain)).toBe(true);
    }
  });

  it('given terminal escapes and C0/C1 controls, then each becomes a visible escape', () => {
    expect(visibleText('\u001b]52;c;ZXZpbA==\u0007')).toBe('\\x1b]52;c;ZXZpbA==\\x07');
    expect(visibleText('a\nb\rc\td')).toBe('a\\nb\\rc\\td');
    expect(visibleText('\u009b31m')).toBe('\\x9b31m');
    expect(visibleText('\u007f\u0000')).toBe('\\x7f\\x00');
  });

  it('given bidi overrides and zero-width characters (Trojan Source), then they are shown, not obeyed', () => {
    expect(visibleText('evil\u202eexe.txt')).toBe('evil\\u{202e}exe.txt');
    expect(visibleText('ad\u200bmin')).toBe('ad\\u{200b}min');
    expect(visibleText('\u2066x\u2069')).toBe('\\u{2066}x\\u{2069}');
    expect(visibleText('\ufeffbom')).toBe('\\u{feff}bom');
    expect(isPlainVisible('a\u200db')).toBe(false);
  });

  it('given lone surrogates, then they are escaped while real pairs stay', () => {
    expect(visibleText('x\ud800y')).toBe('x\\u{d800}y');
    expect(visibleText('x\udc00y')).toBe('x\\u{dc00}y');
    expect(visibleText('\ud83d\udc33')).toBe('🐳');
  });

  it('given a trace name holding bytes that are not UTF-8 (kept as U+DC80–DCFF by the parsers), then each shows as the byte it stands for, as the diff shows it', () => {
    const fromTrace = bytesToText(Buffer.from([0x2f, 0x74, 0xff, 0x80, 0x7a]));
    expect(visibleText(fromTrace)).toBe('/t\\xff\\x80z');
    expect(visibleText(fromTrace)).toBe(visibleBytes(Buffer.from([0x2f, 0x74, 0xff, 0x80, 0x7a])));
  });

  it('given tag characters smuggling an ASCII sentence (found by the hostile-strings e2e corpus), then each is escaped by code point', () => {
    const smuggled = `ok${[...'hi'].map((char) => String.fromCodePoint(0xe0000 + char.charCodeAt(0))).join('')}`;
    expect(visibleText(smuggled)).toBe('ok\\u{e0068}\\u{e0069}');
    expect(visibleText('\u{e0001}lang\u{e007f}')).toBe('\\u{e0001}lang\\u{e007f}');
    expect(isPlainVisible(smuggled)).toBe(false);
    expect(visibleDisplayText(smuggled)).toBe('ok\\u{e0068}\\u{e0069}');
    expect(visibleBytes(new TextEncoder().encode(smuggled))).toBe('ok\\u{e0068}\\u{e0069}');
  });

  it('given Hangul fillers that render as blank letters and other format characters, then they are escaped too', () => {
    expect(visibleText('name\u3164tail')).toBe('name\\u{3164}tail');
    expect(visibleText('\u115f\u1160\uffa0')).toBe('\\u{115f}\\u{1160}\\u{ffa0}');
    // Other Cf: Arabic number sign, shorthand format control, musical invisible formatting; the unassigned U+2065.
    expect(visibleText('\u0600\u{1bca0}\u{1d173}\u2065')).toBe('\\u{600}\\u{1bca0}\\u{1d173}\\u{2065}');
    // Emoji, astral letters and joined emoji keep their look except the joiner, which is shown.
    expect(visibleText('🐳\u{1d41a}')).toBe('🐳\u{1d41a}');
    expect(visibleText('👩\u200d💻')).toBe('👩\\u{200d}💻');
    // Bytes hidden behind a letter in supplementary variation selectors are shown; emoji presentation (FE0F) stays.
    expect(visibleText('a\u{e0100}\u{e01ef}')).toBe('a\\u{e0100}\\u{e01ef}');
    expect(visibleText('❤\ufe0f')).toBe('❤\ufe0f');
    // Noncharacters render as blanks (found by the hostile-strings e2e): shown.
    expect(visibleText('x\ufffe\uffffy\ufdd0\u{10ffff}')).toBe('x\\u{fffe}\\u{ffff}y\\u{fdd0}\\u{10ffff}');
  });

  it('given a backslash, then it is doubled so an escape in the output always means an escaped character', () => {
    expect(visibleText('C:\\x1b')).toBe('C:\\\\x1b');
    expect(visibleText('\\')).not.toBe(visibleText('\\\\'));
  });
});

describe('visibleBytes and visibleLines (file contents from evidence)', () => {
  const bytes = (...values: number[]) => Uint8Array.from(values);

  it('given valid UTF-8, then it is shown as text with controls escaped', () => {
    expect(visibleBytes(new TextEncoder().encode('héllo \u001b[31m'))).toBe('héllo \\x1b[31m');
  });

  it('given invalid UTF-8 (stray, truncated, overlong, surrogate), then each bad byte is shown as \\xNN', () => {
    expect(visibleBytes(bytes(0xff, 0xfe, 0x41))).toBe('\\xff\\xfeA');
    expect(visibleBytes(bytes(0xe2, 0x82))).toBe('\\xe2\\x82');
    expect(visibleBytes(bytes(0xc0, 0xaf))).toBe('\\xc0\\xaf');
    expect(visibleBytes(bytes(0xed, 0xa0, 0x80))).toBe('\\xed\\xa0\\x80');
    expect(visibleBytes(bytes(0xf0, 0x9f, 0x90, 0xb3))).toBe('🐳');
  });

  it('given lines with a bidi override and CR, then lines split on LF and the rest stays visible', () => {
    expect(visibleLines(new TextEncoder().encode('a\u202eb\r\nc\n'))).toEqual(['a\\u{202e}b\\r', 'c', '']);
  });
});

describe('visibleDisplayText (strings the host already escaped)', () => {
  it('given a display form with escapes, then backslashes are kept and only invisible characters are escaped', () => {
    expect(visibleDisplayText('tmp/\\x1b]52;c;ZXZpbA==\\x07evil')).toBe('tmp/\\x1b]52;c;ZXZpbA==\\x07evil');
    expect(visibleDisplayText('a\u202eb\u001b')).toBe('a\\u{202e}b\\x1b');
  });
});
