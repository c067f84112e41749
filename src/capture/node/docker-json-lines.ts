// Docker's JSON-lines progress answers (/images/load and the like), read incrementally in bounded memory.
//
// The engine reports failures inside a 200 answer as {"error": …} lines, so a line that cannot be read might be
// the one that said the operation failed: it is reported, never skipped. Nothing is held beyond one line (itself
// capped) and the start of the report kept for the record.

export interface JsonLinesReport {
  /** The first failure the engine reported ({"error": …} or {"errorDetail": {"message": …}}). */
  error?: string;
  /** The first line that is not a JSON object, described (its content is not repeated: it may be anything). */
  malformed?: string;
  /** The report's first REPORT_LIMIT characters, for the record. */
  text: string;
  lines: number;
}

/** One progress line is well under 1 KiB; anything past this is not a progress line and is not held. */
export const LINE_LIMIT = 64 * 1024;
export const REPORT_LIMIT = 16 * 1024;

function errorOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { error, errorDetail } = value as { error?: unknown; errorDetail?: { message?: unknown } };
  if (typeof error === 'string') return error;
  if (typeof errorDetail?.message === 'string') return errorDetail.message;
  return undefined;
}

export class JsonLinesReader {
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  /** The current line passed LINE_LIMIT: drop its bytes until the newline. */
  private overlong = false;
  private text = '';
  private lines = 0;
  private error: string | undefined;
  private malformed: string | undefined;

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.byteLength) {
      const newline = chunk.indexOf(0x0a, at);
      const stop = newline < 0 ? chunk.byteLength : newline;
      this.hold(chunk.subarray(at, stop));
      if (newline < 0) return;
      this.line();
      at = newline + 1;
    }
  }

  end(): JsonLinesReport {
    if (this.partBytes > 0 || this.overlong) this.line();
    return {
      ...(this.error === undefined ? {} : { error: this.error }),
      ...(this.malformed === undefined ? {} : { malformed: this.malformed }),
      text: this.text,
      lines: this.lines,
    };
  }

  private hold(bytes: Uint8Array): void {
    if (bytes.byteLength === 0 || this.overlong) return;
    if (this.partBytes + bytes.byteLength > LINE_LIMIT) {
      this.overlong = true;
      this.parts = [];
      this.partBytes = 0;
      return;
    }
    this.parts.push(bytes.slice());
    this.partBytes += bytes.byteLength;
  }

  private line(): void {
    const number = this.lines + 1;
    const overlong = this.overlong;
    const bytes = new Uint8Array(this.partBytes);
    let offset = 0;
    for (const part of this.parts) {
      bytes.set(part, offset);
      offset += part.byteLength;
    }
    this.parts = [];
    this.partBytes = 0;
    this.overlong = false;
    const line = overlong
      ? `[line ${number}: more than ${LINE_LIMIT} bytes, not kept]`
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').replace(/\r$/, '');
    if (line.trim() === '') return;
    this.lines = number;
    if (this.text.length < REPORT_LIMIT) this.text = `${this.text}${line}\n`.slice(0, REPORT_LIMIT);
    if (overlong) {
      this.malformed ??= `line ${number} of the engine's report is longer than ${LINE_LIMIT} bytes: not a progress line`;
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.malformed ??= `line ${number} of the engine's report is not JSON (${bytes.byteLength} bytes)`;
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.malformed ??= `line ${number} of the engine's report is JSON but not an object`;
      return;
    }
    this.error ??= errorOf(value);
  }
}
