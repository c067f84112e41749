// The tar stream's recent bytes by absolute position: the current header region and whatever follows it.
//
// Chunks stay referenced (never copied) until the indexer releases the position before which it needs nothing:
// in steady state that is one or two chunks, and during a large file's content none at all.

export class ByteWindow {
  private chunks: Buffer[] = [];
  private starts: number[] = [];

  /** `onRelease` gets every chunk the window lets go of (the reader reuses its memory for a later read). */
  constructor(private readonly onRelease?: (chunk: Buffer) => void) {}

  push(chunk: Buffer, start: number): void {
    this.chunks.push(chunk);
    this.starts.push(start);
  }

  /** Forgets every chunk that ends at or before `position`. */
  release(position: number): void {
    let drop = 0;
    while (drop < this.chunks.length && (this.starts[drop] ?? 0) + (this.chunks[drop]?.length ?? 0) <= position) {
      drop += 1;
    }
    if (drop > 0) {
      const dropped = this.chunks.splice(0, drop);
      this.starts.splice(0, drop);
      if (this.onRelease !== undefined) for (const chunk of dropped) this.onRelease(chunk);
    }
  }

  /**
   * The chunk holding all of [start, end), and where in it `start` is; undefined when the range spans chunks or
   * is not held. The allocation-free path the block walk takes for nearly every header.
   */
  within(start: number, end: number): { chunk: Buffer; at: number } | undefined {
    for (let index = 0; index < this.chunks.length; index += 1) {
      const chunkStart = this.starts[index] ?? 0;
      const chunk = this.chunks[index] as Buffer;
      if (start >= chunkStart && end <= chunkStart + chunk.length) return { chunk, at: start - chunkStart };
      if (chunkStart > start) return undefined;
    }
    return undefined;
  }

  /** Bytes [start, end) when all of them are held (a view when they sit in one chunk, else a copy), or undefined. */
  slice(start: number, end: number): Buffer | undefined {
    const parts: Buffer[] = [];
    let at = start;
    for (let index = 0; index < this.chunks.length && at < end; index += 1) {
      const chunk = this.chunks[index] as Buffer;
      const chunkStart = this.starts[index] ?? 0;
      const chunkEnd = chunkStart + chunk.length;
      if (chunkEnd <= at) continue;
      if (chunkStart > at) return undefined;
      const piece = chunk.subarray(at - chunkStart, Math.min(chunk.length, end - chunkStart));
      if (parts.length === 0 && at + piece.length >= end) return piece;
      parts.push(piece);
      at += piece.length;
    }
    return at >= end ? Buffer.concat(parts) : undefined;
  }
}
