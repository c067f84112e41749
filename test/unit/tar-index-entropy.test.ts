// Entropy figures counted by byte pairs equal the textbook byte-by-byte count, whatever the pieces and alignment.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { countBytes, entropyOf, newHistogram } from '../../src/forensics/node/tar-index-entropy.js';

/** Shannon entropy counted one byte at a time, rounded as the index stores it. */
function textbookEntropy(bytes: Uint8Array): number {
  const counts = new Array<number>(256).fill(0);
  for (const byte of bytes) counts[byte] = (counts[byte] ?? 0) + 1;
  let entropy = 0;
  for (const count of counts) {
    if (count === 0) continue;
    const p = count / bytes.length;
    entropy -= p * Math.log2(p);
  }
  return Math.round(entropy * 10_000) / 10_000;
}

describe('given contents of every kind', () => {
  const contents: Record<string, Buffer> = {
    random: randomBytes(100_003),
    zeros: Buffer.alloc(65_537),
    text: Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(2000)),
    'two bytes': Buffer.from('ab'.repeat(30_001)),
    'one byte': Buffer.from([7]),
  };
  for (const [name, bytes] of Object.entries(contents)) {
    it(`when ${name} is counted whole and in odd, unaligned pieces, then the entropy equals the textbook figure`, () => {
      const expected = textbookEntropy(bytes);
      const whole = newHistogram();
      countBytes(whole, bytes);
      expect(entropyOf(whole, bytes.length)).toBe(expected);
      // Pieces that start at every alignment of a shared buffer (views with byteOffset 1, 2, 3 …).
      const shifted = Buffer.concat([Buffer.alloc(3), bytes]).subarray(3);
      const pieces = newHistogram();
      for (let at = 0, size = 1; at < shifted.length; at += size, size = 1 + ((size * 7 + 3) % 4099)) {
        countBytes(pieces, shifted.subarray(at, Math.min(shifted.length, at + size)));
      }
      expect(entropyOf(pieces, bytes.length)).toBe(expected);
    });
  }
});
