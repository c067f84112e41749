// Bytes from traces: strace's quoted-string escapes decoded, UTF-8 read losslessly, base64 for bytes that are not text.
//
// The common layer has no TextDecoder or Buffer, so the few codecs needed are written here. Paths and tty text are
// byte strings: bytes that are not valid UTF-8 become U+DC80..U+DCFF ("surrogateescape"), which keeps them
// distinct and reversible, and which visibleText shows escaped.

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_INDEX = new Int16Array(128).fill(-1);
for (let index = 0; index < BASE64.length; index++) BASE64_INDEX[BASE64.charCodeAt(index)] = index;

/** Standard base64 with padding. */
export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  let index = 0;
  for (; index + 2 < bytes.length; index += 3) {
    const word = ((bytes[index] ?? 0) << 16) | ((bytes[index + 1] ?? 0) << 8) | (bytes[index + 2] ?? 0);
    out +=
      BASE64.charAt(word >> 18) +
      BASE64.charAt((word >> 12) & 63) +
      BASE64.charAt((word >> 6) & 63) +
      BASE64.charAt(word & 63);
  }
  const rest = bytes.length - index;
  if (rest === 1) {
    const word = (bytes[index] ?? 0) << 16;
    out += `${BASE64.charAt(word >> 18)}${BASE64.charAt((word >> 12) & 63)}==`;
  } else if (rest === 2) {
    const word = ((bytes[index] ?? 0) << 16) | ((bytes[index + 1] ?? 0) << 8);
    out += `${BASE64.charAt(word >> 18)}${BASE64.charAt((word >> 12) & 63)}${BASE64.charAt((word >> 6) & 63)}=`;
  }
  return out;
}

