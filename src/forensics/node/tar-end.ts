// The tar end-of-archive rule: a whole number of 512-byte blocks whose last 1024 bytes are zero.
//
// GNU tar and Docker (Go's archive/tar) both finish an archive with two zero blocks after the last entry; GNU
// tar then pads to a 10240-byte record with more zeros. A stream cut anywhere else almost never ends on a block
// boundary with 1 KiB of zeros, so this catches the connection that dropped while an export looked finished.

export const TAR_BLOCK_BYTES = 512;
export const TAR_END_BYTES = 2 * TAR_BLOCK_BYTES;

/** Keeps the last TAR_END_BYTES bytes of a stream without holding the stream. */
export class StreamTail {
  private buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): void {
    if (chunk.byteLength >= TAR_END_BYTES) {
      this.buffer = Buffer.from(chunk.subarray(chunk.byteLength - TAR_END_BYTES));
    } else {
      const joined = Buffer.concat([this.buffer, chunk]);
      this.buffer = joined.subarray(Math.max(0, joined.byteLength - TAR_END_BYTES));
    }
  }

  get bytes(): Uint8Array {
    return this.buffer;
  }
}

/** Why a tar stream of totalBytes ending in tail is not a finished archive, or undefined when it is. */
export function tarEndProblem(totalBytes: number, tail: Uint8Array): string | undefined {
  const missingEnd = `stream ended after ${totalBytes} bytes without tar end-of-archive blocks`;
  if (totalBytes % TAR_BLOCK_BYTES !== 0) {
    return `${missingEnd} (${totalBytes} is not a whole number of 512-byte blocks)`;
  }
  if (totalBytes < TAR_END_BYTES || tail.byteLength < TAR_END_BYTES) return missingEnd;
  for (let index = tail.byteLength - TAR_END_BYTES; index < tail.byteLength; index += 1) {
    if (tail[index] !== 0) return missingEnd;
  }
  return undefined;
}
