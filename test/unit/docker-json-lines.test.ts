// Docker's JSON-lines progress answers: errors found wherever they are, damaged lines reported, memory bounded.
import { describe, expect, it } from 'vitest';
import { JsonLinesReader, LINE_LIMIT, REPORT_LIMIT } from '../../src/capture/node/docker-json-lines.js';

function read(chunks: (string | Buffer)[]): ReturnType<JsonLinesReader['end']> {
  const reader = new JsonLinesReader();
  for (const chunk of chunks) reader.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return reader.end();
}

describe('JsonLinesReader', () => {
  it('given a load report split mid-line, then it is read whole and kept for the record', () => {
    const report = read(['{"stream":"Loaded im', 'age ID: sha256:abc\\n"}\r\n', '\n{"status":"done"}']);
    expect(report).toEqual({ text: '{"stream":"Loaded image ID: sha256:abc\\n"}\n{"status":"done"}\n', lines: 2 });
  });

  it('given the engine reports an error in a 200 answer, then the first error is found (error or errorDetail)', () => {
    expect(read(['{"status":"x"}\n{"errorDetail":{"message":"no space"}}\n{"error":"later"}\n']).error).toBe(
      'no space',
    );
  });

  it('given a line that is not JSON, then it is reported by number without repeating its content', () => {
    const report = read(['{"status":"ok"}\n', 'garbage \u001b]52;c;evil\u0007\n', '{"stream":"Loaded"}\n']);
    expect(report.malformed).toBe("line 2 of the engine's report is not JSON (20 bytes)");
    expect(read(['[1,2]\n']).malformed).toBe("line 1 of the engine's report is JSON but not an object");
  });

  it('given a line of many megabytes without a newline, then it is not held: reported as overlong, the report stays capped', () => {
    const reader = new JsonLinesReader();
    const block = Buffer.alloc(1024 * 1024, 0x41);
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 64; i += 1) reader.push(block);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
    reader.push(Buffer.from('\n{"status":"after"}\n'));
    const report = reader.end();
    expect(report.malformed).toBe(
      `line 1 of the engine's report is longer than ${LINE_LIMIT} bytes: not a progress line`,
    );
    expect(report.lines).toBe(2);
    expect(report.text.length).toBeLessThanOrEqual(REPORT_LIMIT);
    expect(report.text).toContain('[line 1: more than 65536 bytes, not kept]');
  });
});