/** Decodes standard or URL-safe base64 (padding optional); undefined when the text is not base64. */
export function base64Decode(text: string): Uint8Array | undefined {
  const clean = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (clean.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (let index = 0; index < clean.length; index++) {
    const code = clean.charCodeAt(index);
    const digit = code < 128 ? (BASE64_INDEX[code] ?? -1) : -1;
    if (digit < 0) return undefined;
    value = (value << 6) | digit;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  return out.subarray(0, at);
}

/** The result of decoding one strace string literal. */
export interface DecodedString {
  bytes: Uint8Array;
  /** strace printed `"..."...`: the data was longer than `-s` allowed. */
  truncated: boolean;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  n: 10,
  t: 9,
  r: 13,
  v: 11,
  f: 12,
  a: 7,
  b: 8,
  e: 27,
  '"': 34,
  '\\': 92,
  "'": 39,
};

/**
 * Decodes the characters of a strace string between its quotes (`from` after the opening quote, `to` at the
 * closing one): `\n \t \r \v \f \" \\`, octal `\0`..`\377` and hex `\xHH` (`-x`/`-xx`). Characters that are not
 * escaped are taken as bytes (strace escapes everything outside printable ASCII).
 */
export function decodeEscapes(text: string, from: number, to: number): Uint8Array {
  const firstEscape = text.indexOf('\\', from);
  if (firstEscape === -1 || firstEscape >= to) {
    const plain = new Uint8Array(to - from);
    for (let index = from; index < to; index++) plain[index - from] = text.charCodeAt(index) & 0xff;
    return plain;
  }
  const out = new Uint8Array(to - from);
  let at = 0;
  for (let index = from; index < to; index++) {
    const code = text.charCodeAt(index);
    if (code !== 92 || index + 1 >= to) {
      out[at++] = code & 0xff;
      continue;
    }
    const next = text.charCodeAt(index + 1);
    if (next >= 48 && next <= 55) {
      // Octal: up to three digits.
      let value = 0;
      let digits = 0;
      let cursor = index + 1;
      while (digits < 3 && cursor < to) {
        const digit = text.charCodeAt(cursor);
        if (digit < 48 || digit > 55) break;
        value = value * 8 + (digit - 48);
        cursor++;
        digits++;
      }
      out[at++] = value & 0xff;
      index = cursor - 1;
    } else if (next === 120 && index + 3 < to) {
      const high = hexValue(text.charCodeAt(index + 2));
      const low = hexValue(text.charCodeAt(index + 3));
      if (high >= 0 && low >= 0) {
        out[at++] = high * 16 + low;
        index += 3;
      } else {
        out[at++] = 92;
      }
    } else {
      const simple = SIMPLE_ESCAPES[String.fromCharCode(next)];
      if (simple === undefined) {
        // Not an escape strace writes: keep both characters so nothing is lost.
        out[at++] = 92;
        continue;
      }
      out[at++] = simple;
      index += 1;
    }
  }
  return out.subarray(0, at);
}

/**
 * Decodes a whole strace string argument: `"abc"`, `"abc"...` (truncated by -s), or `@"name"` (abstract socket).
 * Undefined when the argument is not a string literal.
 */
export function decodeStraceString(arg: string): DecodedString | undefined {
  let start = 0;
  while (start < arg.length && arg.charCodeAt(start) === 32) start++;
  if (arg.charCodeAt(start) === 64 /* @ */) start++;
  if (arg.charCodeAt(start) !== 34) return undefined;
  const close = closingQuote(arg, start + 1, arg.length);
  if (close < 0) return undefined;
  const truncated = arg.startsWith('...', close + 1);
  return { bytes: decodeEscapes(arg, start + 1, close), truncated };
}

/** Index of the unescaped `"` closing a string whose content starts at `from`, or -1. */
export function closingQuote(text: string, from: number, end: number): number {
  let quote = text.indexOf('"', from);
  while (quote !== -1 && quote < end) {
    let backslashes = 0;
    let cursor = quote - 1;
    while (cursor >= from && text.charCodeAt(cursor) === 92) {
      backslashes++;
      cursor--;
    }
    if ((backslashes & 1) === 0) return quote;
    quote = text.indexOf('"', quote + 1);
  }
  return -1;
}

/** Decodes UTF-8; each byte that is not part of a valid sequence becomes U+DC00+byte (reversible). */
export function bytesToText(bytes: Uint8Array): string {
  let out = '';
  let plainStart = 0;
  let index = 0;
  // Runs of ASCII are copied in slices: the common case for paths and terminal text.
  const flush = (end: number): void => {
    for (let from = plainStart; from < end; from += 8192) {
      const part = bytes.subarray(from, Math.min(end, from + 8192));
      out += String.fromCharCode.apply(null, part as unknown as number[]);
    }
  };
  while (index < bytes.length) {
    const byte = bytes[index] ?? 0;
    if (byte < 0x80) {
      index++;
      continue;
    }
    flush(index);
    const length = byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc2 && byte <= 0xdf ? 2 : 0;
    let codePoint = -1;
    if (length > 0 && index + length <= bytes.length) {
      codePoint = length === 2 ? byte & 0x1f : length === 3 ? byte & 0x0f : byte & 0x07;
      for (let k = 1; k < length; k++) {
        const continuation = bytes[index + k] ?? 0;
        if ((continuation & 0xc0) !== 0x80) {
          codePoint = -1;
          break;
        }
        codePoint = (codePoint << 6) | (continuation & 0x3f);
      }
      // Overlong forms, surrogates and values above U+10FFFF are not valid UTF-8.
      const minimum = length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000;
      if (codePoint < minimum || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) codePoint = -1;
    }
    if (codePoint < 0) {
      out += String.fromCharCode(0xdc00 + byte);
      index++;
    } else {
      out += String.fromCodePoint(codePoint);
      index += length;
    }
    plainStart = index;
  }
  flush(index);
  return out;
}

/** Like bytesToText but for consumers that need well-formed Unicode (asciicast): invalid bytes become U+FFFD. */
export function bytesToWellFormedText(bytes: Uint8Array): string {
  // An escaped byte is a low surrogate with no high surrogate before it (a real pair keeps its low half).
  return bytesToText(bytes).replace(/(?<![\ud800-\udbff])[\udc80-\udcff]/g, '\ufffd');
}

/** Inverse of bytesToText: UTF-8 encodes, turning U+DC80..U+DCFF back into the bytes they stand for. */
export function textToBytes(text: string): Uint8Array {
  const out: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) {
      out.push(code);
    } else if (code >= 0xdc80 && code <= 0xdcff) {
      out.push(code - 0xdc00);
    } else if (code < 0x800) {
      out.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    } else if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const low = text.charCodeAt(index + 1);
      const point = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
      out.push(
        0xf0 | (point >> 18),
        0x80 | ((point >> 12) & 0x3f),
        0x80 | ((point >> 6) & 0x3f),
        0x80 | (point & 0x3f),
      );
      index++;
    } else {
      out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    }
  }
  return Uint8Array.from(out);
}

/** True when the bytes are UTF-8 text with no control characters other than tab, newline and carriage return. */
export function isPrintableText(bytes: Uint8Array): boolean {
  const text = bytesToText(bytes);
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|(?<![\ud800-\udbff])[\udc80-\udcff]/.test(text);
}

/** JSON form of decoded bytes: `text` when printable, else `b64`; `truncated` when strace cut the string. */
export function bytesForJson(bytes: Uint8Array, truncated: boolean): { text?: string; b64?: string; truncated?: true } {
  const value: { text?: string; b64?: string; truncated?: true } = isPrintableText(bytes)
    ? { text: bytesToText(bytes) }
    : { b64: base64Encode(bytes) };
  if (truncated) value.truncated = true;
  return value;
}

/** Concatenates byte chunks. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
