// Strings from a suspect container are shown with every invisible or terminal-active character made visible.
import { describe, expect, it } from 'vitest';
import { isPlainVisible, visibleText } from '../../src/contract/visible-text.js';

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

  it('given a backslash, then it is doubled so an escape in the output always means an escaped character', () => {
    expect(visibleText('C:\\x1b')).toBe('C:\\\\x1b');
    expect(visibleText('\\')).not.toBe(visibleText('\\\\'));
  });
});
