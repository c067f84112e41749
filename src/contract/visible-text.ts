// Shows strings from evidence safely: control, C1, bidi, zero-width and lone-surrogate code points become visible escapes.

// Why each range: C0/DEL/C1 drive terminals; bidi controls reorder what the reader sees (Trojan Source);
// zero-width and invisible formatters hide characters; lone surrogates are not text at all.
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\\/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

function escapeOne(character: string): string {
  const named = NAMED[character];
  if (named !== undefined) return named;
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** Returns the string with every invisible or terminal-active character replaced by a visible escape; backslash is doubled so the form is unambiguous. */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, escapeOne);
}

/** True when visibleText would change nothing. */
export function isPlainVisible(text: string): boolean {
  INVISIBLE.lastIndex = 0;
  const found = INVISIBLE.test(text);
  INVISIBLE.lastIndex = 0;
  return !found;
}
