// Byte strings (one char per byte) from raw bytes and base64, and their display form: UTF-8 where valid, \xNN where not.
import { visibleText } from '../../contract/visible-text.js';

/** Bytes → byte string (latin1: char code = byte), the form evidence paths and package databases are handled in. */
export function bytesToByteString(bytes: Uint8Array): string {
  let out = '';
  // Chunked: String.fromCharCode with a huge argument list would overflow the call stack.
  for (let start = 0; start < bytes.length; start += 8192) {
    out += String.fromCharCode(...bytes.subarray(start, start + 8192));
  }
  return out;
}

/** Length of the valid UTF-8 sequence starting at `at`, or 0 when the byte there cannot start one. */
function sequenceLength(text: string, at: number): number {
  const lead = text.charCodeAt(at);
  if (lead < 0x80) return 1;
  let length: number;
  let min: number;
  if (lead >= 0xc2 && lead <= 0xdf) [length, min] = [2, 0x80];
  else if (lead >= 0xe0 && lead <= 0xef) [length, min] = [3, 0x800];
  else if (lead >= 0xf0 && lead <= 0xf4) [length, min] = [4, 0x10000];
  else return 0;
  if (at + length > text.length) return 0;
  let code = lead & (0xff >> (length + 1));
  for (let index = 1; index < length; index += 1) {
    const next = text.charCodeAt(at + index);
    if ((next & 0xc0) !== 0x80) return 0;
    code = (code << 6) | (next & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8 (a fatal decoder refuses them).
  if (code < min || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return 0;
  return length;
}

function decodeSequence(text: string, at: number, length: number): string {
  if (length === 1) return text[at] ?? '';
  let code = text.charCodeAt(at) & (0xff >> (length + 1));
  for (let index = 1; index < length; index += 1) code = (code << 6) | (text.charCodeAt(at + index) & 0x3f);
  return String.fromCodePoint(code);
}

/**
 * Display form of a byte string: valid UTF-8 runs decoded and passed through visibleText; every byte that is not
 * part of valid UTF-8 shown as \xNN (unambiguous, because visibleText doubles real backslashes).
 */
export function displayByteString(text: string): string {
  let out = '';
  let run = '';
  for (let at = 0; at < text.length;) {
    const length = sequenceLength(text, at);
    if (length === 0) {
      out += `${visibleText(run)}\\x${text.charCodeAt(at).toString(16).padStart(2, '0')}`;
      run = '';
      at += 1;
    } else {
      run += decodeSequence(text, at, length);
      at += length;
    }
  }
  return out + visibleText(run);
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Bytes of standard padded base64 (xattr values, apk checksums); undefined when the text is not that. */
export function base64ToBytes(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text.replace(/=+$/, '')) {
    value = ((value << 6) | BASE64.indexOf(char)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}
