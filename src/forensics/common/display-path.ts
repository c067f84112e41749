// A byte path's display form for people and JSON: escaped text, plus the raw bytes in base64 when the text is not the name.
import { displayByteString } from './byte-text.js';
import type { BytePath } from './tar-index-model.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES: ReadonlyMap<string, number> = new Map([...ALPHABET].map((char, index) => [char, index]));

export interface DisplayPath {
  /** UTF-8 decoded, control/C1/bidi/zero-width characters and invalid bytes shown as visible escapes. */
  path: string;
  /** Raw bytes, present exactly when `path` is not the name's own UTF-8 text (something had to be escaped). */
  pathBase64?: string;
}

/**
 * "etc/passwd" → { path: "etc/passwd" }; "x\x1b]52;…" or invalid UTF-8 → escaped text plus pathBase64, so a
 * consumer can always get back to the real bytes and never has to guess whether "\\x1b" was typed or escaped.
 */
export function displayPath(path: BytePath): DisplayPath {
  const shown = displayByteString(path);
  return isOwnText(path, shown) ? { path: shown } : { path: shown, pathBase64: byteStringToBase64(path) };
}

/** Whether `shown` is the UTF-8 reading of byte string `raw` (nothing escaped). */
function isOwnText(raw: string, shown: string): boolean {
  // Escaping always lengthens, so re-encoding the shown text gives the raw bytes back only when nothing was escaped.
  return raw === shown || utf8ByteString(shown) === raw;
}

/** A JS string's UTF-8 encoding as a byte string. */
export function utf8ByteString(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x80) out += char;
    else if (code < 0x800) out += String.fromCharCode(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000)
      out += String.fromCharCode(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else
      out += String.fromCharCode(
        0xf0 | (code >> 18),
        0x80 | ((code >> 12) & 0x3f),
        0x80 | ((code >> 6) & 0x3f),
        0x80 | (code & 0x3f),
      );
  }
  return out;
}

export function byteStringToBase64(bytes: string): string {
  let out = '';
  for (let at = 0; at < bytes.length; at += 3) {
    const a = bytes.charCodeAt(at) & 0xff;
    const b = at + 1 < bytes.length ? bytes.charCodeAt(at + 1) & 0xff : 0;
    const c = at + 2 < bytes.length ? bytes.charCodeAt(at + 2) & 0xff : 0;
    out += ALPHABET[a >> 2];
    out += ALPHABET[((a & 3) << 4) | (b >> 4)];
    out += at + 1 < bytes.length ? ALPHABET[((b & 15) << 2) | (c >> 6)] : '=';
    out += at + 2 < bytes.length ? ALPHABET[c & 63] : '=';
  }
  return out;
}

/** Strict base64 (standard alphabet, padding required) → byte string; undefined when it is not base64. */
export function base64ToByteString(text: string): string | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  let out = '';
  for (let at = 0; at < text.length; at += 4) {
    const quad = [0, 1, 2, 3].map((offset) => VALUES.get(text[at + offset] ?? '=') ?? -1);
    const [a = 0, b = 0, c = -1, d = -1] = quad;
    out += String.fromCharCode((a << 2) | (b >> 4));
    if (c >= 0) out += String.fromCharCode(((b & 15) << 4) | (c >> 2));
    if (d >= 0) out += String.fromCharCode(((c & 3) << 6) | d);
  }
  return out;
}
