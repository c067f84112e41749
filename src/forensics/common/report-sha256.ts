// The base64 SHA-256 a CSP hash source takes, from the common layer's one SHA-256 (timeline-hash.ts).
import { sha256Text } from './timeline-hash.js';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Lowercase hex → base64 (padded), as `'sha256-…'` sources are written. */
export function hexToBase64(hex: string): string {
  const bytes: number[] = [];
  for (let index = 0; index + 1 < hex.length; index += 2) bytes.push(Number.parseInt(hex.slice(index, index + 2), 16));
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i] as number;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    const n = (b0 << 16) | ((b1 ?? 0) << 8) | (b2 ?? 0);
    out += BASE64[(n >> 18) & 63];
    out += BASE64[(n >> 12) & 63];
    out += b1 === undefined ? '=' : BASE64[(n >> 6) & 63];
    out += b2 === undefined ? '=' : BASE64[n & 63];
  }
  return out;
}

/** base64 SHA-256 of the string's UTF-8 bytes: the form a CSP hash source takes. */
export const sha256Base64 = (text: string): string => hexToBase64(sha256Text(text));
