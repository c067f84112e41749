// SHA-256 in plain TypeScript for the environment-free layer: stable event ids without node:crypto or WebCrypto.
//
// Ids are computed for every event of a million-event timeline, so this avoids allocation per call: one shared
// message schedule, ASCII read straight from the string, hex from a table.
import { utf8ByteString } from './display-path.js';

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const W = new Uint32Array(64);
const H = new Uint32Array(8);

/** Runs the compression function over one 64-byte block of the padded message. */
function compress(bytes: string, length: number, block: number): void {
  const total = Math.ceil((length + 9) / 64) * 64;
  for (let t = 0; t < 16; t++) {
    let word = 0;
    for (let k = 0; k < 4; k++) {
      const at = block * 64 + t * 4 + k;
      let byte: number;
      if (at < length) byte = bytes.charCodeAt(at) & 0xff;
      else if (at === length) byte = 0x80;
      else if (at >= total - 4) byte = ((length * 8) >>> ((total - 1 - at) * 8)) & 0xff;
      else byte = 0;
      word = (word << 8) | byte;
    }
    W[t] = word;
  }
  for (let t = 16; t < 64; t++) {
    const a = W[t - 15] ?? 0;
    const b = W[t - 2] ?? 0;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[t] = ((W[t - 16] ?? 0) + s0 + (W[t - 7] ?? 0) + s1) | 0;
  }
  let a = H[0] ?? 0;
  let b = H[1] ?? 0;
  let c = H[2] ?? 0;
  let d = H[3] ?? 0;
  let e = H[4] ?? 0;
  let f = H[5] ?? 0;
  let g = H[6] ?? 0;
  let h = H[7] ?? 0;
  for (let t = 0; t < 64; t++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + (K[t] ?? 0) + (W[t] ?? 0)) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0] ?? 0) + a;
  H[1] = (H[1] ?? 0) + b;
  H[2] = (H[2] ?? 0) + c;
  H[3] = (H[3] ?? 0) + d;
  H[4] = (H[4] ?? 0) + e;
  H[5] = (H[5] ?? 0) + f;
  H[6] = (H[6] ?? 0) + g;
  H[7] = (H[7] ?? 0) + h;
}

/** SHA-256 of a string's UTF-8 bytes, lowercase hex (checked against node:crypto in the unit tests). */
export function sha256Text(text: string): string {
  // Plain ASCII is its own UTF-8; anything else is encoded to a byte string first.
  const bytes = /^[\x00-\x7f]*$/.test(text) ? text : utf8ByteString(text);
  H.set(INITIAL);
  const blocks = Math.ceil((bytes.length + 9) / 64);
  for (let block = 0; block < blocks; block++) compress(bytes, bytes.length, block);
  let out = '';
  for (let index = 0; index < 8; index++) {
    const word = H[index] ?? 0;
    out +=
      HEX[word >>> 24] +
      (HEX[(word >>> 16) & 0xff] ?? '') +
      (HEX[(word >>> 8) & 0xff] ?? '') +
      (HEX[word & 0xff] ?? '');
  }
  return out;
}
